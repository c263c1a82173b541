"""The rendered program served locally: the real handlers with the real SDK layer, exporting to
the local ingest; and `serve` leaving nothing behind when it is stopped."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from harness.ingest import ANY_ROUTE, TRACES, IngestServer
from harness.lambda_report import decode_log_result, parse_report
from harness.local.api import LambdaApi
from harness.local.from_capture import specs_from_capture
from harness.local.paths import LOCAL_BUILD
from harness.local.procs import descendants, port_accepts
from harness.local.registry import Registry
from harness.local.serve import local_api_key, with_ingest
from harness.program.render import render
from infra.spec import DEFAULT_RUNTIME, REPO_ROOT
from tests.harness.local.fixtures import all_dead, lambda_client, wait_until

pytestmark = pytest.mark.slow

EVENT = json.dumps({"test_type": "ci_validation", "data": {"message": "CI test"}}).encode()


@pytest.fixture
def served(sdk_layer: Path, tmp_path: Path) -> Iterator[tuple[Any, IngestServer, dict[str, Any]]]:
    """The `ci` stack's functions in this process: a boto3 client for the Lambda API, the
    ingest, and the outputs document `serve` would write."""
    capture = render("ci", overrides={"flushTimeoutMs": "1000"})  # faults cost 1 s, not 5
    specs = specs_from_capture(capture)
    key = local_api_key(specs)
    with IngestServer(api_key=key, secret=key) as ingest:
        registry = Registry(
            [with_ingest(spec, ingest.url, key) for spec in specs],
            runtime_root=LOCAL_BUILD / "runtime",
            workdir=tmp_path / "run",
            layer_cache=LOCAL_BUILD / "layers",
        )
        try:
            with LambdaApi(registry) as api:
                outputs = {**capture.outputs, "endpointUrl": api.url, "ingestUrl": ingest.url}
                yield lambda_client(api.url), ingest, outputs
        finally:
            registry.close()


def invoke(client: Any, name: str) -> tuple[dict[str, Any], Any]:
    response = client.invoke(FunctionName=name, Payload=EVENT, LogType="Tail")
    assert "FunctionError" not in response, response["Payload"].read()
    payload = json.loads(response["Payload"].read())
    assert payload["statusCode"] == 200, payload
    return json.loads(payload["body"]), parse_report(decode_log_result(response["LogResult"]))


def test_spans_arrive_at_the_ingest_as_json_then_as_protobuf(served: Any) -> None:
    client, ingest, outputs = served
    functions = outputs["functions"]
    name = functions["working_sdk_test"]["name"]
    body, report = invoke(client, name)
    assert (body["status"], body["coldStart"], body["flushSuccess"]) == ("SUCCESS", True, True)
    assert report.init_duration_ms is not None
    assert len(ingest.spans(body["sessionId"])) >= 1
    config = client.get_function_configuration(FunctionName=name)
    variables = {**config["Environment"]["Variables"], "HH_OTLP_PROTOCOL": "http/protobuf"}
    client.update_function_configuration(FunctionName=name, Environment={"Variables": variables})
    client.get_waiter("function_updated_v2").wait(FunctionName=name)
    body, report = invoke(client, name)
    assert body["coldStart"] is True and report.init_duration_ms is not None
    assert len(ingest.spans(body["sessionId"])) >= 1
    exports = [r["contentType"] for r in ingest.requests() if r["path"] == TRACES]
    assert exports[0].startswith("application/json")
    assert exports[-1].startswith("application/x-protobuf")
    assert ingest.secret_hits() == []


def test_ingest_faults_do_not_hang_the_caller(served: Any) -> None:
    client, ingest, outputs = served
    functions = outputs["functions"]
    for key in ("working_sdk_test", "basic_tracing"):
        invoke(client, functions[key]["name"])  # warm
    ingest.set_fault(ANY_ROUTE, delay=120)
    for key in ("working_sdk_test", "basic_tracing"):
        body, report = invoke(client, functions[key]["name"])
        assert body["flushSuccess"] is False
        assert report.status == "success"  # returned on its own, long before the timeout
    ingest.set_fault(ANY_ROUTE, refuse=True)
    body, report = invoke(client, functions["cold_start_test"]["name"])
    assert body["flushSuccess"] is False
    assert report.status == "success"


# --- the command ------------------------------------------------------------------------------


def start_serve(outputs: Path, log: Path) -> subprocess.Popen[bytes]:
    with log.open("wb") as sink:
        return subprocess.Popen(
            [sys.executable, "-m", "harness", "local", "serve", "--stack", "ci",
             "--outputs", str(outputs)],
            cwd=REPO_ROOT,
            stdout=sink,
            stderr=subprocess.STDOUT,
            env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(log.parent)},
        )  # fmt: skip


def rie_ports(pids: list[int]) -> list[int]:
    ports = []
    for pid in pids:
        args = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        for flag in (b"--runtime-interface-emulator-address", b"--runtime-api-address"):
            if flag in args:
                ports.append(int(args[args.index(flag) + 1].rsplit(b":", 1)[1]))
    return ports


@pytest.mark.parametrize("stop_with", [signal.SIGTERM, signal.SIGINT], ids=["TERM", "INT"])
def test_serve_writes_outputs_and_stops_everything_it_started(
    sdk_layer: Path, tmp_path: Path, stop_with: signal.Signals
) -> None:
    outputs = tmp_path / "outputs.json"
    serve = start_serve(outputs, tmp_path / "serve.log")
    try:
        wait_until(lambda: outputs.is_file() or serve.poll() is not None, 180, "the outputs file")
        assert serve.poll() is None, (tmp_path / "serve.log").read_text()
        document = json.loads(outputs.read_text())
        assert set(document) == {
            "functions", "layerArns", "region", "sdk", "endpointUrl", "ingestUrl",
            "localRuntimes",
        }  # fmt: skip
        # What the report says each runtime ran on: here the stack's default, natively.
        (runtime,) = document["localRuntimes"].values()
        assert runtime["emulated"] is False and runtime["timeScale"] == 1.0
        assert runtime["python"].startswith(DEFAULT_RUNTIME.removeprefix("python") + ".")
        assert set(document["functions"]) == {
            "working_sdk_test", "cold_start_test", "basic_tracing", "baseline",
        }  # fmt: skip
        assert "hh_local_" not in outputs.read_text()
        client = lambda_client(document["endpointUrl"])
        for key in ("baseline", "working_sdk_test"):
            body, _ = invoke(client, document["functions"][key]["name"])
            assert body["status"] == "SUCCESS"
        started = descendants(serve.pid)
        assert len(started) >= 4  # two RIEs and their runtimes
        ports = [int(document[url].rsplit(":", 1)[1]) for url in ("endpointUrl", "ingestUrl")]
        ports += rie_ports(started)
        serve.send_signal(stop_with)
        assert serve.wait(60) == 0, (tmp_path / "serve.log").read_text()
    finally:
        if serve.poll() is None:
            serve.kill()
            serve.wait()
    assert all_dead(started), f"left running: {[p for p in started if not all_dead([p])]}"
    assert not [port for port in ports if port_accepts(port)]
    assert not (LOCAL_BUILD / "run" / f"ci-{serve.pid}").exists()
    assert not outputs.exists()  # its URLs are dead: nobody may wait for it and find it
    log = (tmp_path / "serve.log").read_text()
    assert "stopped: every environment, the Lambda API and the ingest are down" in log
