"""The deployed wiring, checked on the template after the SAM transform (CloudFormation's view)."""

import json
import re
from typing import Any

import pytest

from fusioncharge.aws.alarm_mail import ALARM_ENV
from fusioncharge.settings.environment import ENV_VARS
from tests.support.cfn import ROOT, TEMPLATE, only_resource, resources_of_type
from tools.status.report import RUN_MAX_SECONDS

GET_ATT = "Fn::GetAtt"
STACK_STATE_PARAMETER = "/${AWS::StackName}/fusionsolar-state"

# docs/reference.md "Settings": env var -> (template parameter, default; None = required).
SETTINGS = {
    "FUSIONSOLAR_BASE_URL": ("FusionSolarBaseUrl", "https://intl.fusionsolar.huawei.com"),
    "STATION": ("Station", None),
    "METER_PLANTS": ("MeterPlants", ""),
    "USE_EMMA_DATA": ("UseEmmaData", "true"),
    "USE_POWER_SENSOR_DATA": ("UsePowerSensorData", "true"),
    "USE_GRID_METER_DATA": ("UseGridMeterData", "true"),
    "GRID_METER_POWER_UNIT": ("GridMeterPowerUnit", "auto"),
    "USE_BATTERY_DATA": ("UseBatteryData", "true"),
    "METER_EXPORT_POSITIVE": ("MeterExportPositive", "true"),
    "BATTERY_COUPLING": ("BatteryCoupling", "dc"),
    "BATTERY_CAPACITY_KWH": ("BatteryCapacityKwh", ""),
    "CHARGEHQ_PUSH_URL": ("ChargeHqPushUrl", "https://api.chargehq.net/api/public/push-solar-data"),
    "PLANT_TIMEZONE": ("PlantTimezone", ""),
    "PLANT_CAPACITY_KWP": ("PlantCapacityKwp", ""),
    "PLANT_LOCATION": ("PlantLocation", ""),
    "POWERTOOLS_LOG_LEVEL": ("LogLevel", "INFO"),
}
NAMESPACE = "FusionSolarChargeHQ"


def function(cfn: dict[str, Any]) -> dict[str, Any]:
    return only_resource(cfn, "AWS::Lambda::Function")[1]["Properties"]


def environment(cfn: dict[str, Any]) -> dict[str, Any]:
    return function(cfn)["Environment"]["Variables"]


def arn_of(logical_id: str) -> dict[str, Any]:
    return {GET_ATT: [logical_id, "Arn"]}


def role_statements(role: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        s for p in role["Properties"].get("Policies", []) for s in p["PolicyDocument"]["Statement"]
    ]


def grants(role: dict[str, Any]) -> set[tuple[str, str]]:
    """Every (action, resource) pair a role allows, resources as JSON so intrinsics compare."""
    pairs = set()
    for statement in role_statements(role):
        assert statement["Effect"] == "Allow"
        actions = statement["Action"]
        resources = statement["Resource"]
        for action in [actions] if isinstance(actions, str) else actions:
            for resource in resources if isinstance(resources, list) else [resources]:
                pairs.add((action, json.dumps(resource, sort_keys=True)))
    return pairs


def as_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True)


# --- parameters ---------------------------------------------------------------------------------
def test_every_setting_is_a_parameter_with_the_documented_default(sam_template):
    parameters = sam_template["Parameters"]
    for env_var, (name, default) in SETTINGS.items():
        assert name in parameters, f"{name} ({env_var}) is not a template parameter"
        if default is None:
            assert "Default" not in parameters[name], f"{name} must be required"
        else:
            assert str(parameters[name]["Default"]) == default, name


def test_switches_accept_only_their_documented_values(sam_template):
    parameters = sam_template["Parameters"]
    switches = ("UseEmmaData", "UsePowerSensorData", "UseGridMeterData", "UseBatteryData")
    for name in (*switches, "MeterExportPositive"):
        assert sorted(parameters[name]["AllowedValues"]) == ["false", "true"], name
    assert sorted(parameters["GridMeterPowerUnit"]["AllowedValues"]) == ["W", "auto", "kW"]
    assert sorted(parameters["BatteryCoupling"]["AllowedValues"]) == ["ac", "dc"]
    assert "INFO" in parameters["LogLevel"]["AllowedValues"]


