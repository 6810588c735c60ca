"""Mutation testing of the promise modules: `make mutate` (see docs/contributing.md)."""
