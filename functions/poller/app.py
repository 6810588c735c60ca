"""The poller Lambda function: wiring only. The cycle itself is fusioncharge.run.poll.run_poll."""

import logging
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import boto3
from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.logging.utils import copy_config_to_registered_loggers
from aws_lambda_powertools.metrics import MetricUnit, single_metric
from aws_lambda_powertools.utilities.data_classes import EventBridgeEvent, event_source
from aws_lambda_powertools.utilities.typing import LambdaContext

from fusioncharge.aws.alarm_mail import check_alarm_mail
from fusioncharge.aws.clients import AWS_CALL_MAX_SECONDS, aws_config
from fusioncharge.clock import Clock, Deadline, SystemClock
from fusioncharge.errors import BridgeError
from fusioncharge.fusionsolar import Credentials, FusionSolarClient
from fusioncharge.run import report as run_report
from fusioncharge.run.log import RunLog
from fusioncharge.run.poll import FusionSolarFactory, run_poll
from fusioncharge.run.result import RunResult
from fusioncharge.settings.environment import Settings, load_settings
from fusioncharge.settings.secret import SecretSource
from fusioncharge.sinks import SinkContext
from fusioncharge.sinks.chargehq_body import shown_body
from fusioncharge.state import StateStore
from fusioncharge.state.store import SsmStateStore

logger = Logger()  # service name from POWERTOOLS_SERVICE_NAME (the stack name)
metrics = Metrics(namespace=os.environ.get("POWERTOOLS_METRICS_NAMESPACE", "FusionSolarChargeHQ"))
# botocore logs request and response bodies at DEBUG, secret values included: never let it.
for _noisy in ("botocore", "boto3", "urllib3"):
    logging.getLogger(_noisy).setLevel(logging.INFO)
# The library's log lines in the same JSON, with the run's correlation id.
copy_config_to_registered_loggers(source_logger=logger, include={"fusioncharge"})

# Time kept back to save the state (one AWS call at its slowest), log and flush metrics.
DEADLINE_MARGIN_SECONDS = AWS_CALL_MAX_SECONDS + 3.0


@dataclass
class Wiring:
    """The collaborators of one container's runs, built once and kept while it is warm.

    Lambda uses the module's `WIRING`; `make run` and the tests build their own (a fake clock,
    short timeouts, dry run) and a handler for it with `build_handler`. A new container is a
    new Wiring: nothing survives but what is in SSM."""

    clock: Clock = field(default_factory=SystemClock)
    http_timeouts: tuple[float, float] = (5.0, 15.0)  # (connect, read) seconds for FusionSolar
    chargehq_timeout: float = 10.0  # seconds for each sink's push
    dry_run: bool = False  # `make run DRY_RUN=1`: compute, do not push
    last_result: RunResult | None = None  # what the latest run did (`make run` prints it)
    secret_source: SecretSource | None = None
    aws_clients: dict[str, Any] = field(default_factory=dict)
    # Sink name -> a stand-in's address (`make run`, tests); the sink's real one otherwise.
    sink_urls: dict[str, str] = field(default_factory=dict)
    run_log: RunLog = field(default_factory=RunLog)  # what this container said once

    def fresh(self) -> "Wiring":
        """The same settings in a new container: no client, secret source, result or log
        memory kept."""
        return Wiring(
            self.clock,
            self.http_timeouts,
            self.chargehq_timeout,
            self.dry_run,
            sink_urls=self.sink_urls,
        )

    def aws_client(self, service: str) -> Any:
        if service not in self.aws_clients:
            self.aws_clients[service] = boto3.client(service, config=aws_config())
        return self.aws_clients[service]

    def secrets(self, secret_id: str) -> SecretSource:
        source = self.secret_source
        if source is None or source.secret_id != secret_id:
            source = self.secret_source = SecretSource(secret_id)
        return source

    def deadline(self, context: LambdaContext) -> Deadline:
        seconds = context.get_remaining_time_in_millis() / 1000 - DEADLINE_MARGIN_SECONDS
        return Deadline(self.clock, self.clock.now() + max(0.0, seconds))

    def fusionsolar_factory(self, settings: Settings, deadline: Deadline) -> FusionSolarFactory:
        def build(credentials: Credentials, store: StateStore) -> FusionSolarClient:
            return FusionSolarClient.on_store(
                settings.fusionsolar_base_url,
                credentials,
                store,
                clock=self.clock,
                deadline=deadline,
                timeouts=self.http_timeouts,
            )

        return build

    def check_alarm_mail(self, context: LambdaContext) -> None:
        """After a run that did not push: the alarm's lost first mail (aws/alarm_mail.py)."""
        seconds_left = context.get_remaining_time_in_millis() / 1000
        check_alarm_mail(os.environ, seconds_left, self.aws_client, self.clock.now())

    def sinks_context(self, settings: Settings) -> SinkContext:
        """What every sink is built with (sinks/registry.py builds each from its keys)."""
        return SinkContext(self.clock, settings, timeout=self.chargehq_timeout, urls=self.sink_urls)

    def run(self, event: EventBridgeEvent, context: LambdaContext) -> RunResult:
        try:
            settings = load_settings()
            secret_id, state_parameter = settings.aws_names()
        except BridgeError as exc:
            return RunResult(error=exc)
        logger.setLevel(settings.log_level)
        logger.append_keys(scheduled_time=event.time)
        deadline = self.deadline(context)
        return run_poll(
            settings,
            self.secrets(secret_id).within(deadline),
            SsmStateStore(state_parameter, self.aws_client("ssm"), self.clock, deadline),
            self.fusionsolar_factory(settings, deadline),
            dry_run=self.dry_run,
            sinks_context=self.sinks_context(settings),
            deadline=deadline,
            run_log=self.run_log,
        )


Handler = Callable[[dict[str, Any], LambdaContext], dict[str, Any]]


def build_handler(wiring: Wiring) -> Handler:
    """The Lambda handler over these collaborators: one run, its summary line and metrics;
    a failed run raises its error so Lambda counts it (and the DLQ gets the event)."""

    @metrics.log_metrics
    @logger.inject_lambda_context(
        correlation_id_path=correlation_paths.EVENT_BRIDGE, clear_state=True
    )
    @event_source(data_class=EventBridgeEvent)
    def handler(event: EventBridgeEvent, context: LambdaContext) -> dict[str, Any]:
        result = wiring.run(event, context)
        wiring.last_result = result
        _report(result)
        if not run_report.pushed_site_meters(result) and not wiring.dry_run:
            wiring.check_alarm_mail(context)
        if result.error is not None:
            raise result.error
        body = shown_body(result.site_meters, result.told)
        return {"pushed": result.pushed, "body": body, "skipped": result.skipped}

    return handler


WIRING = Wiring()
lambda_handler = build_handler(WIRING)


def _report(result: RunResult) -> None:
    """The run's metrics and its one summary line, as run/report.py says them."""
    for metric in run_report.metrics(result):
        if metric.sink is None:
            metrics.add_metric(name=metric.name, unit=MetricUnit(metric.unit), value=metric.value)
            continue
        with single_metric(
            name=metric.name,
            unit=MetricUnit(metric.unit),
            value=metric.value,
            namespace=metrics.namespace,
            default_dimensions=metrics.default_dimensions,
        ) as alone:
            alone.add_dimension(name="sink", value=metric.sink)
    summary = run_report.summary(result)
    say = {"info": logger.info, "warning": logger.warning, "error": logger.error}[summary.level]
    say(summary.line, extra=summary.fields)
