"""`python -m harness local check --outputs FILE`: invoke each served function once, print a table.

Reads the outputs `serve` wrote (or any stack outputs with `endpointUrl`), invokes every function
with the seed's payload through boto3 (`LogType=Tail`), and prints, per function: the answer, Init
Duration, Duration, Max Memory Used (from the REPORT line) and how many spans the ingest received
for the session the function reported. Exit 0 when every function answered statusCode 200 and,
for the SDK functions, flushed successfully and every span it made reached the ingest.
"""

from __future__ import annotations

import argparse
import json
import sys
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import boto3

from harness.lambda_report import decode_log_result, parse_report

SEED_EVENT = {"test_type": "ci_validation", "data": {"message": "CI test"}}


@dataclass(frozen=True)
class Row:
    function: str
    answer: str
    problems: tuple[str, ...]
    init_ms: float | None
    duration_ms: float
    max_memory_mb: int
    spans: int | None


def check(outputs: dict[str, Any]) -> list[Row]:
    client = boto3.client(
        "lambda",
        endpoint_url=outputs["endpointUrl"],
        region_name=outputs.get("region") or "us-east-1",
        aws_access_key_id="local",
        aws_secret_access_key="local",
    )
    rows = []
    for key, function in sorted(outputs["functions"].items()):
        response = client.invoke(
            FunctionName=function["name"], Payload=json.dumps(SEED_EVENT), LogType="Tail"
        )
        report = parse_report(decode_log_result(response["LogResult"]))
        payload = json.loads(response["Payload"].read() or b"null")
        status, body = _answer(payload)
        answer = response.get("FunctionError") or f"{status} {body.get('status', '')}".strip()
        session = body.get("sessionId")
        spans = _spans(outputs.get("ingestUrl"), session) if session else None
        problems = _problems(response, status, body, spans)
        init, duration = report.init_duration_ms, report.duration_ms
        rows.append(Row(key, answer, problems, init, duration, report.max_memory_used_mb, spans))
    return rows


def _problems(
    response: Any, status: int | None, body: dict[str, Any], spans: int | None
) -> tuple[str, ...]:
    """Why a function's answer is not a pass: an error, or (SDK functions) lost spans."""
    if "FunctionError" in response or status != 200:
        return ("did not answer 200",)
    if not body.get("sessionId"):
        return ()  # baseline: no SDK, nothing exported
    problems = []
    if body.get("flushSuccess") is not True:
        problems.append("its flush did not succeed")
    expected = body.get("spanCount")
    if isinstance(expected, int) and spans is not None and spans < expected:
        problems.append(f"the ingest received {spans} of its {expected} span(s)")
    return tuple(problems)


def _answer(payload: Any) -> tuple[int | None, dict[str, Any]]:
    if not isinstance(payload, dict):
        return None, {}
    try:
        body = json.loads(payload.get("body") or "{}")
    except ValueError:
        body = {}
    return payload.get("statusCode"), body if isinstance(body, dict) else {}


def _spans(ingest_url: str | None, session: str) -> int | None:
    if not ingest_url:
        return None
    url = f"{ingest_url}/_ingest/sessions/{quote(session, safe='')}/spans"
    try:
        with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 - our own ingest
            return len(json.load(response))
    except urllib.error.HTTPError as exc:
        if exc.code == 404:
            return 0
        raise


def table(rows: list[Row]) -> str:
    header = ("function", "answer", "init ms", "duration ms", "max memory", "spans received")
    cells = [header] + [
        (
            row.function,
            row.answer,
            f"{row.init_ms:.2f}" if row.init_ms is not None else "-",
            f"{row.duration_ms:.2f}",
            f"{row.max_memory_mb} MB",
            "-" if row.spans is None else str(row.spans),
        )
        for row in rows
    ]
    widths = [max(len(line[i]) for line in cells) for i in range(len(header))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(line, widths, strict=True)) for line in cells]
    return "\n".join(line.rstrip() for line in lines)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m harness local check",
        description="Invoke each function of a served stack once and print a table.",
    )
    parser.add_argument("--outputs", type=Path, required=True, help="the outputs `serve` wrote")
    args = parser.parse_args(argv)
    try:
        outputs = json.loads(args.outputs.read_text())
    except (OSError, ValueError) as exc:
        print(f"local check: cannot read {args.outputs}: {exc}", file=sys.stderr)
        return 2
    if "endpointUrl" not in outputs:
        print(
            f"local check: {args.outputs} has no endpointUrl: is it from `serve`?", file=sys.stderr
        )
        return 2
    rows = check(outputs)
    print(table(rows))
    failed = [f"{row.function}: {'; '.join(row.problems)}" for row in rows if row.problems]
    for line in failed:
        print(f"local check: {line}", file=sys.stderr)
    return 1 if failed else 0