@pytest.mark.parametrize(
    ("name", "accepted", "refused"),
    [
        ("BatteryCapacityKwh", ["", "10", "15.5"], ["ten", "-5", "10 kWh"]),
        ("PlantCapacityKwp", ["", "6.6", "10"], ["six", "-5", "10 kWp"]),
        ("PlantLocation", ["", "-33.87,151.21", "52.1, 4.3"], ["Sydney", "52.1", "1,2,3"]),
        ("AlarmEmail", ["", "me@example.com"], ["me", "a@b", "a@b.c d@e.f"]),
        (
            "FusionSolarBaseUrl",
            ["https://intl.fusionsolar.huawei.com", "https://eu5.fusionsolar.huawei.com/"],
            ["http://intl.fusionsolar.huawei.com", "intl.fusionsolar.huawei.com"],
        ),
        ("ChargeHqPushUrl", ["https://api.chargehq.net/api/public/push-solar-data"], ["http://x"]),
    ],
)
def test_parameter_patterns(sam_template, name, accepted, refused):
    pattern = sam_template["Parameters"][name]["AllowedPattern"]
    for value in accepted:
        assert re.fullmatch(pattern, value), f"{name} should accept {value!r}"
    for value in refused:
        assert not re.fullmatch(pattern, value), f"{name} should refuse {value!r}"


def test_schedule_is_between_five_and_ten_minutes(sam_template):
    parameter = sam_template["Parameters"]["ScheduleExpression"]
    assert parameter["Default"] == "rate(5 minutes)"
    pattern = parameter["AllowedPattern"]
    ok = ["rate(5 minutes)", "rate(6 minutes)", "rate(10 minutes)"]
    too_fast = ["rate(1 minute)", "rate(2 minutes)", "rate(4 minutes)", "rate(0 minutes)"]
    too_slow = ["rate(11 minutes)", "rate(60 minutes)", "rate(1 hour)", "rate(1 day)"]
    other = ["rate(05 minutes)", "cron(* * * * ? *)", "rate(5 minute)", "rate(1 hours)", ""]
    for value in ok:
        assert re.fullmatch(pattern, value), value
    for value in too_fast + too_slow + other:
        assert not re.fullmatch(pattern, value), value


def test_log_retention_is_a_choice_of_valid_values(sam_template):
    parameter = sam_template["Parameters"]["LogRetentionDays"]
    assert parameter["Default"] == 30
    assert {1, 7, 30, 365, 3653} <= set(parameter["AllowedValues"])
    assert 2 not in parameter["AllowedValues"]


# --- function -----------------------------------------------------------------------------------
def test_function_runtime_and_sizing(cfn):
    props = function(cfn)
    assert props["Runtime"] == "python3.13"
    assert props["Architectures"] == ["arm64"]
    assert props["Handler"] == "app.lambda_handler"
    assert props["MemorySize"] == 256
    # Must end well before the next 5-minute run starts.
    assert 30 <= props["Timeout"] <= 120
    # make status takes a run that logged this long after a secret edit to have read it.
    assert props["Timeout"] <= RUN_MAX_SECONDS


def test_no_concurrency_is_reserved_unless_asked(cfn, sam_template):
    # A new account (quota 10) refuses any reservation: the first deploy must not ask for one.
    reserved = function(cfn)["ReservedConcurrentExecutions"]
    assert reserved == {"Fn::If": ["ReserveOneRun", 1, {"Ref": "AWS::NoValue"}]}
    assert sam_template["Parameters"]["ReserveConcurrency"]["Default"] == "false"
    assert cfn["Conditions"]["ReserveOneRun"] == {
        "Fn::Equals": [{"Ref": "ReserveConcurrency"}, "true"]
    }


