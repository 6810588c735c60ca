"""AWS: bounded boto3 clients' settings (clients.py) and the no-push alarm's mail (alarm_mail.py).

The secret's reader and the state's SSM parameter use them from settings/secret.py and
state/store.py."""
