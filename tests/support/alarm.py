"""The template's no-push alarm, put into (moto's) CloudWatch as a deployed stack holds it.

Built from template.yaml's own definition (after the SAM transform), so the tests of the
alarm's first mail and of `make status` see what a change to the alarm there does. A reference
this module cannot resolve fails loudly: teach it the new name rather than guess.
"""

import copy
from functools import cache
from typing import Any

from tests.support.cfn import NO_VALUE, load_template, only_resource, resolve, transform


@cache
def _template_alarm() -> dict[str, Any]:
    cfn = transform(load_template(), {"Station": "Home", "AlarmEmail": "me@example.com"})
    return only_resource(cfn, "AWS::CloudWatch::Alarm")[1]["Properties"]


def template_alarm() -> dict[str, Any]:
    """The alarm's properties as CloudFormation sees them (AlarmEmail set), Fn::If and all."""
    return copy.deepcopy(_template_alarm())


def no_push_alarm(
    cloudwatch: Any,
    name: str,
    topic: str,
    *,
    stack: str = "my-solar",
    paused: bool = False,
    sinks: str = "chargehq",
    mail: bool = True,
) -> str:
    """Put the template's alarm as `name`, mailing `topic` (the stack has an AlarmEmail), for
    the stack `stack` (paused: the Paused parameter set; mail False: no AlarmEmail); its ARN."""
    refs = {
        "AWS::StackName": stack,
        "AlarmTopic": topic,
        "AWS::NoValue": NO_VALUE,
        "Sinks": sinks,
    }
    conditions = {"IsPaused": paused, "SendAlarmEmail": mail}
    properties = resolve(_template_alarm(), refs, conditions)
    cloudwatch.put_metric_alarm(AlarmName=name, **properties)
    (alarm,) = cloudwatch.describe_alarms(AlarmNames=[name])["MetricAlarms"]
    return str(alarm["AlarmArn"])
