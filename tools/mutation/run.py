"""Run one module's tests against each of its mutants, in a forked child per mutant.

The package (and tools/, for make status's own modules) is copied once to a scratch folder;
each mutant is written into the copy and a child (forked from this process, with pytest and
hypothesis already imported) runs the module's tests there with `-x`: the first failure kills
the mutant. No bytecode is written (a mutant of the same size in the same second would
otherwise reuse a stale .pyc). Hypothesis runs derandomized with no example database, so a
run's verdicts repeat.
"""

import os
import shutil
import signal
import sys
import tempfile
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from hypothesis import settings

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "layers" / "fusioncharge" / "fusioncharge"
KILLED, SURVIVED, TIMEOUT = "killed", "survived", "timeout"

settings.register_profile("mutate", database=None, derandomize=True, deadline=None)


class BrokenTests(Exception):
    """The tests fail, or find nothing, on the unmutated code: no verdict is possible."""


def source_of(layer: Path, module: str) -> Path:
    """Where a promise module is in a copy: tools/... beside the package, else inside it."""
    return layer / module if module.startswith("tools/") else layer / "fusioncharge" / module


def original_of(module: str) -> Path:
    """Where a promise module is in the repository."""
    return ROOT / module if module.startswith("tools/") else PACKAGE / module


@contextmanager
def scratch_copy(tools_modules: Iterable[str] = ()) -> Iterator[Path]:
    """A copy of the package, in a folder that takes the layer's place on sys.path; and of the
    tools/ packages holding modules to mutate (e.g. all of tools/status/), which come first in
    the `tools` package's path (only they: the rest of tools/ finds the repository from its own
    place)."""
    with tempfile.TemporaryDirectory(prefix="mutate-") as folder:
        shutil.copytree(PACKAGE, Path(folder) / "fusioncharge", ignore=_no_bytecode)
        for package in {Path(module).parent for module in tools_modules}:
            target = Path(folder) / package
            if not target.exists():
                shutil.copytree(ROOT / package, target, ignore=_no_bytecode)
        yield Path(folder)


def _no_bytecode(_dir: str, names: list[str]) -> list[str]:
    return [n for n in names if n == "__pycache__" or n.endswith(".pyc")]


def run_tests(layer: Path, tests: list[str], timeout: float, quiet: bool = True) -> str:
    """KILLED, SURVIVED or TIMEOUT for the code now in `layer`."""
    pid = os.fork()
    if pid == 0:  # the child: never returns
        code = 3
        try:
            code = _child(layer, tests, quiet)
        finally:
            os._exit(code)
    deadline = time.monotonic() + timeout
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            code = os.waitstatus_to_exitcode(status)
            break
        if time.monotonic() > deadline:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            return TIMEOUT
        time.sleep(0.02)
    if code in (pytest.ExitCode.USAGE_ERROR, pytest.ExitCode.NO_TESTS_COLLECTED):
        raise BrokenTests(f"pytest could not run {' '.join(tests)} (exit code {code})")
    return SURVIVED if code == 0 else KILLED


def _child(layer: Path, tests: list[str], quiet: bool) -> int:
    if quiet:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 1)
        os.dup2(devnull, 2)
    sys.dont_write_bytecode = True
    os.chdir(ROOT)
    sys.path[:0] = [str(layer), str(ROOT / "functions" / "poller"), str(ROOT)]
    if (layer / "tools").is_dir():
        import tools  # already imported (this runs in tools.mutation): the copied ones first

        tools.__path__.insert(0, str(layer / "tools"))
    args = ["-x", "-q", "-p", "no:cacheprovider", "--hypothesis-profile=mutate"]
    # The layer comes from the copy: pyproject's pythonpath would put the original first.
    args += ["-o", "pythonpath=", "-o", "addopts=", "-W", "ignore::DeprecationWarning"]
    return int(pytest.main([*args, *tests]))


def baseline(layer: Path, tests: list[str]) -> float:
    """Seconds the tests take on the unmutated copy; BrokenTests when they fail there."""
    started = time.monotonic()
    if run_tests(layer, tests, timeout=600) != SURVIVED:
        run_tests(layer, tests, timeout=600, quiet=False)  # again, showing why
        raise BrokenTests(f"the tests fail on the unmutated code: {' '.join(tests)}")
    return time.monotonic() - started