def test_function_uses_the_layer(cfn):
    layer_id, _ = only_resource(cfn, "AWS::Lambda::LayerVersion")
    assert function(cfn)["Layers"] == [{"Ref": layer_id}]


def test_layer_is_built_for_the_runtime(sam_template):
    layer = sam_template["Resources"]["FusionchargeLayer"]
    assert layer["Metadata"] == {"BuildMethod": "python3.13", "BuildArchitecture": "arm64"}
    assert layer["Properties"]["ContentUri"] == "layers/fusioncharge/"
    assert layer["Properties"]["CompatibleArchitectures"] == ["arm64"]
    requirements = (ROOT / "layers/fusioncharge/requirements.txt").read_text().lower()
    assert not re.search(r"^(boto3|botocore)\b", requirements, re.M), "the runtime brings boto3"


def test_environment_sets_exactly_the_settings_the_code_reads(cfn):
    env = environment(cfn)
    for env_var, (parameter, _) in SETTINGS.items():
        assert env[env_var] == {"Ref": parameter}, env_var
    assert env["POWERTOOLS_SERVICE_NAME"] == {"Ref": "AWS::StackName"}
    assert env["POWERTOOLS_METRICS_NAMESPACE"] == NAMESPACE
    assert env["STATE_PARAMETER"] == {"Fn::Sub": STACK_STATE_PARAMETER}
    secret_id, _ = only_resource(cfn, "AWS::SecretsManager::Secret")
    assert env["SECRET_ID"] == {"Ref": secret_id}

    powertools_only = {"POWERTOOLS_SERVICE_NAME", "POWERTOOLS_METRICS_NAMESPACE"}
    alarm_arn, alarm_topic = ALARM_ENV  # the handler's own: the alarm it may re-arm
    assert env[alarm_arn] == {"Fn::GetAtt": ["NoPushAlarm", "Arn"]}
    assert env[alarm_topic]["Fn::If"][1] == {"Ref": "AlarmTopic"}
    assert set(env) - powertools_only - set(ALARM_ENV) == set(ENV_VARS)


def test_log_group_has_retention_and_receives_the_logs(cfn):
    group_id, group = only_resource(cfn, "AWS::Logs::LogGroup")
    props = function(cfn)
    assert props["LoggingConfig"]["LogGroup"] == {"Ref": group_id}
    assert group["Properties"]["RetentionInDays"] == {"Ref": "LogRetentionDays"}
    # Lambda's default name, so `sam logs` and the console find it too.
    name = props["FunctionName"]["Fn::Sub"]
    assert group["Properties"]["LogGroupName"] == {"Fn::Sub": f"/aws/lambda/{name}"}


# --- schedule and failure routing ---------------------------------------------------------------
def test_schedule_runs_the_function_with_a_small_retry_and_a_dead_letter_queue(cfn, sam_template):
    function_id, _ = only_resource(cfn, "AWS::Lambda::Function")
    _, schedule = only_resource(cfn, "AWS::Scheduler::Schedule")
    props = schedule["Properties"]
    assert props["ScheduleExpression"] == {"Ref": "ScheduleExpression"}
    assert props["FlexibleTimeWindow"] == {"Mode": "OFF"}  # on time, for Huawei's window
    # Runs unless the user pauses it (make deploy SET=Paused=true), which also mutes the alarm.
    assert props["State"] == {"Fn::If": ["IsPaused", "DISABLED", "ENABLED"]}
    assert sam_template["Parameters"]["Paused"]["Default"] == "false"
    (alarm,) = alarm_on(cfn, NAMESPACE, "Pushes")
    assert alarm["ActionsEnabled"] == {"Fn::If": ["IsPaused", False, True]}
    assert "${AWS::StackName}" in props["Name"]["Fn::Sub"], "two stacks must not share a name"
    target = props["Target"]
    assert target["Arn"] == arn_of(function_id)
    assert 1 <= target["RetryPolicy"]["MaximumRetryAttempts"] <= 3
    assert target["RetryPolicy"]["MaximumEventAgeInSeconds"] <= 300
    dlq = target["DeadLetterConfig"]["Arn"][GET_ATT][0]
    assert cfn["Resources"][dlq]["Type"] == "AWS::SQS::Queue"


