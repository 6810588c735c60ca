"""One run: what it reads, the poll, its result and report."""
