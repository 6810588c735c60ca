"""The plant's place: its time zone, its nights, the names that pick it."""
