"""What template.yaml deploys for one site, as the cost model needs it."""

from pathlib import Path
from typing import Any

import yaml

from bench.cost import Deployment
from tools.local.lambda_env import ROOT

TEMPLATE = ROOT / "template.yaml"


class _CfnLoader(yaml.SafeLoader):
    """Reads CloudFormation's short forms (!Ref, !Sub, ...) as plain values."""


def _any_tag(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> Any:
    if isinstance(node, yaml.ScalarNode):
        return loader.construct_scalar(node)
    if isinstance(node, yaml.SequenceNode):
        return loader.construct_sequence(node, deep=True)
    if isinstance(node, yaml.MappingNode):
        return loader.construct_mapping(node, deep=True)
    return None


_CfnLoader.add_multi_constructor("!", _any_tag)


def load_template(path: Path = TEMPLATE) -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.load(path.read_text(encoding="utf-8"), Loader=_CfnLoader)  # noqa: S506 (safe loader subclass)
    return loaded


def deployment(template: dict[str, Any], *, alarm_email: bool = False) -> Deployment:
    """Counts of billed resources; resources under a Condition count only with alarm_email
    (the template's only condition is SendAlarmEmail)."""
    resources = [r for r in template["Resources"].values() if alarm_email or "Condition" not in r]

    def count(kind: str) -> int:
        return sum(1 for r in resources if r.get("Type") == kind)

    function = next(r for r in resources if r["Type"] == "AWS::Serverless::Function")
    memory = function["Properties"].get("MemorySize") or template.get("Globals", {}).get(
        "Function", {}
    ).get("MemorySize", 128)
    return Deployment(
        memory_mb=int(memory),
        alarms=count("AWS::CloudWatch::Alarm"),
        dashboards=count("AWS::CloudWatch::Dashboard"),
        secrets=count("AWS::SecretsManager::Secret"),
        log_retention_days=int(template["Parameters"]["LogRetentionDays"]["Default"]),
        customer_keys=count("AWS::KMS::Key"),
    )
