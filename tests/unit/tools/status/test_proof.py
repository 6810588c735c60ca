"""make status's own proof (tools/status/proof.py): this machine's note of a token it got with
a secret version, and the reading it may push again."""

import os
import stat

from tools.status.proof import RECENT_READING_SECONDS, LoginProof, recent_reading
from tools.status.run_lines import RunLine

NOW = 1_800_000_000.0
METERS = {"production_kw": 2.4}


def test_a_kept_token_is_proof_for_the_same_stack_and_secret_version_only(tmp_path):
    path = tmp_path / ".local" / "status-checks.json"
    proof = LoginProof(path, "my-solar", "v1", NOW)
    assert not proof.holds(NOW - 10)  # no note yet
    proof.keep(NOW - 10)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600  # a note about credentials: mine only
    assert proof.holds(NOW - 10)
    assert not proof.holds(NOW - 11)  # another token
    assert not LoginProof(path, "my-solar", "v2", NOW).holds(NOW - 10)  # the secret edited
    assert not LoginProof(path, "other-stack", "v1", NOW).holds(NOW - 10)


def test_no_token_leaves_the_note_as_it_was(tmp_path):
    path = tmp_path / "status-checks.json"
    proof = LoginProof(path, "my-solar", "v1", NOW)
    proof.keep(None)
    assert not path.exists()
    proof.keep(NOW)
    proof.keep(None)
    assert proof.holds(NOW)


def test_an_unreadable_note_is_no_proof(tmp_path):
    path = tmp_path / "status-checks.json"
    path.write_text("{not json", encoding="utf-8")
    assert not LoginProof(path, "my-solar", "v1", NOW).holds(NOW)


def run(at: float, outcome: str = "pushed", meters: dict[str, float] | None = METERS) -> RunLine:
    return RunLine(at, outcome, "", site_meters=meters)


def test_only_a_reading_of_the_last_ten_minutes_is_pushed_again():
    assert RECENT_READING_SECONDS == 600
    assert recent_reading([run(NOW - 600)], NOW) == (NOW - 600, METERS)
    assert recent_reading([run(NOW - 601)], NOW) is None
    assert recent_reading([], NOW) is None


def test_the_latest_pushed_reading_is_the_one():
    runs = [run(NOW - 300, meters={"production_kw": 1.0}), run(NOW - 100), run(NOW - 50, "failed")]
    assert recent_reading(runs, NOW) == (NOW - 100, METERS)
    assert recent_reading([run(NOW - 100, "failed")], NOW) is None
    assert recent_reading([run(NOW - 100, meters=None)], NOW) is None
