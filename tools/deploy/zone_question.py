"""The first deploy's question for the plant's time zone (PlantTimezone), asked when PVOutput is
chosen: PVOutput dates every status in the plant's local time, and a wrong zone has each one
refused ("in the future") or filed an hour off half the year.

The answer is a place from the IANA list this Python carries (zoneinfo.available_timezones), so
daylight saving follows it; a fixed offset (+02:00, Etc/GMT-2, UTC) is refused, since it is an
hour off for half the year wherever clocks change. The default offered is a guess from the AWS
region chosen (most homes deploy near themselves), and said to be one.
"""

from zoneinfo import available_timezones

# The time zone of each AWS region's city: only a guess at the plant's, said as one.
REGION_ZONES = {
    "af-south-1": "Africa/Johannesburg",
    "ap-east-1": "Asia/Hong_Kong",
    "ap-east-2": "Asia/Taipei",
    "ap-northeast-1": "Asia/Tokyo",
    "ap-northeast-2": "Asia/Seoul",
    "ap-northeast-3": "Asia/Tokyo",
    "ap-south-1": "Asia/Kolkata",
    "ap-south-2": "Asia/Kolkata",
    "ap-southeast-1": "Asia/Singapore",
    "ap-southeast-2": "Australia/Sydney",
    "ap-southeast-3": "Asia/Jakarta",
    "ap-southeast-4": "Australia/Melbourne",
    "ap-southeast-5": "Asia/Kuala_Lumpur",
    "ap-southeast-7": "Asia/Bangkok",
    "ca-central-1": "America/Toronto",
    "ca-west-1": "America/Edmonton",
    "cn-north-1": "Asia/Shanghai",
    "cn-northwest-1": "Asia/Shanghai",
    "eu-central-1": "Europe/Berlin",
    "eu-central-2": "Europe/Zurich",
    "eu-north-1": "Europe/Stockholm",
    "eu-south-1": "Europe/Rome",
    "eu-south-2": "Europe/Madrid",
    "eu-west-1": "Europe/Dublin",
    "eu-west-2": "Europe/London",
    "eu-west-3": "Europe/Paris",
    "eusc-de-east-1": "Europe/Berlin",
    "il-central-1": "Asia/Jerusalem",
    "me-central-1": "Asia/Dubai",
    "me-south-1": "Asia/Bahrain",
    "mx-central-1": "America/Mexico_City",
    "sa-east-1": "America/Sao_Paulo",
    "us-east-1": "America/New_York",
    "us-east-2": "America/New_York",
    "us-west-1": "America/Los_Angeles",
    "us-west-2": "America/Los_Angeles",
}
# Names in the IANA list that are a fixed offset, not a place.
FIXED = ("Etc/", "GMT", "UTC", "UCT", "Zulu", "Universal", "Greenwich", "EST", "MST", "HST")

EXPLANATION = (
    "PVOutput dates each status in your plant's local time: its time zone as a place, like "
    "Europe/Amsterdam or Australia/Sydney (daylight saving then follows it). It must be the "
    "time zone your PVOutput system has (PVOutput: Settings > Registered Systems)."
)


class ZoneAnswer(ValueError):
    """Not a place in the IANA list; the message says what is expected."""


def check_zone(text: str) -> str:
    """The IANA name as the list spells it (any case given), or ZoneAnswer."""
    text = text.strip()
    names = {name.lower(): name for name in available_timezones()}
    name = names.get(text.lower())
    if name is None:
        raise ZoneAnswer(
            "your plant's time zone as a place from the IANA list, like Europe/Amsterdam or "
            "America/New_York" + (f" ({text!r} is not one)" if text else "")
        )
    if name.startswith(FIXED) or "/" not in name:
        raise ZoneAnswer(
            f"a place, like Europe/Amsterdam: {name} is a fixed offset, an hour off for half "
            "the year wherever clocks change"
        )
    return name


def guess(region: str) -> str | None:
    """The AWS region's own time zone, or None when the region is not one of the table's."""
    return REGION_ZONES.get(region.strip())


def guess_note(region: str, zone: str) -> str:
    return (
        f"  Offered: {zone}, a guess from the AWS region {region} (where the function runs); "
        "press Enter only if your plant is in that time zone."
    )
