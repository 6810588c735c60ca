"""IAM in the translated template names this stack's own secret, parameter and queues.

test_template.py pins the two roles' grants exactly and refuses literal "*". This adds the
general rule for any statement a later change may bring (a new role, a SAM policy template,
an inline policy): secrets, SSM and SQS actions only on resources of this stack, no wildcard
hidden inside Fn::Sub / Fn::Join, and no NotAction / NotResource (which grant all the rest).
"""

import json
from typing import Any

from tests.support.cfn import resources_of_type

POLICY_HOLDERS = ("AWS::IAM::Role", "AWS::IAM::Policy", "AWS::IAM::ManagedPolicy")
SCOPED_SERVICES = {
    "secretsmanager": "AWS::SecretsManager::Secret",
    "sqs": "AWS::SQS::Queue",
    "ssm": None,  # a parameter the function creates: named by path, under the stack's name
}
STACK_PARAMETER_PREFIX = (
    "arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:parameter/${AWS::StackName}/"
)


def iam_statements(cfn: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    found = []
    for kind in POLICY_HOLDERS:
        for name, resource in resources_of_type(cfn, kind).items():
            props = resource["Properties"]
            documents = [p["PolicyDocument"] for p in props.get("Policies", [])]
            documents += [props["PolicyDocument"]] if "PolicyDocument" in props else []
            for document in documents:
                statements = document["Statement"]
                for statement in statements if isinstance(statements, list) else [statements]:
                    found.append((name, statement))
    return found


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def strings_inside(value: Any) -> list[str]:
    """Every literal string in an intrinsic function tree (the text CloudFormation will use)."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [s for item in value for s in strings_inside(item)]
    if isinstance(value, dict):
        return [s for item in value.values() for s in strings_inside(item)]
    return []


def names_stack_resource(resource: Any, kind: str | None, cfn: dict[str, Any]) -> bool:
    """Is `resource` this stack's own resource of that kind (or, for SSM, its own path)?"""
    if kind is None:
        text = resource.get("Fn::Sub") if isinstance(resource, dict) else None
        return isinstance(text, str) and text.startswith(STACK_PARAMETER_PREFIX)
    if not isinstance(resource, dict) or len(resource) != 1:
        return False
    ((function, argument),) = resource.items()
    if function == "Ref":
        logical_id = argument
    elif function == "Fn::GetAtt" and as_list(argument)[-1] == "Arn":
        logical_id = as_list(argument)[0]
    else:
        return False
    return cfn["Resources"].get(logical_id, {}).get("Type") == kind


def test_there_are_statements_to_check(cfn):
    services = {a.split(":")[0] for _, s in iam_statements(cfn) for a in as_list(s["Action"])}
    assert {"secretsmanager", "ssm", "sqs"} <= services


def test_no_statement_grants_by_exclusion(cfn):
    for name, statement in iam_statements(cfn):
        assert not {"NotAction", "NotResource", "NotPrincipal"} & set(statement), name
        assert statement["Effect"] == "Allow", name


def test_no_wildcard_hides_inside_an_intrinsic_function(cfn):
    for name, statement in iam_statements(cfn):
        for text in strings_inside(statement["Resource"]) + strings_inside(statement["Action"]):
            assert "*" not in text, f"{name}: {json.dumps(statement)}"


def test_secrets_ssm_and_sqs_actions_name_this_stacks_resources(cfn):
    for name, statement in iam_statements(cfn):
        services = {a.split(":")[0] for a in as_list(statement["Action"])}
        for service in services & set(SCOPED_SERVICES):
            kind = SCOPED_SERVICES[service]
            for resource in as_list(statement["Resource"]):
                assert names_stack_resource(resource, kind, cfn), (
                    f"{name}: {service} on {json.dumps(resource)} is not this stack's own "
                    f"{kind or 'parameter path'}"
                )
