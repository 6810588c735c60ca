"""The FusionSolar Northbound API emulator: `server.py` (the HTTP routes and their limits),
`accounts.py` (logins, tokens, the lockout), `data.py` (plant and device lists, readings),
`replies.py` (envelopes and failCodes), `limits.py` (call windows and daily caps),
`scenario.py` (scenario files), `example_plants.py` (the default plants), `daycurve.py`,
`devicedata.py` and `devicetypes.py` (the emulated plant's day, device data and device facts).
"""
