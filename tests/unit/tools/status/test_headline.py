"""make status's headline: each word, from the facts alone, and the exit code that follows it."""

import pytest

from tools.status.headline import CANNOT_TELL, EXIT_CODES, Facts, Proof, decide

PROVEN = [Proof("FusionSolar", True, "works"), Proof("ChargeHQ", True, "works")]


@pytest.mark.parametrize(
    ("facts", "headline", "code"),
    [
        (Facts(deployed=False), "NOT DEPLOYED: no stack here yet: make deploy", 4),
        (
            Facts(pushed_since_edit=True, last_outcome="pushed"),
            "WORKING: your site meters reach ChargeHQ",
            0,
        ),
        # Proven by make status's own check, but no run has pushed with them yet.
        (Facts(proofs=PROVEN, next_run="the run at about 14:05"), "CHECKING: the credentials", 3),
        # First setup: no run yet, nothing proven; the next run will tell.
        (Facts(next_run="the run at about 14:05"), "CHECKING: no push since", 3),
        (Facts(missing=["chargehq_api_key"]), "NOT WORKING: fill in the secret: chargehq_api", 1),
        (
            Facts(proofs=[PROVEN[0], Proof("ChargeHQ", False, "chargehq_rejected: 401")]),
            "NOT WORKING: ChargeHQ: chargehq_rejected: 401",
            1,
        ),
        # Pushed after the edit, but the latest run failed: not working now, and what to do.
        (
            Facts(pushed_since_edit=True, last_outcome="failed", last_error_code="login_blocked"),
            "NOT WORKING: login_blocked: fix the secret",
            1,
        ),
        (Facts(paused=True), "NOT WORKING: paused: make deploy SET=Paused=false", 1),
    ],
)
def test_each_headline_and_its_exit_code(facts, headline, code):
    decided = decide(facts)
    assert decided.text().startswith(headline) and decided.exit_code == code


def test_an_unknown_credential_never_reads_as_working():
    facts = Facts(proofs=[PROVEN[0], Proof("ChargeHQ", None, "no recent reading")])
    assert decide(facts).word == "CHECKING"
    assert "the run at about 14:05" in decide(Facts(next_run="the run at about 14:05")).text()


def test_never_working_while_a_configured_receiver_received_nothing_for_30_minutes():
    facts = Facts(
        pushed_since_edit=True,
        last_outcome="pushed",
        receivers="ChargeHQ and Home Assistant",
        silent=[("Home Assistant", "hass_webhook_unknown")],
    )
    decided = decide(facts)
    assert decided.word == "NOT WORKING" and decided.exit_code == 1
    assert decided.detail.startswith("Home Assistant has received nothing for 30 minutes")
    assert "packages:" in decided.detail


def test_one_passing_failure_after_pushes_is_a_blip_not_a_failure():
    facts = Facts(
        pushed_since_edit=True,
        last_outcome="failed",
        last_error_code="fusionsolar_unavailable",
        blip="14:05 (fusionsolar_unavailable)",
    )
    decided = decide(facts)
    assert decided.word == "WORKING" and decided.exit_code == 0
    assert "one failed run at 14:05 (fusionsolar_unavailable) is a blip" in decided.detail


def test_pvoutput_refusing_the_date_says_to_set_the_plants_time_zone():
    facts = Facts(
        pushed_since_edit=True,
        last_outcome="pushed",
        receivers="ChargeHQ and PVOutput",
        silent=[("PVOutput", "pvoutput_date_refused")],
    )
    decided = decide(facts)
    assert decided.word == "NOT WORKING"
    assert "(pvoutput_date_refused): set your plant's time zone" in decided.detail
    assert "SET=PlantTimezone=" in decided.detail


@pytest.mark.parametrize(
    ("code", "to_do"),
    [
        (
            "credentials_rejected",
            "fix fusionsolar_username / fusionsolar_system_code in the secret",
        ),
        ("login_blocked", "fix the secret; the guard lets the next login through within 30 min"),
        ("plant_not_found", "set Station to one of your plants (make discover LIVE=1 lists them)"),
        ("api_access_off", "the plant owner turns Access to API back on in the FusionSolar app"),
        ("chargehq_rejected", "fix chargehq_api_key in the secret"),
        ("fusionsolar_unavailable", "nothing: FusionSolar is not answering"),
        ("chargehq_unavailable", "nothing: ChargeHQ is not answering"),
        (
            "chargehq_gone",
            "ChargeHQ's push API is gone: put the other receivers' keys in the secret, "
            "then make deploy SET=Sinks=hass,pvoutput",
        ),
        ("hass_rejected", "check hass_webhook_url in the secret"),
        ("hass_unavailable", "nothing if Home Assistant is only restarting"),
        ("pvoutput_rejected", "fix pvoutput_api_key / pvoutput_system_id"),
        ("pvoutput_unavailable", "nothing: PVOutput is not answering"),
        ("quota_exceeded", "nothing: the next run tries again; if it persists, give this poller"),
        ("bad_setting", "fix the setting the message names (make deploy SET=Name=value)"),
        ("secret", "fill in the secret (link below)"),
        ("something_new", "see docs/troubleshooting.md for this error"),
    ],
)
def test_each_error_says_the_one_thing_to_do(code, to_do):
    facts = Facts(pushed_since_edit=True, last_outcome="failed", last_error_code=code)
    headline = decide(facts)
    assert headline.text().startswith(f"NOT WORKING: {code}: {to_do}")
    assert headline.exit_code == 1


def test_a_run_that_waited_after_the_edit_is_still_checking():
    facts = Facts(pushed_since_edit=True, last_outcome="skipped", next_run="the run at 14:05")
    headline = decide(facts)
    assert (
        headline.text()
        == "CHECKING: the last run waited for Huawei's window; the run at 14:05 reads"
    )
    assert headline.exit_code == 3


def test_working_names_every_receiver():
    facts = Facts(
        pushed_since_edit=True, last_outcome="pushed", receivers="Home Assistant and PVOutput"
    )
    assert decide(facts).text() == "WORKING: your site meters reach Home Assistant and PVOutput"


def test_paused_and_missing_come_before_any_proof():
    bad = [Proof("ChargeHQ", False, "chargehq_rejected: 401")]
    assert decide(Facts(paused=True, proofs=bad)).word == "NOT WORKING"
    assert decide(Facts(paused=True, proofs=bad)).detail.startswith("paused")
    missing = decide(Facts(missing=["a", "b"], proofs=bad))
    assert missing.detail == "fill in the secret: a, b (link below)"
    assert decide(Facts(deployed=False, paused=True)).exit_code == 4


def test_all_proven_means_the_next_run_pushes_and_no_proof_means_it_tells():
    proven = decide(Facts(proofs=PROVEN, next_run="the run at 14:05"))
    assert proven.text() == "CHECKING: the credentials work now; the run at 14:05 pushes with them"
    none = decide(Facts(next_run="the run at 14:05"))
    assert (
        none.text() == "CHECKING: no push since the secret's last edit yet; the run at 14:05 tells"
    )


def test_one_credential_not_known_yet_is_not_said_to_work():
    facts = Facts(proofs=[PROVEN[0], Proof("ChargeHQ", None, "no recent reading")], next_run="x")
    assert decide(facts).text() == "CHECKING: no push since the secret's last edit yet; x tells"


def test_the_exit_codes_scripts_wait_on():
    assert EXIT_CODES == {"WORKING": 0, "NOT WORKING": 1, "CHECKING": 3, "NOT DEPLOYED": 4}
    assert CANNOT_TELL == 2
