"""make status's headline: each word, from the facts alone, and the exit code that follows it."""

import pytest

from tools.status_headline import Facts, Proof, decide

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
