"""The poller's side of a deployed stack, read from template.yaml (after the SAM transform).

For a stack whose resources stand in moto: the function's role and its policies, the AWS names
in the function's environment, its log group and its failure destination, each reference
resolved the way CloudFormation would for this stack name, region and account. The physical
ids CloudFormation makes up at deploy (a secret's ARN, an alarm's name) are given; the rest
follows from the template. Whatever the template changes (a new statement, another resource),
these follow it.
"""

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from tests.support.cfn import NO_VALUE, load_template, resolve, transform

FUNCTION = "PollerFunction"


@dataclass
class Stack:
    name: str
    region: str
    account: str
    # Ref / "Resource.Attribute" values only a deploy makes: the secret's ARN, the topic's ...
    physical: dict[str, str]
    parameters: dict[str, str] = field(default_factory=lambda: {"Station": "Home"})

    @cached_property
    def cfn(self) -> dict[str, Any]:
        return transform(load_template(), self.parameters)

    @cached_property
    def refs(self) -> dict[str, Any]:
        defaults = {k: str(p.get("Default", "")) for k, p in self.cfn["Parameters"].items()}
        refs: dict[str, Any] = {
            "AWS::StackName": self.name,
            "AWS::Region": self.region,
            "AWS::AccountId": self.account,
            "AWS::Partition": "aws",
            "AWS::NoValue": NO_VALUE,
            **defaults,
            **self.parameters,
            **self.physical,
        }
        for name, resource in self.cfn["Resources"].items():  # names the template sets itself
            properties = resource.get("Properties", {})
            if resource["Type"] == "AWS::Logs::LogGroup":
                group = resolve(properties["LogGroupName"], refs, {})
                refs[name] = group  # CloudFormation's Arn of a log group ends in ":*"
                refs[f"{name}.Arn"] = (
                    f"arn:aws:logs:{self.region}:{self.account}:log-group:{group}:*"
                )
            if resource["Type"] == "AWS::Lambda::Function":
                refs[name] = resolve(properties["FunctionName"], refs, {})
            if resource["Type"] == "AWS::SQS::Queue":  # named by CloudFormation, in its style
                queue = f"{self.name}-{name}-{name.upper()[:12]}"
                refs[f"{name}.QueueName"] = queue
                refs[f"{name}.Arn"] = f"arn:aws:sqs:{self.region}:{self.account}:{queue}"
                refs[name] = f"https://sqs.{self.region}.amazonaws.com/{self.account}/{queue}"
        return refs

    @cached_property
    def conditions(self) -> dict[str, bool]:
        return {name: self._holds(c) for name, c in self.cfn.get("Conditions", {}).items()}

    def _holds(self, condition: Any) -> bool:
        (function, args), *more = condition.items()
        assert not more, condition
        if function == "Fn::Equals":
            left, right = (resolve(a, self.refs, {}) for a in args)
            return bool(left == right)
        if function == "Fn::Not":
            return not self._holds(args[0])
        if function in ("Fn::And", "Fn::Or"):
            held = [self._holds(a) for a in args]
            return all(held) if function == "Fn::And" else any(held)
        if function == "Condition":
            return self._holds(self.cfn["Conditions"][args])
        raise ValueError(f"a condition with {function}: teach Stack._holds")

    def resolved(self, value: Any) -> Any:
        return resolve(value, self.refs, self.conditions)

    @property
    def function(self) -> dict[str, Any]:
        return dict(self.cfn["Resources"][FUNCTION]["Properties"])

    @property
    def role(self) -> str:
        """The logical name of the function's role (its Role is that role's Arn)."""
        (name, attribute) = self.function["Role"]["Fn::GetAtt"]
        assert attribute == "Arn", self.function["Role"]
        return str(name)

    def role_statements(self) -> list[dict[str, Any]]:
        """Every statement of every identity policy the role has, resolved."""
        return [self.resolved(s) for s in _statements(self.cfn, self.role)]

    def environment(self) -> dict[str, str]:
        return dict(self.resolved(self.function["Environment"]["Variables"]))

    def log_group(self) -> str:
        """Where Lambda writes the function's logs, with the function's role."""
        config = self.function.get("LoggingConfig", {})
        default = f"/aws/lambda/{self.refs[FUNCTION]}"
        return str(self.resolved(config["LogGroup"])) if "LogGroup" in config else default

    def failure_destinations(self) -> list[str]:
        """The ARNs Lambda sends a failed asynchronous run's event to, with the function's role."""
        found = []
        for resource in self.cfn["Resources"].values():
            properties = resource.get("Properties", {})
            if resource["Type"] == "AWS::Lambda::EventInvokeConfig" and properties.get(
                "FunctionName"
            ) == {"Ref": FUNCTION}:
                on_failure = properties.get("DestinationConfig", {}).get("OnFailure")
                if on_failure:
                    found.append(str(self.resolved(on_failure["Destination"])))
        return found


@dataclass(frozen=True)
class Grant:
    """A statement of the function's role, or one action of a statement of several."""

    statement: int  # its place in Stack.role_statements()
    sid: str
    action: str | None = None  # None: the whole statement

    def __str__(self) -> str:
        return self.sid if self.action is None else f"{self.sid}-{self.action}"

    def remove_from(self, statements: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """The statements without this grant."""
        if self.action is None:
            return [s for i, s in enumerate(statements) if i != self.statement]
        kept = dict(statements[self.statement])
        kept["Action"] = [a for a in _listed(kept["Action"]) if a != self.action]
        return [kept if i == self.statement else s for i, s in enumerate(statements)]


def role_grants() -> list[Grant]:
    """Each statement of the function's role, and each action of a statement of several."""
    cfn = transform(load_template(), {"Station": "Home"})
    (name, _) = cfn["Resources"][FUNCTION]["Properties"]["Role"]["Fn::GetAtt"]
    grants = []
    for index, statement in enumerate(_statements(cfn, name)):
        sid = str(statement.get("Sid", f"statement {index + 1}"))
        grants.append(Grant(index, sid))
        actions = _listed(statement.get("Action", []))
        grants += [Grant(index, sid, str(a)) for a in actions] if len(actions) > 1 else []
    return grants


def _statements(cfn: dict[str, Any], role: str) -> list[dict[str, Any]]:
    """Every statement of every identity policy of the role, unresolved: its inline policies
    and any AWS::IAM::Policy naming it. A managed policy's are not in the template: refused."""
    properties = cfn["Resources"][role]["Properties"]
    assert not properties.get("ManagedPolicyArns"), "a managed policy: its statements are elsewhere"
    documents = [p["PolicyDocument"] for p in properties.get("Policies", [])]
    for resource in cfn["Resources"].values():
        roles = resource.get("Properties", {}).get("Roles", [])
        if resource["Type"] == "AWS::IAM::Policy" and {"Ref": role} in roles:
            documents.append(resource["Properties"]["PolicyDocument"])
    return [s for d in documents for s in _listed(d["Statement"])]


def _listed(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]
