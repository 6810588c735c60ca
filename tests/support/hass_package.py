"""The Home Assistant package's sensors as a test sees them (homeassistant/packages/
fusioncharge.yaml), and the evcc recipe that names them (docs/evcc.md)."""

import re
from dataclasses import dataclass
from typing import Any

import yaml

from tests.support import ROOT

PACKAGE = ROOT / "homeassistant" / "packages" / "fusioncharge.yaml"
EVCC_PAGE = ROOT / "docs" / "evcc.md"
# The body field a sensor's state template reads: trigger.json.get('<field>')
_FIELD = re.compile(r"trigger\.json\.get\('(\w+)'\)")


class _PackageLoader(yaml.SafeLoader):
    """Home Assistant's own tags (!secret, !include...) read as their plain argument."""


_PackageLoader.add_multi_constructor("!", lambda loader, tag, node: loader.construct_scalar(node))


@dataclass(frozen=True)
class PackageSensor:
    entity_id: str
    unit: str | None
    device_class: str | None
    state_class: str | None
    field: str | None  # the webhook body's field it shows


def entity_id(name: str) -> str:
    """The id Home Assistant gives a template sensor without one: its name, slugified (the real
    Home Assistant tests use these ids, so a different rule fails there)."""
    return "sensor." + re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")


def package_sensors() -> dict[str, PackageSensor]:
    package = yaml.load(PACKAGE.read_text(encoding="utf-8"), Loader=_PackageLoader)  # noqa: S506
    sensors = {}
    for block in package["template"]:
        for sensor in block.get("sensor", []):
            field = _FIELD.search(str(sensor["state"]))
            found = PackageSensor(
                entity_id(sensor["name"]),
                sensor.get("unit_of_measurement"),
                sensor.get("device_class"),
                sensor.get("state_class"),
                field.group(1) if field else None,
            )
            sensors[found.entity_id] = found
    return sensors


def evcc_recipe() -> dict[str, Any]:
    """The evcc.yaml of docs/evcc.md (its one yaml block)."""
    blocks = re.findall(r"```yaml\n(.*?)```", EVCC_PAGE.read_text(encoding="utf-8"), re.S)
    assert len(blocks) == 1, f"{EVCC_PAGE.name}: expected one yaml block, found {len(blocks)}"
    return dict(yaml.safe_load(blocks[0]))


def evcc_claims() -> list[dict[str, str]]:
    """The page's "Signs and units" table, one dict per row (cells without backticks)."""
    text = EVCC_PAGE.read_text(encoding="utf-8").split("## Signs and units", 1)[1]
    rows = [line for line in text.splitlines() if line.startswith("|")]
    header = [cell.strip() for cell in rows[0].strip("|").split("|")]
    return [
        dict(zip(header, (c.strip().strip("`") for c in row.strip("|").split("|")), strict=True))
        for row in rows[2:]
    ]


def recipe_entities(recipe: dict[str, Any]) -> set[str]:
    """Every Home Assistant entity id the recipe names."""
    return {
        value.lstrip("-")
        for meter in recipe["meters"]
        for value in meter.values()
        if isinstance(value, str) and re.fullmatch(r"-?sensor\.\w+", value)
    }
