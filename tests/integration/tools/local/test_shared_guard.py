"""LIVE tools beside a deployed stack share its lockout guard (tools/local/shared_guard.py): a wrong
login from `make run LIVE=1` counts in the deployed state, and a guard the deployed function
holds stops the LIVE tool's login."""

import boto3
import pytest
from moto import mock_aws

from emulator.clock import FakeClock
from emulator.fusionsolar.server import FusionSolarEmulator
from fusioncharge.errors import AccountLocked, CredentialsRejected
from fusioncharge.fusionsolar import Credentials, FusionSolarClient
from fusioncharge.state import FileStateStore, State
from fusioncharge.state.store import SsmStateStore
from tests.integration.fusionsolar.runs import scenario
from tools.local.shared_guard import SharedGuardStore

NAME = "/stack/fusionsolar-state"


def live_login(store, emu, clock, code):
    client = FusionSolarClient.on_store(
        emu.base_url,
        Credentials("demo", code),
        store,
        clock=clock,
        timeouts=(2.0, 5.0),  # no held replies here: room for a loaded machine
    )
    try:
        client.list_plants()
    finally:
        client.checkpoint.save(client.state)


def test_a_live_wrong_login_counts_in_the_deployed_guard(tmp_path):
    clock = FakeClock()
    with mock_aws(), FusionSolarEmulator(scenario(), clock=clock, timeout_hold=1.0) as emu:
        ssm = boto3.client("ssm", region_name="eu-west-1")
        deployed = SsmStateStore(NAME, ssm, clock)
        read_at = clock.now()
        deployed.save(State(last_fetch={"38": read_at}))
        store = SharedGuardStore(FileStateStore(tmp_path / "live.json", clock), deployed)
        with pytest.raises(CredentialsRejected):
            live_login(store, emu, clock, "typo")
        kept = deployed.load()
        assert len(kept.login_tries or ()) == 1  # the deployed runs see the LIVE wrong login
        assert kept.last_fetch == {"38": read_at}  # only the guard is shared
        clock.advance(60)
        deployed_state = deployed.load()
        deployed_state.login_tries = [*(deployed_state.login_tries or ()), clock.now()]
        deployed.save(deployed_state)  # the deployed function's own wrong login
        with pytest.raises(AccountLocked):  # two in 10 minutes together: no LIVE login now
            live_login(store, emu, clock, "another-typo")
        assert emu.count("login") == 1


def test_without_a_readable_stack_the_live_tools_keep_their_own_guard(tmp_path, capsys):
    from tools.local import deployed_stack

    local = FileStateStore(tmp_path / "live.json")
    assert deployed_stack.shared_store(local, tmp_path / "none.toml") is local
    config = tmp_path / "samconfig.local.toml"
    config.write_text('[default.global.parameters]\nstack_name = "gone"\n', encoding="utf-8")
    with mock_aws():
        assert deployed_stack.shared_store(local, config) is local
    assert "could not be read" in capsys.readouterr().err
