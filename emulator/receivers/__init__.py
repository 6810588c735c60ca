"""Stand-ins for the receivers on loopback, each recording and checking what it is sent:
`chargehq.py` (+ `chargehq_contract.py`, the Push API's body as checked), `hass.py` (a Home
Assistant webhook), `pvoutput.py` (PVOutput's addstatus).
"""
