"""A new sink needs only its module and its registry row: the settings take its name, the
secret's check names its key, the real handler builds it, pushes to it, keeps its memory and
reports it, and `make status` tries its keys (tests/support/logbook_sink.py is that module)."""

import json

import pytest

from fusioncharge.errors import SecretError
from fusioncharge.settings.secret import parse_secret
from fusioncharge.sinks import registry
from tests.support import logbook_sink
from tools.local.site import Site, worked_example_scenario
from tools.status import receivers


@pytest.fixture
def with_logbook(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(registry, "SINKS", (*registry.SINKS, logbook_sink.KIND))  # the row


def _secret(site: Site, logbook_url: object) -> dict[str, object]:
    user = site.scenario["credentials"]
    return {
        "fusionsolar_username": user["username"],
        "fusionsolar_system_code": user["system_code"],
        "chargehq_api_key": site.api_key,
        "logbook_url": logbook_url,
    }


def test_a_new_sink_runs_through_the_real_handler_with_only_its_module_and_row(with_logbook):
    site = Site(worked_example_scenario(), settings={"SINKS": "chargehq,logbook"})
    with site:
        site.set_secret(_secret(site, site.hass.url))  # any loopback JSON receiver will do
        run = site.run()
        assert run.error is None, run.error
        assert run.result.sinks == {"chargehq": "ok", "logbook": "ok"}
        assert site.hass.received[-1]["logbook"] == run.result.site_meters.as_dict()
        assert run.result.sent["logbook"]["logbook"]["production_kw"] > 0
        assert len(run.pushes) == 1  # ChargeHQ's push as before
        assert '"logbook"' in (site.state_text() or "")  # its memory kept in the state
        reading = (run.result.site_meters.tsms / 1000, run.result.site_meters.as_dict())
        secret = parse_secret(_secret(site, site.hass.url), "s")
        found = receivers.check_sinks(secret, ("logbook",), reading, {"Sinks": "logbook"})
        assert found == [("Logbook", True, found[0][2])]


def test_a_new_sinks_key_is_checked_and_named(with_logbook):
    site = Site(worked_example_scenario(), settings={"SINKS": "logbook"})
    with site:
        site.set_secret(_secret(site, "REPLACE_ME"))
        missing = site.run()
        assert isinstance(missing.error, SecretError)
        assert "logbook_url still needs filling in" in str(missing.error)
        site.set_secret(_secret(site, 8080))
        wrong = site.next_run()
        assert "key logbook_url must be the logbook's http://127.0.0.1 address" in str(wrong.error)
        assert json.dumps(8080) not in str(wrong.error)
        assert missing.calls == [] and wrong.calls == []  # FusionSolar not called
