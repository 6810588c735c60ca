"""Local stand-ins on loopback for FusionSolar and the receivers: tests, `make run`, benchmarks.

Not deployed. `fusionsolar/` (the Northbound API emulator and its scenarios), `receivers/`
(ChargeHQ, Home Assistant, PVOutput); beside them what both use: `httpserve.py` (the loopback
server), `clock.py` (a clock tests move by hand), `faults.py` (scripted faults), and
`__main__.py` (`make emulator`). Scenario files are in `scenarios/`.
"""
