"""The poller Lambda function: wiring only. The cycle itself is fusioncharge.poll.run_poll."""

import logging
import os
from typing import Any

import boto3
from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.logging.utils import copy_config_to_registered_loggers
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.data_classes import EventBridgeEvent, event_source
from aws_lambda_powertools.utilities.typing import LambdaContext

from fusioncharge.aws.clients import AWS_CALL_MAX_SECONDS, aws_config
from fusioncharge.aws.secrets import SecretSource
from fusioncharge.aws.state_store import SsmStateStore
from fusioncharge.chargehq.client import ChargeHqClient
from fusioncharge.clock import Clock, Deadline, SystemClock
from fusioncharge.errors import BridgeError
from fusioncharge.fusionsolar import Credentials, FusionSolarClient
from fusioncharge.poll import RunResult, masked_body, run_poll
from fusioncharge.settings import Settings, load_settings
from fusioncharge.state import State

logger = Logger()  # service name from POWERTOOLS_SERVICE_NAME (the stack name)
metrics = Metrics(namespace=os.environ.get("POWERTOOLS_METRICS_NAMESPACE", "FusionSolarChargeHQ"))
# botocore logs request and response bodies at DEBUG, secret values included: never let it.
for _noisy in ("botocore", "boto3", "urllib3"):
    logging.getLogger(_noisy).setLevel(logging.INFO)
# The library's log lines in the same JSON, with the run's correlation id.
copy_config_to_registered_loggers(source_logger=logger, include={"fusioncharge"})

# Kept while the container is warm. Local runs and tests may replace CLOCK, HTTP_TIMEOUTS, DRY_RUN.
CLOCK: Clock = SystemClock()
HTTP_TIMEOUTS = (5.0, 15.0)  # (connect, read) seconds for FusionSolar
CHARGEHQ_TIMEOUT = 10.0  # seconds for the push
DRY_RUN = False  # `make run DRY_RUN=1`: compute, do not push
# Time kept back to save the state (one AWS call at its slowest), log and flush metrics.
DEADLINE_MARGIN_SECONDS = AWS_CALL_MAX_SECONDS + 3.0
_warm: dict[str, Any] = {}
RUN = "run_outcome"  # marks the one summary line of each run (make logs, make status read it)


@metrics.log_metrics
@logger.inject_lambda_context(correlation_id_path="id", clear_state=True)
@event_source(data_class=EventBridgeEvent)
def lambda_handler(event: EventBridgeEvent, context: LambdaContext) -> dict[str, Any]:
    result = RunResult()
    try:
        settings = load_settings()
        logger.setLevel(settings.log_level)
        logger.append_keys(scheduled_time=event.get("time"))
        run_poll(
            settings,
            _secrets(settings.secret_id or ""),
            SsmStateStore(settings.token_parameter or "", _client("ssm"), clock=CLOCK),
            _fusionsolar_factory(settings, _deadline(context)),
            _chargehq_factory(settings, _deadline(context)),
            dry_run=DRY_RUN,
            result=result,
        )
    except BridgeError as exc:
        result.error = exc
        raise
    finally:
        _warm["last_result"] = result
        _report(result)
    return {"pushed": result.pushed, "body": masked_body(result), "skipped": result.skipped}


def last_result() -> RunResult | None:
    """What the latest run in this process did (for `make run`, which prints the body)."""
    return _warm.get("last_result")


def _deadline(context: LambdaContext) -> Deadline:
    seconds = context.get_remaining_time_in_millis() / 1000 - DEADLINE_MARGIN_SECONDS
    return Deadline(CLOCK, CLOCK.now() + max(0.0, seconds))


def _secrets(secret_id: str) -> SecretSource:
    source = _warm.get("secrets")
    if source is None or source.secret_id != secret_id:
        source = _warm["secrets"] = SecretSource(secret_id)
    return source


def _client(service: str) -> Any:
    if service not in _warm:
        _warm[service] = boto3.client(service, config=aws_config())
    return _warm[service]


def _fusionsolar_factory(settings: Settings, deadline: Deadline):
    def build(credentials: Credentials, state: State) -> FusionSolarClient:
        return FusionSolarClient(
            settings.fusionsolar_base_url,
            credentials,
            state,
            clock=CLOCK,
            deadline=deadline,
            timeouts=HTTP_TIMEOUTS,
        )

    return build


def _chargehq_factory(settings: Settings, deadline: Deadline):
    def build(api_key: str) -> ChargeHqClient:
        return ChargeHqClient(
            settings.chargehq_push_url, api_key, deadline=deadline, timeout=CHARGEHQ_TIMEOUT
        )

    return build


def _report(result: RunResult) -> None:
    """One readable log line per run, and the run's metrics."""
    count = MetricUnit.Count
    metrics.add_metric(name="FusionSolarCalls", unit=count, value=result.fusionsolar_calls)
    metrics.add_metric(name="Logins", unit=count, value=result.logins)
    # Readings left out as not a measurement (overflow sentinels, SOC out of 0-100, ...).
    metrics.add_metric(name="ImplausibleReadings", unit=count, value=result.implausible_readings)
    if result.meter_direction_suspect:
        metrics.add_metric(name="MeterDirectionSuspect", unit=count, value=1)
    if result.error is not None:
        metrics.add_metric(name="Failures", unit=count, value=1)
        if result.error_pushed:
            metrics.add_metric(name="ErrorPushes", unit=count, value=1)
        logger.error(result.summary(), extra={"error_code": result.error.code, RUN: "failed"})
        return
    metrics.add_metric(name="Pushes", unit=count, value=1 if result.pushed else 0)
    if result.skipped is not None:
        logger.warning(result.summary(), extra={RUN: "skipped"})
        return
    meters = result.site_meters
    if meters is not None:
        for name, value in (
            ("ProductionKw", meters.production_kw),
            ("ConsumptionKw", meters.consumption_kw),
            ("NetImportKw", meters.net_import_kw),
            ("BatteryDischargeKw", meters.battery_discharge_kw),
            ("BatterySoc", meters.battery_soc),
        ):
            if value is not None:
                metrics.add_metric(name=name, unit=MetricUnit.NoUnit, value=value)
    outcome = {RUN: "pushed" if result.pushed else "dry_run"}
    logger.info(result.summary(), extra={**outcome, "site_meters": meters and meters.as_dict()})
