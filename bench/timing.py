"""Latency figures: percentiles of handler time, and the cold import of the handler module."""

import os
import statistics
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

from tools.local.lambda_env import ROOT

SOURCE_PATH = (ROOT / "layers" / "fusioncharge", ROOT / "functions" / "poller")
_IMPORT = (
    "import time; t = time.perf_counter(); import app; print((time.perf_counter() - t) * 1000)"
)


def percentile(values: Sequence[float], pct: float) -> float:
    """The pct-th percentile, interpolated between the closest ranks (like numpy's default)."""
    if not values:
        raise ValueError("no values to take a percentile of")
    ordered = sorted(values)
    rank = (len(ordered) - 1) * pct / 100
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def cold_import_ms(
    paths: Sequence[Path] = SOURCE_PATH, runs: int = 7, bytecode: bool = True
) -> float:
    """Median time to `import app` in a fresh interpreter, with `paths` first on sys.path.

    The venv's site-packages stand in for the Lambda runtime's boto3. bytecode=False writes no
    .pyc files: on a fresh `sam build`, which ships none, every import compiles its module, as
    in Lambda, where /opt and /var/task are read-only and nothing compiled is kept.
    """
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(str(p) for p in paths),
        "POWERTOOLS_SERVICE_NAME": "fusionsolar-chargehq",
        "AWS_DEFAULT_REGION": "us-east-1",
    }
    command = [sys.executable, "-c", _IMPORT]
    if not bytecode:
        env["PYTHONDONTWRITEBYTECODE"] = "1"
    else:
        _run(command, env)  # a first import writes the .pyc files the later ones read
    return statistics.median(_run(command, env) for _ in range(runs))


def _run(command: list[str], env: dict[str, str]) -> float:
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=60, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"importing the handler failed:\n{done.stderr[-2000:]}")
    return float(done.stdout.strip().splitlines()[-1])
