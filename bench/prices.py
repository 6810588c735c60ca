"""Published AWS list prices (us-east-1, USD) the cost model uses: the only place they are written.

Transcribed on PRICES_DATE from the AWS pricing pages named beside each figure (Lambda, Secrets
Manager, KMS, Systems Manager, CloudWatch, SQS, EventBridge). This machine has no network, so
they were not re-checked online: update them here, with the date, when AWS changes them.
"""

from dataclasses import dataclass

PRICES_DATE = "2026-11-22"
REGION = "us-east-1"


@dataclass(frozen=True)
class Prices:
    # AWS Lambda (arm64). INIT is billed like the handler since 2025-08-01 (managed runtimes).
    lambda_per_million_requests: float = 0.20
    lambda_per_gb_second_arm64: float = 0.0000133334
    # AWS Secrets Manager (no free tier beyond a 30-day trial per new secret).
    secret_per_month: float = 0.40
    secrets_per_10k_api_calls: float = 0.05
    # AWS KMS: AWS-managed keys (aws/ssm, aws/secretsmanager) have no monthly fee.
    kms_per_10k_requests: float = 0.03
    kms_customer_key_per_month: float = 1.00  # +$1/month for each of the first two rotations
    # SSM Parameter Store: standard parameters and standard throughput are free.
    ssm_standard_per_10k_api_calls: float = 0.0
    # Amazon CloudWatch.
    logs_per_gb_ingested: float = 0.50
    logs_per_gb_month_stored: float = 0.03
    metric_per_month: float = 0.30
    alarm_per_month: float = 0.10  # standard resolution
    dashboard_per_month: float = 3.00
    # Amazon SQS (standard queue) and EventBridge Scheduler.
    sqs_per_million_requests: float = 0.40
    scheduler_per_million_invocations: float = 1.00


@dataclass(frozen=True)
class FreeTier:
    """Monthly always-free allowances, per account (shared with everything else in it)."""

    lambda_requests: float = 1_000_000
    lambda_gb_seconds: float = 400_000
    kms_requests: float = 20_000
    logs_gb: float = 5.0  # ingestion and storage together
    metrics: float = 10
    alarms: float = 10
    dashboards: float = 3  # of up to 50 metrics each
    sqs_requests: float = 1_000_000
    scheduler_invocations: float = 14_000_000


PRICES = Prices()
FREE_TIER = FreeTier()
NO_FREE_TIER = FreeTier(0, 0, 0, 0.0, 0, 0, 0, 0, 0)
