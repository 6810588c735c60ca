"""The client test files' shared fixtures (runs.py holds them and the helpers)."""

from tests.integration.fusionsolar.runs import clock, emu, runs  # noqa: F401
