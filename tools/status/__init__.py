"""`make status` and `make logs`: the deployed poller at a glance, from what AWS already holds.

`report.py` (make status), `headline.py` (its one word and exit code), `proof.py` (its own check
of an edited secret), `receivers.py` (each receiver's lines), `alarm.py` (the no-push alarm),
`run_lines.py` (one line per run, also make logs).
"""
