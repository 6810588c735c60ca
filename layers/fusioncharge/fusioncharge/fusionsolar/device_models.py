"""What a device's model (getDevList `invType`) says of its size: a table of Huawei's naming.

Pure. An inverter's model names its rated AC power in kW: SUN2000-5KTL-L1 is 5 kW,
SUN2000-4.6KTL-L1 4.6 kW, SUN2000-10K-MAP0 10 kW, SUN2000-330KTL-H1 330 kW. A LUNA2000 battery's
names its capacity in kWh: LUNA2000-10-S0 holds 10 kWh. Anything else (null, as many replies
send it; another maker's name) tells nothing, never a guess.
"""

import re
from typing import Any

# Huawei's inverter families: SUN2000 (string, hybrid), SUN2000L, SUN5000; then "-<kW>K".
_INVERTER_MODEL = re.compile(r"\bSUN[25]000[A-Z]?-(\d{1,3}(?:\.\d{1,2})?)K", re.IGNORECASE)
_BATTERY_MODEL = re.compile(r"\bLUNA2000-(\d{1,3}(?:\.\d{1,2})?)-S\d", re.IGNORECASE)


def inverter_rated_kw(model: Any) -> float | None:
    """The inverter's rated AC power (kW) its model names, else None."""
    return _size(_INVERTER_MODEL, model)


def battery_capacity_kwh(model: Any) -> float | None:
    """The battery's rated capacity (kWh) its model names, else None."""
    return _size(_BATTERY_MODEL, model)


def _size(pattern: re.Pattern[str], model: Any) -> float | None:
    found = pattern.search(model) if isinstance(model, str) else None
    size = float(found.group(1)) if found else 0.0
    return size if size > 0 else None
