"""FusionSolar to ChargeHQ: the library behind the poller Lambda function."""