def test_scheduled_event_matches_the_sample_event(cfn):
    _, schedule = only_resource(cfn, "AWS::Scheduler::Schedule")
    text = schedule["Properties"]["Target"]["Input"]["Fn::Sub"]
    resolved = text.replace("${AWS::AccountId}", "123456789012").replace("${AWS::Region}", "x")
    event = json.loads(resolved)
    sample = json.loads((ROOT / "events/scheduled.json").read_text())
    assert set(event) == set(sample)
    assert event["detail-type"] == sample["detail-type"]
    assert event["source"] == sample["source"]
    assert event["time"] == "<aws.scheduler.scheduled-time>"
    assert event["id"] == "<aws.scheduler.execution-id>"


def test_failed_runs_are_not_retried_and_go_to_an_encrypted_queue(cfn):
    _, config = only_resource(cfn, "AWS::Lambda::EventInvokeConfig")
    props = config["Properties"]
    assert props["MaximumRetryAttempts"] == 0
    assert props["MaximumEventAgeInSeconds"] <= 300
    queue_id = props["DestinationConfig"]["OnFailure"]["Destination"][GET_ATT][0]
    queue = cfn["Resources"][queue_id]
    assert queue["Type"] == "AWS::SQS::Queue"
    assert queue["Properties"]["MessageRetentionPeriod"] == 14 * 24 * 3600


def test_every_queue_is_encrypted_and_kept_14_days(cfn):
    queues = resources_of_type(cfn, "AWS::SQS::Queue")
    assert len(queues) == 2
    for name, queue in queues.items():
        props = queue["Properties"]
        assert props.get("SqsManagedSseEnabled") is True or "KmsMasterKeyId" in props, name
        assert props["MessageRetentionPeriod"] == 1209600, name


# --- secret and permissions ---------------------------------------------------------------------
def test_secret_holds_only_placeholders(cfn):
    _, secret = only_resource(cfn, "AWS::SecretsManager::Secret")
    value = json.loads(secret["Properties"]["SecretString"])
    assert set(value) == {"fusionsolar_username", "fusionsolar_system_code", "chargehq_api_key"}
    assert set(value.values()) == {"REPLACE_ME"}


def test_no_credential_is_a_parameter_or_in_samconfig(sam_template):
    for name in sam_template["Parameters"]:
        assert not re.search(r"password|secret|key$|token|code$", name, re.I), name
    samconfig = (ROOT / "samconfig.toml").read_text()
    for key in ("region", "parameter_overrides", "profile", "s3_bucket"):
        assert not re.search(rf"^\s*{key}\s*=", samconfig, re.M), f"samconfig.toml sets {key}"


NO_TOPIC = (
    "arn:${AWS::Partition}:sns:${AWS::Region}:${AWS::AccountId}:${AWS::StackName}-no-alarm-topic"
)


