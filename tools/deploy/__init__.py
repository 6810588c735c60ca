"""`make deploy` and `make configure`: the first deploy's questions, the saved answers, the secret.

`configure.py` (the questions' entry, SET=Name=value), `questions.py` (each question, explained
and checked), `zone_question.py` (the plant's time zone), `samconfig.py` (samconfig.local.toml),
`first_secret.py` (after the first deploy: the chosen receivers' keys in the new secret),
`aws_access.py` (credentials and region, offline; every AWS target runs it first).
"""
