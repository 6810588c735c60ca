"""`python -m emulator [--port 8080] [--scenario file.json]`: serve FusionSolar in the foreground.

The first stdout line is the base URL (flushed), then one line per call. Stop with Ctrl-C.
The clock is real time, starting at the scenario's current_time_ms when it gives one.
"""

import argparse
import signal
import sys
import time

from emulator.clock import RealClock
from emulator.fusionsolar.scenario import ScenarioError, gives_time, load_scenario
from emulator.fusionsolar.server import CallRecord, FusionSolarEmulator


def _print_call(call: CallRecord) -> None:
    stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(call.time))
    code = f" failCode={call.fail_code}" if call.fail_code is not None else ""
    status = call.http_status if call.http_status is not None else "no-reply"
    print(f"{stamp} {call.interface} {call.outcome}{code} http={status}", flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m emulator", description=__doc__)
    parser.add_argument("--port", type=int, default=8080, help="0 picks a free port")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--scenario", help="scenario JSON file (emulator/scenarios/ has examples)")
    args = parser.parse_args(argv)
    try:
        scenario = load_scenario(args.scenario)
    except ScenarioError as e:
        print(f"emulator: {e}", file=sys.stderr)
        return 2
    given = gives_time(args.scenario)
    clock = RealClock(scenario["current_time_ms"] / 1000 if given else None)
    emu = FusionSolarEmulator(scenario, clock, host=args.host, port=args.port, on_call=_print_call)
    try:
        emu.start()
    except OSError as e:
        print(f"emulator: cannot listen on {args.host}:{args.port}: {e.strerror}", file=sys.stderr)
        return 2
    print(emu.base_url, flush=True)
    # Ctrl-C (and `kill`) stop it cleanly even when started from a script that runs it in the
    # background: such shells start it with SIGINT ignored, and Python then keeps it ignored.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        emu.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        emu.stop()
    return 0


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


if __name__ == "__main__":
    sys.exit(main())
