"""The energy accounting: readings in, site meters out (no I/O anywhere in this package)."""
