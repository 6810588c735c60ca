"""What the user set: the environment variables, each checked (environment.py, values.py), and the
secret with their credentials and receivers' keys (secret.py)."""
