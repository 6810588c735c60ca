"""The monthly cost of one site: pure functions from counted usage to dollars.

`usage_per_month` turns what a simulated day counted into a month of usage, modelling what this
machine cannot measure (network latency to Huawei and ChargeHQ, Lambda's own log lines);
`monthly_cost` prices a month of usage line by line, with or without the free tiers.
"""

import math
from dataclasses import dataclass

from bench.prices import FREE_TIER, PRICES, FreeTier, Prices

DAYS_PER_MONTH = 365 / 12  # AWS prices a month as 730 hours
GB = 1024**3


@dataclass(frozen=True)
class MonthlyUsage:
    invocations: float = 0
    gb_seconds: float = 0  # billed duration (handler + INIT) × memory
    secrets: int = 0
    secret_api_calls: float = 0
    kms_requests: float = 0
    ssm_api_calls: float = 0  # standard parameter, standard throughput: free
    log_gb_ingested: float = 0
    log_gb_stored: float = 0  # GB-months
    metrics: int = 0
    alarms: int = 0
    dashboards: int = 0
    customer_keys: int = 0  # customer-managed KMS keys
    sqs_requests: float = 0
    scheduler_invocations: float = 0


@dataclass(frozen=True)
class LatencyModel:
    """What a Lambda run spends outside this process: assumptions, not measurements."""

    fusionsolar_call_s: float = 0.300  # one HTTPS request to FusionSolar (EU/AU servers)
    push_s: float = 0.200  # one HTTPS POST to ChargeHQ
    aws_call_s: float = 0.020  # one in-region SSM / Secrets Manager call
    platform_log_bytes_per_run: int = 330  # Lambda's START, END and REPORT lines
    platform_log_lines_per_run: int = 3
    log_event_overhead_bytes: int = 26  # CloudWatch Logs counts 26 bytes per event


@dataclass(frozen=True)
class DayFigures:
    """What one simulated day of scheduled runs counted and measured (totals for the day)."""

    runs: int
    cold_starts: int
    in_process_s: float  # handler wall time in this process, summed over the runs
    paced_wait_s: float  # waits for Huawei's 5-minute window (on the simulated clock)
    init_s: float  # one cold start's INIT phase (importing the handler)
    fusionsolar_calls: int
    push_requests: int  # every POST to ChargeHQ, error pushes included
    ssm_calls: int
    secret_reads: int
    kms_requests: int  # implied by SecureString and secret reads
    log_bytes: int  # what the handler wrote to stdout
    log_lines: int
    metrics: int  # distinct custom metrics the handler emitted


@dataclass(frozen=True)
class Deployment:
    """What the template creates for one site (read from template.yaml)."""

    memory_mb: int
    alarms: int
    dashboards: int
    secrets: int
    log_retention_days: int
    customer_keys: int = 0


def billed_seconds_per_day(day: DayFigures, model: LatencyModel) -> float:
    """Handler time as Lambda would bill it: our overhead, modelled network, waits and INIT."""
    network = (
        day.fusionsolar_calls * model.fusionsolar_call_s
        + day.push_requests * model.push_s
        + (day.ssm_calls + day.secret_reads) * model.aws_call_s
    )
    return day.in_process_s + day.paced_wait_s + network + day.cold_starts * day.init_s


def log_bytes_per_day(day: DayFigures, model: LatencyModel) -> float:
    lines = day.log_lines + day.runs * model.platform_log_lines_per_run
    return (
        day.log_bytes
        + day.runs * model.platform_log_bytes_per_run
        + lines * (model.log_event_overhead_bytes)
    )


def usage_per_month(
    day: DayFigures, deployment: Deployment, model: LatencyModel = LatencyModel()
) -> MonthlyUsage:
    """Scale one day to a month (730 hours). SQS sees no request on a day without failures."""
    month = DAYS_PER_MONTH
    log_gb_per_day = log_bytes_per_day(day, model) / GB
    return MonthlyUsage(
        invocations=day.runs * month,
        gb_seconds=billed_seconds_per_day(day, model) * deployment.memory_mb / 1024 * month,
        secrets=deployment.secrets,
        secret_api_calls=day.secret_reads * month,
        kms_requests=day.kms_requests * month,
        ssm_api_calls=day.ssm_calls * month,
        log_gb_ingested=log_gb_per_day * month,
        # A full retention window is held all month once the group has filled up.
        log_gb_stored=log_gb_per_day * deployment.log_retention_days,
        metrics=day.metrics,
        alarms=deployment.alarms,
        dashboards=deployment.dashboards,
        customer_keys=deployment.customer_keys,
        sqs_requests=0,
        scheduler_invocations=day.runs * month,
    )


def monthly_cost(
    usage: MonthlyUsage, prices: Prices = PRICES, free: FreeTier = FREE_TIER
) -> dict[str, float]:
    """Dollars per line item and their "total"; pass prices.NO_FREE_TIER for the list price."""
    logs_free = free.logs_gb
    ingested = _above(usage.log_gb_ingested, logs_free)
    stored = _above(usage.log_gb_stored, max(0.0, logs_free - usage.log_gb_ingested))
    lines = {
        "lambda_requests": _above(usage.invocations, free.lambda_requests)
        / 1e6
        * prices.lambda_per_million_requests,
        "lambda_duration": _above(usage.gb_seconds, free.lambda_gb_seconds)
        * prices.lambda_per_gb_second_arm64,
        "secret": usage.secrets * prices.secret_per_month,
        "secret_api_calls": usage.secret_api_calls / 1e4 * prices.secrets_per_10k_api_calls,
        "kms_requests": _above(usage.kms_requests, free.kms_requests)
        / 1e4
        * prices.kms_per_10k_requests,
        "kms_customer_keys": usage.customer_keys * prices.kms_customer_key_per_month,
        "ssm": usage.ssm_api_calls / 1e4 * prices.ssm_standard_per_10k_api_calls,
        "logs_ingested": ingested * prices.logs_per_gb_ingested,
        "logs_stored": stored * prices.logs_per_gb_month_stored,
        "metrics": _above(usage.metrics, free.metrics) * prices.metric_per_month,
        "alarms": _above(usage.alarms, free.alarms) * prices.alarm_per_month,
        "dashboards": _above(usage.dashboards, free.dashboards) * prices.dashboard_per_month,
        "sqs": _above(usage.sqs_requests, free.sqs_requests)
        / 1e6
        * prices.sqs_per_million_requests,
        "scheduler": _above(usage.scheduler_invocations, free.scheduler_invocations)
        / 1e6
        * prices.scheduler_per_million_invocations,
    }
    lines["total"] = math.fsum(lines.values())
    return lines


def _above(quantity: float, free: float) -> float:
    return max(0.0, quantity - free)
