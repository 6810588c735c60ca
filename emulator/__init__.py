"""Local stand-ins for FusionSolar and ChargeHQ on loopback: tests, `make run`, benchmarks.

Not deployed.
"""
