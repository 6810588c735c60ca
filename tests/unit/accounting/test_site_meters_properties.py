"""Properties of the accounting over all device mixes, values and settings (hypothesis).

The receiver's own checks (emulator.receivers.chargehq.check_body) serve as one oracle, so the
arithmetic and what the test receiver accepts cannot drift apart.
"""

from dataclasses import replace

from hypothesis import given, settings
from hypothesis import strategies as st

from emulator.receivers.chargehq import check_body
from fusioncharge.accounting.site_meters import (
    AccountingOptions,
    NoSiteMeters,
    SiteMeters,
    SitePlant,
    account,
    compute_site_meters,
)
from fusioncharge.models import Device, Reading
from fusioncharge.sinks.chargehq_body import build_body

KEY = "0b7c2e4e-0000-4000-8000-000000000000"
IDLE_STATES = (40960.0, 768.0, 774.0)
MAYBE_PRODUCING = (512.0, 513.0, 0.0, 45056.0)


def maybe(values: st.SearchStrategy) -> st.SearchStrategy:
    return st.one_of(st.none(), values)


def power(limit: float) -> st.SearchStrategy:
    return st.floats(-limit, limit, allow_nan=False, allow_infinity=False)


def reading(type_id: int, **fields: st.SearchStrategy) -> st.SearchStrategy:
    """A Reading whose None values become `unknown` keys, as the parser would give them."""

    def build(values: dict) -> Reading:
        known = {k: v for k, v in values.items() if v is not None}
        unknown = frozenset(k for k, v in values.items() if v is None)
        return Reading(0, type_id, known, unknown, 1_700_000_000_000)

    return st.fixed_dictionaries(fields).map(build)


inverters = reading(
    1,
    active_power=maybe(power(50)),
    mppt_power=maybe(power(50)),
    inverter_state=maybe(st.sampled_from(IDLE_STATES + MAYBE_PRODUCING)),
)
power_sensors = reading(
    47,
    active_power=maybe(power(50_000)),
    meter_status=maybe(st.sampled_from([0.0, 1.0])),
    active_cap=maybe(st.floats(0, 1e6)),
    reverse_active_cap=maybe(st.floats(0, 1e6)),
)
grid_meters = reading(
    17,
    active_power=maybe(power(50)),
    active_cap=maybe(st.floats(0, 1e6)),
    reverse_active_cap=maybe(st.floats(0, 1e6)),
)
batteries = reading(
    39,
    ch_discharge_power=maybe(power(10_000)),
    battery_soc=maybe(st.floats(-20, 150)),
    battery_status=maybe(st.sampled_from([0.0, 1.0, 2.0, 3.0, 4.0])),
)
options = st.builds(
    AccountingOptions,
    use_power_sensor=st.booleans(),
    use_grid_meter=st.booleans(),
    use_battery=st.booleans(),
    meter_export_positive=st.booleans(),
    battery_coupling=st.sampled_from(["dc", "ac"]),
    battery_capacity_kwh=maybe(st.floats(0.1, 1000)),
)


@st.composite
def sites(draw: st.DrawFn) -> list[Reading]:
    parts = [
        draw(st.lists(inverters, max_size=3)),
        draw(st.lists(st.sampled_from([1, 38]), min_size=3, max_size=3)),
        draw(st.lists(power_sensors, max_size=2)),
        draw(st.lists(grid_meters, max_size=1)),
        draw(st.lists(batteries, max_size=2)),
    ]
    invs, inv_types, rest = parts[0], parts[1], parts[2] + parts[3] + parts[4]
    invs = [replace(r, type_id=t) for r, t in zip(invs, inv_types, strict=False)]
    return [replace(r, device_id=i + 1) for i, r in enumerate(invs + rest)]


def milli(value: float) -> int:
    return round(value * 1000)


def counted_batteries(readings: list[Reading], opts: AccountingOptions) -> list[Reading]:
    if not opts.use_battery:
        return []
    return [r for r in readings if r.type_id == 39 and r.get("battery_status") != 0]


