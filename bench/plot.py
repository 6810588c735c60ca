"""A picture of the simulated day's pushed site meters, so a person can check they make sense."""

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")  # files only: no display on a build machine

import matplotlib.pyplot as plt  # after choosing the backend

# (meter, label, colour, line width): consumption is drawn wide and faint underneath, so it
# stays visible where it equals another line (at night it is all battery discharge).
POWERS = (
    ("consumption_kw", "consumption", "tab:blue", 3.5),
    ("production_kw", "production", "tab:orange", 1.3),
    ("net_import_kw", "grid import (− = export)", "tab:red", 1.3),
    ("battery_discharge_kw", "battery discharge (− = charge)", "tab:green", 1.3),
)


def plot_day(pushes: Sequence[Any], day_start: float, path: Path) -> Path:
    """Powers and state of charge over 24 h from the receiver's PushRecords with siteMeters."""
    points = [
        ((p.body.get("tsms", p.time * 1000) / 1000 - day_start) / 3600, p.body["siteMeters"])
        for p in pushes
        if p.body and "siteMeters" in p.body
    ]
    hours = [h for h, _ in points]
    fig, (top, bottom) = plt.subplots(
        2, 1, figsize=(11, 7), sharex=True, gridspec_kw={"height_ratios": [3, 1]}
    )
    for key, label, colour, width in POWERS:
        values = [m.get(key, float("nan")) for _, m in points]
        alpha = 0.45 if width > 2 else 1.0
        top.step(hours, values, where="post", label=label, color=colour, lw=width, alpha=alpha)
    top.axhline(0, color="black", linewidth=0.6)
    top.set_ylabel("kW")
    top.set_title(f"Site meters pushed to ChargeHQ over one simulated day ({len(points)} pushes)")
    top.legend(loc="upper left", fontsize=9)
    top.grid(alpha=0.3)
    soc = [100 * m.get("battery_soc", float("nan")) for _, m in points]
    bottom.plot(hours, soc, color="tab:purple", label="battery state of charge")
    bottom.set_ylim(0, 105)  # a full battery stays visible above the frame
    bottom.set_ylabel("SOC %")
    bottom.set_xlabel("hour of the day (plant local time)")
    bottom.set_xlim(0, 24)
    bottom.set_xticks(range(0, 25, 2))
    bottom.grid(alpha=0.3)
    bottom.legend(loc="upper left", fontsize=9)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
