"""What a run reads from FusionSolar: the plants STATION names, their devices (less the types
that have no real-time data), and the readings the accounting needs, a stand-in meter's when
the first meter gives nothing usable. Each plant comes with what the accounting must know of
it: its devices, whether its meter counts (METER_PLANTS), its capacity, whether the sun is down.
"""

import logging

from fusioncharge.accounting.site_meters import SitePlant, device_types_needed, next_meter_type
from fusioncharge.fusionsolar import FusionSolarClient
from fusioncharge.models import Device, Plant, Reading
from fusioncharge.plant import match as plant_match
from fusioncharge.plant import sun
from fusioncharge.plant import zone as plant_time
from fusioncharge.settings.environment import Settings

logger = logging.getLogger(__name__)


def read(client: FusionSolarClient, settings: Settings) -> tuple[list[Reading], list[SitePlant]]:
    """The readings of every plant STATION names, and the plants as the accounting sees them."""
    plants = client.plants(settings.station)
    devices = client.readable_devices(plants)  # less the types that said 20013: not asked
    site = site_plants(plants, devices, settings, client.clock.now())
    options = settings.accounting
    types = device_types_needed(devices, options, site)
    readings = client.readings(plants, types)
    asked = set(types)
    # The first meter in line gave nothing usable: the next one stands in (its own quota).
    while (meter := next_meter_type(devices, readings, options, asked, site)) is not None:
        logger.info("no usable meter reading yet: reading device type %d instead", meter)
        asked.add(meter)
        readings += client.readings(plants, [meter])
    return readings, site


def site_plants(
    plants: list[Plant], devices: list[Device], settings: Settings, now: float
) -> list[SitePlant]:
    """Each plant with its devices, whether its meter counts (METER_PLANTS; empty: all), its
    capacity, whether the sun is down there now, and its time zone."""
    metered = {p.code for p in plants}
    if settings.meter_plants is not None:
        named = plant_match.match_plants(settings.meter_plants, plants, "of those STATION names")
        metered = {p.code for p in named}
    site = []
    for p in plants:
        zone = plant_time.known_zone(settings.plant_timezone, p.grid_connection_date)
        night = sun.night(now, zone, settings.plant_location, (p.latitude, p.longitude))
        site.append(
            SitePlant(
                code=p.code,
                name=p.name,
                devices=tuple(d for d in devices if d.plant_code == p.code),
                meter_counts=p.code in metered,
                capacity_kwp=p.capacity_kwp,
                sun_down=night.down,
                zone=plant_time.plant_zone(settings.plant_timezone, p.grid_connection_date),
                notice=None
                if night.notice is None
                else f"plant {p.name or p.code}: {night.notice}",
            )
        )
    return site
