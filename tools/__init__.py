"""The make targets' tools on this machine (not deployed), one package per job:

- `local/`: `make run` (`run.py`: a whole site on loopback, `site.py`, or LIVE=1 against your
  account) and `make discover`, with what a LIVE run needs (`live_inputs.py`, `deployed_stack.py`,
  `shared_guard.py`) and the Lambda-like setting they share with tests and benchmarks
  (`lambda_env.py`).
- `deploy/`: `make deploy`'s first questions and saved answers, the new secret's keys, and the
  AWS access check every AWS target runs first.
- `status/`: `make status` and `make logs`: the deployed poller at a glance.
- `mutation/`: `make mutate`.

Imports run one way: local and status may use deploy; deploy uses neither.
"""
