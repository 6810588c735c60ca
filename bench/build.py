"""Size of what is deployed: `sam build` into a temporary folder, measured unzipped and zipped."""

import compileall
import io
import os
import py_compile
import shutil
import subprocess
import zipfile
from dataclasses import dataclass
from pathlib import Path

from tools.local.lambda_env import ROOT

SAM = ROOT / ".venv-sam" / "bin" / "sam"
LAYER, FUNCTION = "FusionchargeLayer", "PollerFunction"


class BuildFailed(RuntimeError):
    """sam build is missing or failed; the message says how to get it working."""


@dataclass(frozen=True)
class Built:
    layer: Path  # the layer's artifact folder (holds python/)
    function: Path

    @property
    def layer_python(self) -> Path:
        return self.layer / "python"


def sam_build(out: Path, timeout: float = 240) -> Built:
    """A clean `sam build` (no cache) of template.yaml into `out`."""
    if not SAM.exists():
        raise BuildFailed(f"{SAM} is missing: run `make venv` to install the AWS SAM CLI")
    env = {
        **os.environ,
        # sam runs pip as python3.13 from PATH: the dev venv's interpreter goes first.
        "PATH": f"{ROOT / '.venv' / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}",
        "AWS_DEFAULT_REGION": "us-east-1",  # sam wants a region; nothing calls AWS
        "SAM_CLI_TELEMETRY": "0",
    }
    command = [
        str(SAM),
        "build",
        "--template",
        str(ROOT / "template.yaml"),
        "--build-dir",
        str(out / "build"),
        "--cache-dir",
        str(out / "cache"),
        "--no-cached",
    ]
    done = subprocess.run(
        command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )
    if done.returncode != 0:
        raise BuildFailed(f"sam build failed:\n{(done.stdout + done.stderr)[-3000:]}")
    return Built(out / "build" / LAYER, out / "build" / FUNCTION)


def folder_bytes(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def zipped_bytes(folder: Path) -> int:
    """Size of the folder zipped (deflate) the way sam package uploads it, built in memory."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                archive.write(path, path.relative_to(folder))
    return len(buffer.getvalue())


def compiled_copy(built: Built, out: Path) -> Built:
    """A copy with .pyc files that stay valid after zipping (hash-checked, not by mtime)."""
    copy = Built(out / LAYER, out / FUNCTION)
    shutil.copytree(built.layer, copy.layer)
    shutil.copytree(built.function, copy.function)
    for folder in (copy.layer, copy.function):
        compileall.compile_dir(
            folder,
            quiet=1,
            workers=0,
            invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH,
        )
    return copy
