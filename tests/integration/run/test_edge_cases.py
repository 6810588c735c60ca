"""Edge cases a review found, each once a real bug: state size, the guard's memory, other
login refusals, and devices missing from a reply."""

import json

import pytest

import emulator.fusionsolar.server as emulator_module
from emulator.fusionsolar.scenario import DEFAULT_PLANT_CODE, default_devices
from emulator.httpserve import json_reply
from fusioncharge.errors import AccountLocked, CredentialsRejected
from fusioncharge.state.store import SSM_MAX_CHARS
from tools.local.site import Site, worked_example_scenario


def test_a_plant_with_optimizers_keeps_its_state_within_ssm_limits():
    devices = default_devices()
    devices += [
        {
            "devName": f"Optimizer-{i // 20 + 1}-{i % 20 + 1}",
            "devTypeId": 46,
            "esnCode": f"6T22101785{i:02d}",
            "id": 1000000035336300 + i,
            "stationCode": DEFAULT_PLANT_CODE,
        }
        for i in range(120)  # one per panel, the devices poller never reads
    ]
    with Site({"devices": devices}) as site:
        out = site.run()
        text = site.state_text() or ""
    assert out.error is None
    assert len(text) < SSM_MAX_CHARS / 4, f"state is {len(text)} characters"


def test_the_guard_remembers_every_recently_rejected_password():
    with Site(worked_example_scenario()) as site:
        typo_a = {**site.secret, "fusionsolar_system_code": "typo-A"}
        typo_b = {**site.secret, "fusionsolar_system_code": "typo-B"}
        site.set_secret(typo_a)
        assert isinstance(site.run().error, CredentialsRejected)
        site.set_secret(typo_b)
        assert isinstance(site.next_run().error, CredentialsRejected)  # a new value is tried
        site.set_secret(typo_a)  # back to the one rejected 10 minutes ago
        back = site.next_run()
        site.set_secret(site.secret)
        fixed = site.next_run()
    assert back.logins == 0 and isinstance(back.error, AccountLocked)
    assert fixed.error is None and fixed.logins == 1


@pytest.mark.parametrize("code", [20001, 20002, 20003])
def test_other_login_refusals_are_guarded_like_a_wrong_password(code):
    scenario = worked_example_scenario()
    scenario["faults"] = [{"interface": "login", "kind": "fail_code", "fail_code": code}]
    with Site(scenario) as site:
        first = site.run()
        second = site.next_run()
    assert isinstance(first.error, CredentialsRejected)
    assert str(code) in str(first.error)
    assert second.logins == 0 and isinstance(second.error, AccountLocked)
    # Each its own fix: a wrong user name is the secret's; a disabled (20002) or expired
    # (20003) Northbound account is fixed in FusionSolar by whoever manages it.
    said = str(first.error)
    fixes = {
        20001: "Fix fusionsolar_username / fusionsolar_system_code in the secret",
        20002: "must enable it again in FusionSolar's Northbound management",
        20003: "must extend the account's deadline",
    }
    assert fixes[code] in said
    assert ("in the secret (the Northbound" in said) == (code == 20001)
    assert "disabled or expired" in str(second.error)  # the guard's runs point there too


@pytest.fixture
def dropping(monkeypatch):
    """The emulator leaves one device out of its getDevRealKpi replies."""

    def drop(dev_id: int) -> None:
        real = emulator_module._ROUTES["getDevRealKpi"]

        def route(self, request, body, now):
            answer = real(self, request, body, now)
            envelope = json.loads(answer.reply.body)
            if isinstance(envelope.get("data"), list):
                envelope["data"] = [d for d in envelope["data"] if d.get("devId") != dev_id]
            return emulator_module.Answer(json_reply(envelope), answer.outcome, answer.fail_code)

        monkeypatch.setitem(emulator_module._ROUTES, "getDevRealKpi", route)

    return drop


def test_a_battery_missing_from_the_reply_is_unknown_not_zero(dropping):
    dropping(13)  # the worked example's battery: production would be 2.4 instead of 0.9
    with Site(worked_example_scenario()) as site:
        out = site.run()
    assert "error" in out.last_body, out.last_body


def test_an_inverter_missing_from_the_reply_is_unknown_not_zero(dropping):
    scenario = worked_example_scenario()
    plant = scenario["stations"][0]["plantCode"]
    scenario["devices"].append(
        {"id": 15, "devName": "Inverter-2", "devTypeId": 38, "stationCode": plant}
    )
    scenario["kpis"]["38"].append(
        {"devId": 15, "dataItemMap": {"active_power": 3.0, "inverter_state": 512}}
    )
    dropping(15)
    with Site(scenario) as site:
        out = site.run()
    assert "error" in out.last_body, f"the missing inverter's 3 kW counted as 0: {out.last_body}"
