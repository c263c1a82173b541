"""`python -m harness ingest`: the local HoneyHive-compatible endpoint, until SIGINT/SIGTERM.

Prints one line when ready (`ingest listening on http://HOST:PORT`) so a parent process can
read the URL, then serves until signalled and exits 0 after a clean shutdown.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
from types import FrameType

from harness.ingest.errors import IngestError
from harness.ingest.faults import parse_fault
from harness.ingest.server import IngestServer


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m harness ingest",
        description="Serve a HoneyHive-compatible endpoint (session start, OTLP traces).",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=0, help="port to bind (default 0: a free one)")
    parser.add_argument(
        "--fault",
        action="append",
        default=[],
        metavar="ROUTE=STATUS|delay:S|refuse",
        help="inject a fault on /session/start, /opentelemetry/v1/traces or * (repeatable)",
    )
    parser.add_argument(
        "--api-key-env",
        metavar="NAME",
        help="accept only the bearer token held in this environment variable (default: any)",
    )
    return parser


def main(argv: list[str]) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    api_key = None
    if args.api_key_env:
        api_key = os.environ.get(args.api_key_env)
        if not api_key:
            parser.error(f"--api-key-env: environment variable {args.api_key_env} is not set")
    try:
        faults = [parse_fault(spec) for spec in args.fault]
    except IngestError as exc:
        parser.error(f"--fault: {exc}")

    stop = threading.Event()

    def _on_signal(signum: int, _frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, _on_signal)
    signal.signal(signal.SIGINT, _on_signal)
    with IngestServer(args.host, args.port, api_key=api_key) as server:
        for route, fault in faults:
            server.add_fault(route, fault)
        print(f"ingest listening on {server.url}", flush=True)
        stop.wait()
    print("ingest stopped", file=sys.stderr, flush=True)
    return 0
