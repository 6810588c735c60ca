"""plausibility.py's bounds for a capacity the plant list alone gives (unconfirmed: as if the
plant were 10 times larger), the smallest capacity that is kWp (1 kWp: below it, MWp), and a
battery's rating however small (docs/accounting.md, plausibility.py's docstring)."""

import pytest

from fusioncharge.accounting.plausibility import (
    export_problem,
    power_problem,
    production_limit_kw,
    production_problem,
)
from fusioncharge.accounting.site_bounds import site_size
from fusioncharge.accounting.types import AccountingLog, AccountingOptions, SitePlant
from fusioncharge.models import Reading
from tests.support.readings import T


def test_a_confirmed_capacity_bounds_production_at_1_5_times_its_kwp_plus_1_kw():
    assert production_limit_kw(5.0) == 8.5
    assert production_limit_kw(5.0, confirmed=True) == 8.5


def test_an_unconfirmed_capacity_bounds_as_if_the_plant_were_10_times_larger():
    assert production_limit_kw(5.0, confirmed=False) == 76.0  # 1.5 x 50 kWp + 1 kW
    assert production_problem(76.0, 5.0, confirmed=False) is None
    problem = production_problem(76.01, 5.0, confirmed=False)
    assert problem == "far beyond the plant's capacity of 5 kWp (even were it 10 times larger)"


def test_an_unconfirmed_capacity_bounds_export_as_if_the_plant_were_10_times_larger():
    assert export_problem(105.0, 5.0, 0.0, confirmed=False) is None  # 2 x 50 kWp + 5 kW
    assert export_problem(105.01, 5.0, 0.0, confirmed=False) is not None
    assert export_problem(15.0, 5.0, 0.0) is None and export_problem(15.01, 5.0, 0.0) is not None


@pytest.mark.parametrize(("listed", "bounds"), [(1.0, True), (1.5, True), (0.999, False)])
def test_a_listed_capacity_from_1_kwp_bounds_and_below_it_is_taken_for_mwp(listed, bounds):
    size = site_size(AccountingOptions(), [SitePlant("NE=1", capacity_kwp=listed)], AccountingLog())
    assert (size is not None) == bounds
    if size is not None:
        assert (size.kw, size.confirmed) == (listed, False)


def test_any_positive_rating_bounds_a_battery_however_small():
    """0.0005 in kW is 0.5 W: the bound is 1.5 x 0.5 W + 100 W, whatever limit is given."""
    rated = {"max_charge_power": 0.0005}
    inside = Reading(39, 39, {"ch_discharge_power": 100.75, **rated}, time_ms=T)
    beyond = Reading(39, 39, {"ch_discharge_power": 200.0, **rated}, time_ms=T)
    assert power_problem(inside, 0.10075, limit_kw=50.0) is None
    assert power_problem(beyond, 0.2, limit_kw=50.0) is not None