def test_poller_role_grants_exactly_what_the_poller_needs(cfn):
    role_ref = function(cfn)["Role"]
    role = cfn["Resources"][role_ref[GET_ATT][0]]
    secret_id, _ = only_resource(cfn, "AWS::SecretsManager::Secret")
    group_id, _ = only_resource(cfn, "AWS::Logs::LogGroup")
    _, config = only_resource(cfn, "AWS::Lambda::EventInvokeConfig")
    failure_queue = config["Properties"]["DestinationConfig"]["OnFailure"]["Destination"]
    state_arn = {
        "Fn::Sub": "arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:parameter"
        + STACK_STATE_PARAMETER
    }
    expected = {
        ("logs:CreateLogStream", as_json(arn_of(group_id))),
        ("logs:PutLogEvents", as_json(arn_of(group_id))),
        ("secretsmanager:GetSecretValue", as_json({"Ref": secret_id})),
        ("ssm:GetParameter", as_json(state_arn)),
        ("ssm:PutParameter", as_json(state_arn)),
        ("sqs:SendMessage", as_json(failure_queue)),
    }
    # The state's lease beside it (state/lease.py): read, created and overwritten, never
    # deleted by the function.
    lease_arn = {"Fn::Sub": state_arn["Fn::Sub"] + "-lease"}
    expected |= {("ssm:GetParameter", as_json(lease_arn)), ("ssm:PutParameter", as_json(lease_arn))}
    # The no-push alarm's lost first mail (fusioncharge/aws/alarm_mail.py): this alarm only.
    alarm_id, _ = only_resource(cfn, "AWS::CloudWatch::Alarm")
    for action in ("DescribeAlarms", "ListTagsForResource", "TagResource", "SetAlarmState"):
        expected.add((f"cloudwatch:{action}", as_json(arn_of(alarm_id))))
    topic = {"Fn::If": ["SendAlarmEmail", {"Ref": "AlarmTopic"}, {"Fn::Sub": NO_TOPIC}]}
    expected.add(("sns:ListSubscriptionsByTopic", as_json(topic)))
    assert grants(role) == expected
    assert not role["Properties"].get("ManagedPolicyArns"), "managed policies grant Resource '*'"
    principal = role["Properties"]["AssumeRolePolicyDocument"]["Statement"][0]["Principal"]
    assert principal == {"Service": "lambda.amazonaws.com"}


def test_schedule_role_may_only_start_the_function_and_dead_letter(cfn):
    function_id, _ = only_resource(cfn, "AWS::Lambda::Function")
    _, schedule = only_resource(cfn, "AWS::Scheduler::Schedule")
    target = schedule["Properties"]["Target"]
    role = cfn["Resources"][target["RoleArn"][GET_ATT][0]]
    assert grants(role) == {
        ("lambda:InvokeFunction", as_json(arn_of(function_id))),
        ("sqs:SendMessage", as_json(target["DeadLetterConfig"]["Arn"])),
    }


def test_no_role_or_policy_uses_wildcards(cfn):
    roles = resources_of_type(cfn, "AWS::IAM::Role")
    assert len(roles) == 2
    policies = list(resources_of_type(cfn, "AWS::IAM::Policy").values())
    statements = [s for r in roles.values() for s in role_statements(r)]
    statements += [s for p in policies for s in p["Properties"]["PolicyDocument"]["Statement"]]
    for statement in statements:
        for field in ("Action", "Resource"):
            values = statement[field] if isinstance(statement[field], list) else [statement[field]]
            for value in values:
                assert not (isinstance(value, str) and "*" in value), statement
            if field == "Action":  # aws/ssm's key policy already covers SSM's use of it
                assert not [a for a in values if a.startswith("kms:")], statement


