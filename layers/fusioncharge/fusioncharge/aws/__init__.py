"""AWS: the secret (Secrets Manager), the state parameter (SSM) and their clients' settings."""
