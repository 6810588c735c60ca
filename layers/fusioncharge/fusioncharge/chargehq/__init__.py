"""ChargeHQ's Push API: the body of a push and the client that sends it."""
