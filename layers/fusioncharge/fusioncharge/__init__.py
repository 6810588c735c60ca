"""FusionSolar to the receivers: the library behind the poller Lambda function.

The layers, top to bottom; a module imports only its own package and the layers below it
(tests/unit/test_import_direction.py holds the code to this):

    run/          one run: the poll, what it reads, its result and report
    settings/     what the user set: environment variables and the secret (reads the sinks'
                  registry for SINKS and the receivers' keys)
    fusionsolar/  the FusionSolar client         sinks/  the receivers (neither imports the other)
    accounting/   readings to site meters, pure arithmetic
    state/        what survives between runs, and its stores
    plant/        the plant's place: time zone, sun, matching STATION
    aws/          bounded boto3 clients, the alarm's mail
    the core      clock, errors, masking, models, web
"""
