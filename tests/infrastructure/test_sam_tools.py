"""The template through the real tools: cfn-lint, `sam validate --lint` and `sam build`.

No AWS call: a fake region and no credentials. `sam build` fetches the layer's pinned wheels
from the package index, once per session.
"""

import subprocess
from pathlib import Path

import pytest

from tests.support.cfn import ROOT, SAM, TEMPLATE, VENV_BIN, require

ELF_MACHINE_AARCH64 = 183


def run(
    command: list[str], env: dict[str, str], timeout: float, cwd: Path = ROOT
) -> subprocess.CompletedProcess:
    return subprocess.run(
        command, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )


def test_cfn_lint_is_clean(offline_aws_env):
    cfn_lint = require(VENV_BIN / "cfn-lint", "installed from requirements-dev.txt")
    result = run([str(cfn_lint), str(TEMPLATE)], offline_aws_env, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr


def test_sam_validate_lint_is_clean(offline_aws_env):
    sam = require(SAM, "the AWS SAM CLI from requirements-sam.txt")
    result = run(
        [str(sam), "validate", "--lint", "--template", str(TEMPLATE)], offline_aws_env, 120
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.fixture(scope="module")
def build_dir(tmp_path_factory, offline_aws_env) -> Path:
    sam = require(SAM, "the AWS SAM CLI from requirements-sam.txt")
    require(VENV_BIN / "python3.13", "sam build runs pip as python3.13 from PATH")
    out = tmp_path_factory.mktemp("sam-build")
    command = [str(sam), "build", "--template", str(TEMPLATE), "--build-dir", str(out / "build")]
    command += ["--cache-dir", str(out / "cache"), "--no-use-container"]
    # From the build's own folder: sam build leaves .aws-sam/deps in its working directory, which
    # in the checkout is shared with a second test run.
    result = run(command, offline_aws_env, timeout=600, cwd=out)
    assert result.returncode == 0, result.stdout + result.stderr
    return out / "build"


def test_build_packs_the_library_and_its_dependencies(build_dir):
    layer = build_dir / "FusionchargeLayer" / "python"
    assert (layer / "fusioncharge" / "__init__.py").is_file()
    assert (layer / "requests" / "__init__.py").is_file()
    assert (layer / "aws_lambda_powertools").is_dir()
    source = ROOT / "layers" / "fusioncharge" / "fusioncharge"
    for module in source.rglob("*.py"):
        packed = layer / "fusioncharge" / module.relative_to(source)
        assert packed.read_bytes() == module.read_bytes()


def test_build_leaves_boto3_to_the_runtime(build_dir):
    layer = build_dir / "FusionchargeLayer" / "python"
    bundled = sorted(p.name for p in layer.iterdir() if p.name.lower().startswith(("boto", "s3t")))
    assert not bundled, f"the layer bundles {bundled}; the Lambda runtime provides boto3"


def test_build_targets_arm64(build_dir):
    libraries = list((build_dir / "FusionchargeLayer").rglob("*.so"))
    assert libraries, "expected compiled wheels (charset_normalizer) in the layer"
    for library in libraries:
        header = library.read_bytes()[:20]
        assert header[:4] == b"\x7fELF", library
        assert int.from_bytes(header[18:20], "little") == ELF_MACHINE_AARCH64, library


def test_build_contains_the_handler(build_dir):
    assert (build_dir / "PollerFunction" / "app.py").is_file()
    assert (build_dir / "template.yaml").is_file()