# --- alarms, dashboard, outputs -----------------------------------------------------------------
def alarms(cfn: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {k: r["Properties"] for k, r in resources_of_type(cfn, "AWS::CloudWatch::Alarm").items()}


def alarm_on(cfn: dict[str, Any], namespace: str, metric: str) -> dict[str, Any]:
    found = [
        a for a in alarms(cfn).values() if (a["Namespace"], a["MetricName"]) == (namespace, metric)
    ]
    assert found, f"no alarm on {namespace} {metric}"
    return found


def test_no_alarm_latches_on_a_queue_or_mails_every_failed_run(cfn):
    # A queue keeps a failed run's message 14 days: an alarm on it stays red long after a fix.
    # Lambda Errors counts transient failures that the next run cures: mail for none of them.
    watched = {(a["Namespace"], a["MetricName"]) for a in alarms(cfn).values()}
    assert not [w for w in watched if w[0] in ("AWS/SQS", "AWS/Lambda")], watched


def test_an_alarm_fires_after_25_minutes_without_a_push(cfn):
    (alarm,) = alarm_on(cfn, NAMESPACE, "Pushes")
    assert alarm["Dimensions"] == [{"Name": "service", "Value": {"Ref": "AWS::StackName"}}]
    assert alarm["Statistic"] == "Sum"
    # Every 5-minute period of the last 25 minutes without a push: one failed run never mails,
    # and an outage mails within 30 minutes of its first failed run (test_alarm_replay.py).
    assert alarm["Period"] * alarm["EvaluationPeriods"] == 1500
    assert alarm["DatapointsToAlarm"] == alarm["EvaluationPeriods"]
    assert (alarm["ComparisonOperator"], alarm["Threshold"]) == ("LessThanThreshold", 1)
    assert alarm["TreatMissingData"] == "breaching"  # no run at all is an outage too


def test_the_slowest_schedule_leaves_a_push_in_every_alarm_window(sam_template, cfn):
    (alarm,) = alarm_on(cfn, NAMESPACE, "Pushes")
    pattern = sam_template["Parameters"]["ScheduleExpression"]["AllowedPattern"]
    allowed = [m for m in range(1, 120) if re.fullmatch(pattern, f"rate({m} minutes)")]
    assert min(allowed) == 5
    # Two runs in each window: one failed run is no outage, as the alarm must assume.
    assert 2 * max(allowed) * 60 <= alarm["Period"] * alarm["EvaluationPeriods"]


def test_alarms_mail_only_when_an_address_is_given(cfn):
    condition = cfn["Conditions"]["SendAlarmEmail"]
    assert condition == {"Fn::Not": [{"Fn::Equals": [{"Ref": "AlarmEmail"}, ""]}]}
    topic_id, topic = only_resource(cfn, "AWS::SNS::Topic")
    _, subscription = only_resource(cfn, "AWS::SNS::Subscription")
    assert topic["Condition"] == subscription["Condition"] == "SendAlarmEmail"
    assert subscription["Properties"]["Endpoint"] == {"Ref": "AlarmEmail"}
    assert subscription["Properties"]["Protocol"] == "email"
    # No customer-managed key: it would cost $1 a month for messages that hold no secret.
    assert "KmsMasterKeyId" not in topic["Properties"]
    assert not resources_of_type(cfn, "AWS::KMS::Key")
    for name, alarm in alarms(cfn).items():
        assert alarm["AlarmActions"] == {
            "Fn::If": ["SendAlarmEmail", [{"Ref": topic_id}], {"Ref": "AWS::NoValue"}]
        }, name
        # One mail an outage (its end shows in the console and `make status`).
        assert "OKActions" not in alarm, name


def dashboard_metrics(cfn: dict[str, Any]) -> set[tuple[str, str]]:
    _, dashboard = only_resource(cfn, "AWS::CloudWatch::Dashboard")
    body, variables = dashboard["Properties"]["DashboardBody"]["Fn::Sub"]
    body = re.sub(r"\$\{(\w+)\}", lambda m: variables.get(m[1], m[1]), body)
    body = re.sub(r"\$\{AWS::(\w+)\}", r"\1", body)
    widgets = json.loads(body)["widgets"]
    return {(m[0], m[1]) for w in widgets for m in w["properties"].get("metrics", [])}


def test_dashboard_shows_power_flows_and_health(cfn):
    shown = dashboard_metrics(cfn)
    for metric in ("ProductionKw", "ConsumptionKw", "NetImportKw", "BatterySoc"):
        assert (NAMESPACE, metric) in shown, metric
    for metric in ("Failures", "FusionSolarCalls", "Logins"):
        assert (NAMESPACE, metric) in shown, metric
    assert ("AWS/Lambda", "Invocations") in shown


def test_dashboard_and_alarms_use_metrics_the_code_emits(cfn):
    used = {m for ns, m in dashboard_metrics(cfn) if ns == NAMESPACE}
    used |= {a["MetricName"] for a in alarms(cfn).values() if a["Namespace"] == NAMESPACE}
    sources = list((ROOT / "functions/poller").glob("*.py"))
    sources += list((ROOT / "layers/fusioncharge/fusioncharge").rglob("*.py"))
    code = "\n".join(p.read_text() for p in sources)
    missing = sorted(m for m in used if f'"{m}"' not in code)
    assert not missing, f"no code emits {missing}"


def test_outputs_link_to_the_consoles_of_the_stacks_region(cfn):
    outputs = cfn["Outputs"]
    for name in (
        "SecretConsoleUrl",
        "LogsConsoleUrl",
        "DashboardConsoleUrl",
        "FailureQueueConsoleUrl",
    ):
        value = outputs[name]["Value"]["Fn::Sub"]
        url = value[0] if isinstance(value, list) else value
        assert url.startswith("https://${AWS::Region}.console.aws.amazon.com/"), name
        assert "region=${AWS::Region}" in url, name


def test_secret_link_names_the_stacks_secret(cfn):
    _, secret = only_resource(cfn, "AWS::SecretsManager::Secret")
    name, name_vars = secret["Properties"]["Name"]["Fn::Sub"]
    url, url_vars = cfn["Outputs"]["SecretConsoleUrl"]["Value"]["Fn::Sub"]
    assert f"name={name.replace('/', '%2F')}&" in url
    assert url_vars == name_vars


# --- the template file itself -------------------------------------------------------------------
def test_every_resource_has_a_one_line_comment():
    lines = TEMPLATE.read_text().splitlines()
    start = lines.index("Resources:")
    end = lines.index("Outputs:")
    for number in range(start + 1, end):
        if re.fullmatch(r"  [A-Za-z0-9]+:", lines[number]):
            assert lines[number - 1].startswith("  # "), f"{lines[number]} has no comment above it"


# --- the user's edited secret must survive every deploy -----------------------------------------
# CloudFormation writes SecretString only when the template's value changes, and replaces the
# whole secret (a new one, placeholders again) when its Name changes. Users edit the value in the
# console; so both are pinned here, byte for byte: changing either resets every user's
# credentials on their next `make deploy`. Change them only with a migration plan.
PINNED_SECRET_STRING = (
    '{"fusionsolar_username": "REPLACE_ME", "fusionsolar_system_code": "REPLACE_ME", '
    '"chargehq_api_key": "REPLACE_ME"}'
)
PINNED_SECRET_NAME = [
    "${AWS::StackName}/credentials-${Id}",
    {
        "Id": {
            "Fn::Select": [
                0,
                {
                    "Fn::Split": [
                        "-",
                        {"Fn::Select": [2, {"Fn::Split": ["/", {"Ref": "AWS::StackId"}]}]},
                    ]
                },
            ]
        }
    },
]


def test_the_secret_placeholder_text_is_pinned(cfn):
    _, secret = only_resource(cfn, "AWS::SecretsManager::Secret")
    assert secret["Properties"]["SecretString"] == PINNED_SECRET_STRING


def test_a_deploy_never_replaces_or_rewrites_the_secret(cfn):
    secret_id, secret = only_resource(cfn, "AWS::SecretsManager::Secret")
    props = secret["Properties"]
    assert props["Name"] == {"Fn::Sub": PINNED_SECRET_NAME}  # a new name = a new, empty secret
    # Generated or parameter-driven values would change on a deploy; rotation would rewrite it.
    assert "GenerateSecretString" not in props
    assert "Ref" not in json.dumps(props["SecretString"])
    assert not resources_of_type(cfn, "AWS::SecretsManager::RotationSchedule")
    assert secret_id == "CredentialsSecret"  # a new logical id is a new secret too


def test_plant_lists_are_as_long_in_the_template_as_the_settings_accept(sam_template):
    from fusioncharge.settings.environment import MAX_STATION_CHARS

    for name in ("Station", "MeterPlants"):
        assert sam_template["Parameters"][name]["MaxLength"] == MAX_STATION_CHARS, name
