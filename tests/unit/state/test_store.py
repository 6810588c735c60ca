"""The state's SSM parameter (state/store.py) over a real botocore client whose calls botocore's
own Stubber answers (no sockets): whether another run wrote it, told by its version read without
decryption; 4 KB exactly fits; an AWS failure is a StateError naming the parameter, never the
reply's words; a damaged value starts over every time it is read."""

from typing import Any

import boto3
import pytest
from botocore.exceptions import EndpointConnectionError
from botocore.stub import ANY, Stubber

from emulator.clock import FakeClock
from fusioncharge.errors import StateError
from fusioncharge.state import State
from fusioncharge.state.store import SsmStateStore

NAME = "/fusioncharge/state"
NOW = 1_800_000_000.0


@pytest.fixture
def ssm() -> Any:
    return boto3.client(
        "ssm", region_name="eu-west-1", aws_access_key_id="x", aws_secret_access_key="y"
    )


def _store(ssm: Any) -> SsmStateStore:
    return SsmStateStore(NAME, ssm, clock=FakeClock(start=NOW))


def _reply(value: str, version: int | None) -> dict[str, Any]:
    parameter: dict[str, Any] = {"Name": NAME, "Value": value, "Type": "SecureString"}
    if version is not None:
        parameter["Version"] = version
    return {"Parameter": parameter}


def _loaded(stub: Stubber, version: int) -> None:
    stub.add_response(
        "get_parameter", _reply(State().to_json(), version), {"Name": NAME, "WithDecryption": True}
    )


@pytest.mark.parametrize(("now_version", "changed"), [(3, False), (4, True), (None, True)])
def test_another_run_wrote_it_when_its_version_moved(ssm, now_version, changed):
    store = _store(ssm)
    with Stubber(ssm) as stub:
        _loaded(stub, 3)
        # The version only: no decryption, so no KMS request (a cost per run).
        stub.add_response(
            "get_parameter", _reply("", now_version), {"Name": NAME, "WithDecryption": False}
        )
        store.load()
        assert store.changed() is changed


@pytest.mark.parametrize(("loaded_before", "changed"), [(True, True), (False, False)])
def test_a_parameter_that_is_gone_changed_only_if_it_was_there(ssm, loaded_before, changed):
    store = _store(ssm)
    with Stubber(ssm) as stub:
        if loaded_before:
            _loaded(stub, 2)
            store.load()
        stub.add_client_error("get_parameter", "ParameterNotFound")
        assert store.changed() is changed


def _state_of(size: int) -> State:
    """A state whose stored JSON is exactly `size` bytes (its plant name padded)."""
    base = len(State(plant_name="").to_json().encode())
    state = State(plant_name="x" * (size - base))
    assert len(state.to_json().encode()) == size
    return state


def _written(ssm: Any, store: SsmStateStore, state: State) -> str:
    seen: dict[str, Any] = {}
    ssm.meta.events.register(
        "provide-client-params.ssm.PutParameter", lambda params, **_: seen.update(params)
    )
    with Stubber(ssm) as stub:
        stub.add_response(
            "put_parameter",
            {"Version": 7},
            {"Name": NAME, "Value": ANY, "Type": "SecureString", "Overwrite": True},
        )
        store.save(state)
    assert store.version == 7
    return str(seen["Value"])


def test_a_state_of_exactly_4096_bytes_is_saved_whole(ssm):
    state = _state_of(4096)
    assert _written(ssm, _store(ssm), state) == state.to_json()


def test_a_state_of_4097_bytes_is_saved_without_what_is_least_needed(ssm):
    written = _written(ssm, _store(ssm), _state_of(4097))
    assert len(written.encode()) <= 4096
    assert State.from_json(written, NOW).plant_name is None


def test_aws_out_of_reach_on_save_is_a_state_error_naming_the_parameter(ssm):
    def unreachable(**_: Any) -> None:
        raise EndpointConnectionError(endpoint_url="https://ssm.eu-west-1.amazonaws.com/")

    ssm.meta.events.register("before-call.ssm.PutParameter", unreachable)
    with pytest.raises(StateError) as caught:
        _store(ssm).save(State())
    assert f"could not write the state parameter {NAME} (EndpointConnectionError)" in str(
        caught.value
    )


def test_a_refusal_names_its_code_never_the_replys_words(ssm):
    arn = "arn:aws:sts::123456789012:assumed-role/fusioncharge-role/fn"
    with Stubber(ssm) as stub, pytest.raises(StateError) as caught:
        stub.add_client_error(
            "get_parameter", "AccessDeniedException", f"User: {arn} is not authorized"
        )
        _store(ssm).load()
    assert f"could not read the state parameter {NAME} (AccessDeniedException)" in str(caught.value)
    assert "123456789012" not in str(caught.value)


def test_a_damaged_value_starts_over_each_time_it_is_read(ssm):
    damaged = '{"v": 2, "locked_until": 1800001000.0, "devices": "garbage"}'
    store = _store(ssm)
    with Stubber(ssm) as stub:
        for _ in range(2):
            stub.add_response(
                "get_parameter", _reply(damaged, 5), {"Name": NAME, "WithDecryption": True}
            )
        first, second = store.load(), store.load()
    assert isinstance(first, State) and isinstance(second, State)
    assert first.locked_until == second.locked_until == 1800001000.0
    assert first.devices is None and second.devices is None  # started over: looked up again
