"""Benchmarks (`make bench`): quota use, latency, size and monthly cost of one site, measured
on this machine against the FusionSolar emulator, the ChargeHQ receiver and moto."""
