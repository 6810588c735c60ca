"""`make run` and `make discover`: the real handler on this machine, against the emulator or
(LIVE=1) your account.

`run.py` (make run), `discover.py` (make discover), `site.py` (the whole site on loopback:
emulator, receivers, moto), `lambda_env.py` (a Lambda-like setting, shared with the tests and
benchmarks), `live_inputs.py` (what LIVE=1 asks for), `deployed_stack.py` and `shared_guard.py`
(beside a deployed stack: the warning, and its lockout guard shared).
"""
