"""Tests of the test bed itself: the emulator, the ChargeHQ receiver and make bench."""