@settings(max_examples=250)
@given(sites(), options)
def test_power_flow_holds_exactly_after_rounding(readings, opts):
    result = compute_site_meters(readings, opts)
    if not isinstance(result, SiteMeters) or result.consumption_kw is None:
        return
    p, n, c = result.production_kw, result.net_import_kw, result.consumption_kw
    b = result.battery_discharge_kw or 0.0
    assert milli(c) == milli(p) + milli(n) + milli(b)
    assert abs(c - (p + n + b)) < 1e-9


@settings(max_examples=250)
@given(sites(), options)
def test_every_body_passes_the_receivers_checks(readings, opts):
    result = compute_site_meters(readings, opts)
    if isinstance(result, SiteMeters):
        assert check_body(build_body(KEY, site_meters=result), KEY) == []
    else:
        assert check_body(build_body(KEY, error=result.reason), KEY) == []


@settings(max_examples=150)
@given(sites(), options)
def test_ranges_and_rounding(readings, opts):
    result = compute_site_meters(readings, opts)
    if not isinstance(result, SiteMeters):
        return
    assert result.production_kw >= 0
    assert result.battery_soc is None or 0 <= result.battery_soc <= 1
    for name, value in result.as_dict().items():
        digits = 2 if name.endswith("_kwh") else 3
        assert round(value, digits) == value, name
    assert (result.net_import_kw is None) == (result.consumption_kw is None)


@settings(max_examples=150)
@given(sites(), options)
def test_site_meters_exactly_when_inverters_and_counted_batteries_are_known(readings, opts):
    inverters_ = [r for r in readings if r.type_id in (1, 38)]
    inverters_known = all(
        r.get("active_power") is not None or r.get("inverter_state") in IDLE_STATES
        for r in inverters_
    )
    batteries_known = all(
        r.get("ch_discharge_power") is not None for r in counted_batteries(readings, opts)
    )
    # A DC battery with no reading that counts: production comes from the PV side.
    battery_silent = (
        opts.battery_coupling == "dc"
        and any(r.type_id == 39 for r in readings)
        and not counted_batteries(readings, opts)
        and not any(r.type_id == 39 and r.get("battery_status") == 0 for r in readings)
    )
    pv_known = all(
        r.get("mppt_power") is not None or r.get("inverter_state") in IDLE_STATES
        for r in inverters_
    )
    result = compute_site_meters(readings, opts)
    expected_ok = bool(inverters_) and inverters_known and batteries_known
    expected_ok = expected_ok and (pv_known or not battery_silent)
    assert isinstance(result, SiteMeters) == expected_ok
    assert isinstance(result, NoSiteMeters) != expected_ok


@settings(max_examples=150)
@given(sites(), options)
def test_production_never_holds_a_dc_batterys_discharge(readings, opts):
    """With a DC battery, production is the AC output less a counted battery's discharge, or
    the PV side's mppt_power: never the AC output alone while the battery's share is unknown."""
    result = compute_site_meters(readings, replace(opts, battery_coupling="dc"))
    if not isinstance(result, SiteMeters) or not any(r.type_id == 39 for r in readings):
        return
    ac = sum(r.get("active_power") or 0.0 for r in readings if r.type_id in (1, 38))
    if result.battery_discharge_kw is None and result.production_kw > 0:
        pv = sum(max(0.0, r.get("mppt_power") or 0.0) for r in readings if r.type_id in (1, 38))
        offline = any(r.type_id == 39 and r.get("battery_status") == 0 for r in readings)
        assert offline or abs(result.production_kw - pv) < 0.002
    elif result.battery_discharge_kw is not None and result.battery_discharge_kw >= 0:
        assert result.production_kw <= max(0.0, ac) + 0.002


@settings(max_examples=150)
@given(sites(), options)
def test_flipping_the_meter_flips_grid_terms_and_swaps_counters(readings, opts):
    normal = compute_site_meters(readings, replace(opts, meter_export_positive=True))
    flipped = compute_site_meters(readings, replace(opts, meter_export_positive=False))
    assert type(normal) is type(flipped)
    if not isinstance(normal, SiteMeters):
        return
    assert isinstance(flipped, SiteMeters)
    assert (flipped.imported_kwh, flipped.exported_kwh) == (
        normal.exported_kwh,
        normal.imported_kwh,
    )
    same = ("production_kw", "battery_discharge_kw", "battery_soc", "battery_energy_kwh", "tsms")
    assert all(getattr(flipped, name) == getattr(normal, name) for name in same)
    if normal.net_import_kw is None:
        assert flipped.net_import_kw is None
        return
    assert flipped.net_import_kw == -normal.net_import_kw
    assert milli(normal.consumption_kw) - milli(flipped.consumption_kw) == 2 * milli(
        normal.net_import_kw
    )


