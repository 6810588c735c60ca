"""The settings: the environment variables, each checked."""
