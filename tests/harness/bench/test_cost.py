"""The benchmark's cost model: free tiers, a hand-computed month, and the duration model."""

from dataclasses import fields

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bench.cost import (
    DAYS_PER_MONTH,
    DayFigures,
    Deployment,
    LatencyModel,
    MonthlyUsage,
    billed_seconds_per_day,
    monthly_cost,
    usage_per_month,
)
from bench.prices import NO_FREE_TIER

ONE_SITE_MONTH = MonthlyUsage(
    invocations=8760,
    gb_seconds=3000,
    secrets=1,
    secret_api_calls=8760,
    kms_requests=30000,
    ssm_api_calls=17520,
    log_gb_ingested=0.02,
    log_gb_stored=0.02,
    metrics=8,
    alarms=4,
    dashboards=1,
    customer_keys=0,
    sqs_requests=0,
    scheduler_invocations=8760,
)


def _usages() -> st.SearchStrategy[MonthlyUsage]:
    amounts = st.floats(min_value=0, max_value=1e9, allow_nan=False)
    counts = st.integers(min_value=0, max_value=10_000)
    return st.builds(
        MonthlyUsage,
        **{
            f.name: counts if f.type is int or f.type == "int" else amounts
            for f in fields(MonthlyUsage)
        },
    )


@given(_usages())
def test_free_tier_never_makes_a_line_or_the_total_bigger(usage):
    free, listed = monthly_cost(usage), monthly_cost(usage, free=NO_FREE_TIER)
    for item, dollars in free.items():
        assert 0 <= dollars <= listed[item] + 1e-9 * max(1.0, listed[item]), item


def test_a_known_month_with_free_tiers_costs_the_hand_computed_figure():
    cost = monthly_cost(ONE_SITE_MONTH)
    # secret 0.40 + 8760 calls × $0.05/10k + (30000 - 20000 free) KMS requests × $0.03/10k;
    # Lambda, logs, metrics, alarms, the dashboard and the scheduler all stay in free tiers.
    assert cost["total"] == pytest.approx(0.40 + 0.0438 + 0.03)
    assert cost["lambda_duration"] == 0 and cost["metrics"] == 0 and cost["dashboards"] == 0


def test_a_known_month_without_free_tiers_costs_the_hand_computed_figure():
    cost = monthly_cost(ONE_SITE_MONTH, free=NO_FREE_TIER)
    expected = {
        "lambda_requests": 8760 / 1e6 * 0.20,
        "lambda_duration": 3000 * 0.0000133334,
        "secret": 0.40,
        "secret_api_calls": 0.0438,
        "kms_requests": 30000 / 1e4 * 0.03,
        "logs_ingested": 0.02 * 0.50,
        "logs_stored": 0.02 * 0.03,
        "metrics": 8 * 0.30,
        "alarms": 4 * 0.10,
        "dashboards": 3.00,
        "scheduler": 8760 / 1e6 * 1.00,
    }
    for item, dollars in expected.items():
        assert cost[item] == pytest.approx(dollars), item
    assert cost["total"] == pytest.approx(6.3949122)


def test_log_free_tier_is_shared_by_ingestion_and_storage():
    usage = MonthlyUsage(log_gb_ingested=4.0, log_gb_stored=3.0)
    cost = monthly_cost(usage)
    assert cost["logs_ingested"] == 0
    assert cost["logs_stored"] == pytest.approx(2.0 * 0.03)  # 1 GB of the 5 free is left


def test_billed_duration_adds_modelled_network_waits_and_init():
    day = DayFigures(
        runs=288,
        cold_starts=24,
        in_process_s=6.0,
        paced_wait_s=100.0,
        init_s=0.5,
        fusionsolar_calls=900,
        push_requests=288,
        ssm_calls=576,
        secret_reads=24,
        kms_requests=600,
        log_bytes=288_000,
        log_lines=576,
        metrics=8,
    )
    model = LatencyModel(fusionsolar_call_s=0.3, push_s=0.2, aws_call_s=0.02)
    seconds = 6.0 + 100.0 + 900 * 0.3 + 288 * 0.2 + 600 * 0.02 + 24 * 0.5
    assert billed_seconds_per_day(day, model) == pytest.approx(seconds)
    deployment = Deployment(memory_mb=256, alarms=4, dashboards=1, secrets=1, log_retention_days=30)
    usage = usage_per_month(day, deployment, model)
    assert usage.gb_seconds == pytest.approx(seconds * 0.25 * DAYS_PER_MONTH)
    assert usage.invocations == pytest.approx(288 * DAYS_PER_MONTH)
    assert usage.alarms == 4 and usage.metrics == 8