@settings(max_examples=120)
@given(sites(), options, st.randoms(use_true_random=False))
def test_order_of_readings_does_not_matter(readings, opts, rnd):
    shuffled = list(readings)
    rnd.shuffle(shuffled)
    assert compute_site_meters(shuffled, opts) == compute_site_meters(readings, opts)


@settings(max_examples=120)
@given(sites(), options)
def test_soc_is_the_mean_of_counted_batteries_or_unknown(readings, opts):
    result = compute_site_meters(readings, opts)
    if not isinstance(result, SiteMeters):
        return
    socs = [r.get("battery_soc") for r in counted_batteries(readings, opts)]
    if not socs or None in socs or any(not 0 <= s <= 100 for s in socs):
        assert result.battery_soc is None  # out of 0-100 is unknown, never clamped
        return
    mean = sum(socs) / len(socs) / 100
    assert abs(result.battery_soc - mean) <= 0.0005 + 1e-12


# --- several plants ------------------------------------------------------------------------------
@st.composite
def plant_sites(draw: st.DrawFn) -> tuple[list[Reading], list[SitePlant]]:
    """A site's readings split over 2-3 plants, each with an inverter, some metered."""
    readings = draw(sites())
    count = draw(st.integers(2, 3))
    owner = [draw(st.integers(0, count - 1)) for _ in readings]
    extra = [Reading(100 + p, 38, {"active_power": 0.0}, time_ms=1) for p in range(count)]
    readings += extra
    owner += list(range(count))
    plants = []
    for p in range(count):
        devices = tuple(
            Device(r.device_id, "", r.type_id, f"NE={p}", draw(maybe(st.floats(1, 30))))
            for r, o in zip(readings, owner, strict=True)
            if o == p
        )
        plants.append(SitePlant(f"NE={p}", f"Plant {p}", devices, draw(st.booleans())))
    return readings, plants


def alone(readings: list[Reading], plant: SitePlant, opts: AccountingOptions) -> float | None:
    """One plant's own net import, as its one-plant accounting gives it (None: no meter)."""
    ids = {d.id for d in plant.devices}
    mine = [r for r in readings if r.device_id in ids and r.type_id not in (1, 38, 39)]
    idle = Reading(999, 1, {"active_power": 0.0})
    result = compute_site_meters([idle, *mine], replace(opts, use_battery=False))
    return result.net_import_kw if isinstance(result, SiteMeters) else None


@settings(max_examples=250)
@given(plant_sites(), options)
def test_several_plants_add_up_and_never_give_a_partial_grid_sum(site, opts):
    readings, plants = site
    result = account(readings, opts, plants=plants).meters
    one_plant = compute_site_meters(readings, opts)
    assert type(result) is type(one_plant)  # the same inverters and batteries decide
    if not isinstance(result, SiteMeters):
        return
    assert isinstance(one_plant, SiteMeters)
    assert result.production_kw == one_plant.production_kw
    assert result.battery_discharge_kw == one_plant.battery_discharge_kw
    metered = [p for p in plants if p.meter_counts]
    own = [alone(readings, p, opts) for p in metered]
    has_meter = [
        any(
            (d.type_id == 47 and opts.use_power_sensor) or (d.type_id == 17 and opts.use_grid_meter)
            for d in p.devices
        )
        for p in metered
    ]
    if any(n is None and wanted for n, wanted in zip(own, has_meter, strict=True)) or all(
        n is None for n in own
    ):
        assert result.net_import_kw is None  # a part would look like the whole
        return
    expected = sum(n for n in own if n is not None)
    assert result.net_import_kw is not None
    assert abs(result.net_import_kw - expected) <= 0.001 * len(own) + 1e-9
    c, p, n = result.consumption_kw, result.production_kw, result.net_import_kw
    assert milli(c) == milli(p) + milli(n) + milli(result.battery_discharge_kw or 0.0)
