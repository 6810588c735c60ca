"""A brand-new AWS account's first `make deploy`, with the stand-in `sam` and `aws`.

A new account may run only 10 Lambda functions at once and refuses any reserved concurrency,
and a failed first create used to leave a stack in ROLLBACK_COMPLETE that no later deploy could
update. Both must be survivable by just running `make deploy` again.
"""

import tomllib

from tests.infrastructure.test_frame import calls, make, project, save_guided_answers
from tests.support.cfn import ROOT

__all__ = ["project"]  # the fixture, shared with test_frame


def deploy_config(project_dir, call: str) -> dict:
    """The [default.deploy.parameters] of the config file a `sam deploy` call was given."""
    name = call.split("--config-file ", 1)[1].split()[0]
    return tomllib.loads((project_dir / name).read_text())["default"]["deploy"]["parameters"]


def test_a_failed_first_create_deletes_its_stack(project):
    save_guided_answers(project, "my-solar", "eu-central-1")
    (project / "calls.log").unlink(missing_ok=True)
    assert make(project, "deploy").returncode == 0
    (deploy,) = [c for c in calls(project, "sam") if c.startswith("sam deploy")]
    # SAM's on_failure: DELETE removes a stack whose create failed, ROLLBACK would keep it.
    assert deploy_config(project, deploy)["on_failure"] == "DELETE"
    assert (
        "on_failure"
        in tomllib.loads((ROOT / "samconfig.toml").read_text())["default"]["deploy"]["parameters"]
    )


def test_a_stack_left_in_rollback_complete_is_deleted_before_deploying(project):
    save_guided_answers(project, "my-solar", "eu-central-1")
    (project / "calls.log").unlink(missing_ok=True)
    result = make(project, "deploy", STACK_STATUS="ROLLBACK_COMPLETE")
    assert result.returncode == 0, result.stderr
    aws = calls(project, "aws")
    delete = "aws cloudformation delete-stack --stack-name my-solar --region eu-central-1"
    assert delete in aws
    assert aws.index(delete) < len(aws) - 1 and "wait stack-delete-complete" in aws[-1]
    log = calls(project)
    assert log.index(aws[-1]) < log.index("sam deploy --config-file samconfig.local.toml")
    assert "failed to create earlier" in result.stdout


def test_a_working_stack_is_never_deleted(project):
    save_guided_answers(project, "my-solar", "eu-central-1")
    for status in ("CREATE_COMPLETE", "UPDATE_ROLLBACK_COMPLETE", ""):
        (project / "calls.log").unlink(missing_ok=True)
        assert make(project, "deploy", STACK_STATUS=status).returncode == 0
        assert not [c for c in calls(project) if "delete-stack" in c], status
        assert "sam deploy --config-file samconfig.local.toml" in calls(project)
