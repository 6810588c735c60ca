"""make mutate: mutate the promise modules and say which mutants the tests miss.

    python -m tools.mutation [MODULE ...]   # e.g. masking.py accounting/ (default: all)
    python -m tools.mutation --mistakes     # only the curated mistakes (mistakes.toml)
    python -m tools.mutation --list MODULE  # the mutants, without running anything
    python -m tools.mutation auth.py --match _forget_token  # only mutants whose name has it

Per module: its mutants (points.py), each run against the tests that matter for it
(modules.toml); prints the kill rate and every survivor; fails below the floor. Survivors
that no test can kill (the code means the same) are listed in equivalent.toml with the reason.
Then the curated mistakes (mistakes.toml), applied by their text: each must be killed.
"""

import argparse
import sys
import time
import tomllib
from pathlib import Path
from typing import Any

from tools.mutation.points import mutants
from tools.mutation.run import (
    KILLED,
    PACKAGE,
    SURVIVED,
    TIMEOUT,
    BrokenTests,
    baseline,
    original_of,
    run_tests,
    scratch_copy,
    source_of,
)

HERE = Path(__file__).parent


def _toml(name: str) -> dict[str, Any]:
    return tomllib.loads((HERE / name).read_text(encoding="utf-8"))


def modules(config: dict[str, Any], wanted: list[str]) -> dict[str, list[str]]:
    """Each promise module (a folder entry: each module in it) with its tests."""
    found: dict[str, list[str]] = {}
    for entry, tests in config["modules"].items():
        paths = [entry]
        if entry.endswith("/") and not entry.startswith("tools/"):
            found_in = sorted((PACKAGE / entry).glob("*.py"))
            paths = [str(p.relative_to(PACKAGE)) for p in found_in if p.name != "__init__.py"]
        for path in paths:
            if not wanted or any(path.startswith(w) for w in wanted):
                found[path] = tests
    return found


def mutate_module(
    layer: Path, module: str, tests: list[str], equivalent: dict[str, str], match: str = ""
) -> dict[str, Any]:
    target = source_of(layer, module)
    source = target.read_bytes()
    found = [m for m in mutants(module, source) if match in m.key]
    result: dict[str, Any] = {"total": len(found), "equivalent": 0, "killed": 0, "survivors": []}
    if not found:
        return result
    seconds = baseline(layer, tests)
    timeout = max(20.0, 4 * seconds + 10)
    try:
        for m in found:
            if m.key in equivalent:
                result["equivalent"] += 1
                continue
            target.write_bytes(m.apply(source))
            verdict = run_tests(layer, tests, timeout)
            if verdict in (KILLED, TIMEOUT):
                result["killed"] += 1
            else:
                result["survivors"].append(m)
    finally:
        target.write_bytes(source)
    keys = {m.key for m in found}
    result["stale"] = (
        []
        if match
        else sorted(k for k in equivalent if k.startswith(f"{module}::") and k not in keys)
    )
    return result


def rate(result: dict[str, Any]) -> float:
    counted = result["total"] - result["equivalent"]
    return result["killed"] / counted if counted else 1.0


def report(module: str, result: dict[str, Any], seconds: float, floor: float) -> bool:
    ok = rate(result) >= floor
    print(
        f"{module:32} {result['total']:4d} mutants  {result['killed']:4d} killed  "
        f"{result['equivalent']:3d} equivalent  {len(result['survivors']):3d} survived  "
        f"{100 * rate(result):5.1f} %  {seconds:5.0f} s{'' if ok else '  BELOW THE FLOOR'}",
        flush=True,
    )
    for m in result["survivors"]:
        print(f"    survived, line {m.line}: {m.key}")
    for key in result.get("stale", ()):
        print(f"    equivalent.toml names a mutant that no longer exists: {key}")
    return ok


def mistakes(layer: Path, config: dict[str, Any], wanted: list[str]) -> bool:
    """Apply each curated mistake by its text; True when every one is found and killed."""
    ok = True
    for mistake in _toml("mistakes.toml")["mistake"]:
        module = mistake["module"]
        if wanted and not any(module.startswith(w) for w in wanted):
            continue
        target = source_of(layer, module)
        source = target.read_text(encoding="utf-8")
        count = source.count(mistake["find"])
        name = f"mistake {mistake['id']} ({module})"
        if count != 1:
            print(
                f"{name}: its text occurs {count} times, not once: the code changed; update "
                f"'find' in tools/mutation/mistakes.toml to the new code\n    find: "
                f"{mistake['find']!r}"
            )
            ok = False
            continue
        tests = modules(config, [module])[module]
        try:
            target.write_text(source.replace(mistake["find"], mistake["replace"]), "utf-8")
            verdict = run_tests(layer, tests, timeout=600)
        finally:
            target.write_text(source, encoding="utf-8")
        print(f"{name}: {verdict.upper()}: {mistake['what']}", flush=True)
        ok = ok and verdict != SURVIVED
    return ok


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.mutation")
    parser.add_argument("module", nargs="*", help="modules or folders inside the package")
    parser.add_argument("--mistakes", action="store_true", help="only the curated mistakes")
    parser.add_argument("--list", action="store_true", help="list the mutants, run nothing")
    parser.add_argument("--match", default="", help="only the mutants whose name holds this")
    args = parser.parse_args(argv)
    config = _toml("modules.toml")
    floor = config["floor"]
    equivalent = {e["key"]: e["reason"] for e in _toml("equivalent.toml").get("equivalent", [])}
    chosen = modules(config, args.module)
    if args.list:
        for module in chosen:
            for m in mutants(module, original_of(module).read_bytes()):
                mark = "  (equivalent)" if m.key in equivalent else ""
                print(f"{m.line:4d}  {m.key}{mark}")
        return 0
    started, ok = time.monotonic(), True
    with scratch_copy(m for m in chosen if m.startswith("tools/")) as layer:
        try:
            if not args.mistakes:
                print(f"Mutating {len(chosen)} modules; floor {100 * floor:.0f} % killed each")
                for module, tests in chosen.items():
                    begun = time.monotonic()
                    result = mutate_module(layer, module, tests, equivalent, args.match)
                    ok &= report(module, result, time.monotonic() - begun, floor)
            if not args.match:
                ok &= mistakes(layer, config, args.module)
        except BrokenTests as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
    print(f"{'OK' if ok else 'FAILED'} in {time.monotonic() - started:.0f} s")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
