"""boto3's Lambda client against the local endpoint: Invoke (all three types), errors,
configuration and its updates, tags, waiters, bursts."""

from __future__ import annotations

import base64
import json
import re
import socket
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from harness.lambda_report import decode_log_result, parse_report
from harness.local.api import LambdaApi
from harness.local.config import FunctionConfig
from harness.local.registry import Registry
from harness.local.toolchain import Toolchain
from infra.naming import log_group_name
from tests.harness.local.fixtures import lambda_client, local_client, spec, wait_until

pytestmark = pytest.mark.slow
FUNCTIONS = ("echo", "fail", "sleep", "hog", "chatty")
UPDATE_DELAY_S = 3.0
"""Long enough to look at an update in progress, even on a busy machine."""
EVENT_RETRY_DELAYS_S = (0.1, 0.2)


@pytest.fixture
def specs(tools: Toolchain) -> list[FunctionConfig]:
    return [
        spec(f"{name}-fn", name, environment={"WHO": name}, tags={"team": "sdk", "who": name})
        for name in FUNCTIONS
    ]


@pytest.fixture
def registry(specs: list[FunctionConfig], tools: Toolchain, tmp_path: Path) -> Iterator[Registry]:
    registry = Registry(
        specs,
        runtime_root=tools.runtime_dir.parent,
        workdir=tmp_path / "run",
        layer_cache=tmp_path / "layers",
        log_dir=tmp_path / "logs",
        max_environments=20,
        update_delay_s=UPDATE_DELAY_S,
        event_retry_delays_s=EVENT_RETRY_DELAYS_S,
    )
    yield registry
    registry.close()


@pytest.fixture
def client(registry: Registry) -> Iterator[Any]:
    with LambdaApi(registry) as api:
        yield lambda_client(api.url, max_pool_connections=25, retries={"max_attempts": 1})


def test_invoke_with_log_tail(client: Any) -> None:
    response = client.invoke(FunctionName="echo-fn", Payload=b'{"n": 1}', LogType="Tail")
    assert response["StatusCode"] == 200
    assert "FunctionError" not in response
    assert response["ExecutedVersion"] == "$LATEST"
    payload = json.loads(response["Payload"].read())
    assert payload["event"] == {"n": 1}
    log = decode_log_result(response["LogResult"])
    report = parse_report(log)
    assert report.request_id == payload["requestId"]
    assert response["ResponseMetadata"]["RequestId"] == payload["requestId"]
    assert report.init_duration_ms is not None
    assert log.startswith("INIT_START Runtime Version: ")
    assert f"\ninit: module loaded\nSTART RequestId: {report.request_id}" in log
    warm = parse_report(
        decode_log_result(client.invoke(FunctionName="echo-fn", LogType="Tail")["LogResult"])
    )
    assert warm.init_duration_ms is None


def test_each_invocations_log_is_in_its_environments_stream(
    client: Any, registry: Registry
) -> None:
    """What the suite's attribution reads on AWS: FilterLogEvents on the function's log group."""
    request_id = json.loads(client.invoke(FunctionName="echo-fn")["Payload"].read())["requestId"]
    logs = local_client("logs", client.meta.endpoint_url)

    found = logs.filter_log_events(
        logGroupName=log_group_name("echo-fn"), filterPattern=f'"{request_id}"'
    )["events"]

    assert {e["message"].split("RequestId: ")[0] for e in found} >= {"START ", "END ", "REPORT "}
    streams = logs.describe_log_streams(logGroupName=log_group_name("echo-fn"))["logStreams"]
    assert {e["logStreamName"] for e in found} == {s["logStreamName"] for s in streams}
    assert re.fullmatch(r"\d{4}/\d{2}/\d{2}/\[\$LATEST\]\w+", streams[0]["logStreamName"])
    with pytest.raises(ClientError, match="ResourceNotFoundException"):
        logs.filter_log_events(logGroupName=log_group_name("never-invoked"))


def test_a_log_record_is_one_event_and_a_printed_line_is_one_event(client: Any) -> None:
    """awslambdaric frames each `logging` record on the telemetry log fd: Lambda files it as one
    event however many lines it has, at the record's time; a print stays one event per line."""
    started = int(time.time() * 1000)
    event = {"print": "printed one\nprinted two", "log": "record one\nrecord two"}
    answer = client.invoke(FunctionName="echo-fn", Payload=json.dumps(event).encode())
    request_id = json.loads(answer["Payload"].read())["requestId"]
    logs = local_client("logs", client.meta.endpoint_url)

    found = logs.filter_log_events(logGroupName=log_group_name("echo-fn"), startTime=started)
    mine = [e for e in found["events"] if request_id in e["message"] or "printed" in e["message"]]

    messages = [e["message"] for e in mine]
    record = next(m for m in messages if "record one" in m)
    assert re.fullmatch(
        rf"\[WARNING\]\t\d{{4}}-\d\d-\d\dT[\d:.]+Z\t{request_id}\trecord one\nrecord two", record
    )
    assert "printed one" in messages and "printed two" in messages
    assert "record two" not in messages  # not split into lines
    times = {e["message"].split("RequestId")[0]: e["timestamp"] for e in mine}
    assert times["START "] <= next(e["timestamp"] for e in mine if e["message"] == record)
    assert next(e["timestamp"] for e in mine if e["message"] == record) <= times["REPORT "]


def test_a_logs_call_the_store_cannot_take_is_answered(client: Any) -> None:
    """boto3 checks parameter types before it sends; a client that does not still gets an
    answer (a 400 naming the parameters), not a dropped connection."""
    client.invoke(FunctionName="echo-fn")  # the log group exists
    request = urllib.request.Request(
        f"{client.meta.endpoint_url}/",
        data=json.dumps({"logGroupName": log_group_name("echo-fn"), "startTime": "x"}).encode(),
        headers={"X-Amz-Target": "Logs_20140328.FilterLogEvents"},
        method="POST",
    )
    with pytest.raises(urllib.error.HTTPError) as raised:
        urllib.request.urlopen(request, timeout=30)
    assert raised.value.code == 400
    answer = json.loads(raised.value.read())
    assert answer["__type"] == "InvalidParameterException"
    assert "startTime: string" in answer["message"]


def test_the_client_context_reaches_the_function(client: Any) -> None:
    context = base64.b64encode(json.dumps({"custom": {"caller": "test"}}).encode()).decode()
    response = client.invoke(FunctionName="echo-fn", ClientContext=context)
    assert json.loads(response["Payload"].read())["clientContext"] == {"caller": "test"}


def test_the_tail_is_the_last_4_kb(client: Any, tmp_path: Path) -> None:
    response = client.invoke(FunctionName="chatty-fn", Payload=b'{"lines": 100}', LogType="Tail")
    tail = decode_log_result(response["LogResult"])
    full = (tmp_path / "logs" / "chatty-fn.log").read_text()
    assert len(full.encode()) > 10_000
    assert tail.encode() == full.encode()[-4096:]
    assert tail.rstrip("\n").split("\n")[-1].startswith("REPORT RequestId: ")
    assert "000099 " in tail
    assert "000000 " not in tail


def test_function_errors_are_flagged_unhandled(client: Any) -> None:
    response = client.invoke(FunctionName="fail-fn")
    assert response["FunctionError"] == "Unhandled"
    assert json.loads(response["Payload"].read())["errorType"] == "ValueError"


def test_names_arns_and_qualifiers(client: Any, specs: list[FunctionConfig]) -> None:
    arn = specs[0].arn
    for name in (arn, f"{arn}:$LATEST", "123456789012:function:echo-fn", "echo-fn:$LATEST"):
        assert client.invoke(FunctionName=name)["StatusCode"] == 200
    assert client.invoke(FunctionName="echo-fn", Qualifier="$LATEST")["StatusCode"] == 200
    with pytest.raises(client.exceptions.ResourceNotFoundException, match="nope"):
        client.invoke(FunctionName="nope")
    with pytest.raises(client.exceptions.ResourceNotFoundException):
        client.invoke(FunctionName="echo-fn", Qualifier="7")
    other_region = arn.replace("us-east-1", "eu-west-1")
    with pytest.raises(client.exceptions.ResourceNotFoundException):
        client.invoke(FunctionName=other_region)


def test_request_too_large_and_bad_json(client: Any) -> None:
    """AWS answers `RequestEntityTooLargeException`, not the model's `RequestTooLargeException`
    (invoke_limits.py): botocore raises a plain ClientError with that code, here as there."""
    sync = b'"' + b"x" * (6 * 1024 * 1024) + b'"'
    event = b'"' + b"x" * 1048576 + b'"'
    for kind, payload, message in (
        ("RequestResponse", sync, "Request must be smaller than 6291456 bytes for the "
         "InvokeFunction operation"),
        ("Event", event, f"{len(event)} byte payload is too large for the Event invocation type "
         "(limit 1048576 bytes)"),
    ):  # fmt: skip
        with pytest.raises(ClientError) as refused:
            client.invoke(FunctionName="echo-fn", InvocationType=kind, Payload=payload)
        assert not isinstance(refused.value, client.exceptions.RequestTooLargeException)
        error = refused.value.response
        assert error["ResponseMetadata"]["HTTPStatusCode"] == 413
        assert error["Error"] == {"Code": "RequestEntityTooLargeException", "Message": message}
    with pytest.raises(client.exceptions.InvalidRequestContentException):
        client.invoke(FunctionName="echo-fn", Payload=b"{not json")
    deep = b"[" * 5000 + b"]" * 5000
    for kind in ("RequestResponse", "Event"):
        with pytest.raises(client.exceptions.InvalidRequestContentException, match="too deeply"):
            client.invoke(FunctionName="echo-fn", InvocationType=kind, Payload=deep)


def test_get_function_and_list_tags_show_the_functions_tags(
    client: Any, specs: list[FunctionConfig]
) -> None:
    tags = {"team": "sdk", "who": "echo"}
    assert client.get_function(FunctionName="echo-fn")["Tags"] == tags
    assert client.list_tags(Resource=specs[0].arn)["Tags"] == tags


def test_dry_run(client: Any) -> None:
    assert client.invoke(FunctionName="echo-fn", InvocationType="DryRun")["StatusCode"] == 204


def test_an_event_runs_with_the_202s_request_id_and_without_the_client_context(
    client: Any, tmp_path: Path
) -> None:
    context = base64.b64encode(json.dumps({"custom": {"caller": "test"}}).encode()).decode()
    response = client.invoke(
        FunctionName="echo-fn", InvocationType="Event", Payload=b'{"e": 1}', ClientContext=context
    )
    assert response["StatusCode"] == 202
    request_id = response["ResponseMetadata"]["RequestId"]
    log = tmp_path / "logs" / "echo-fn.log"
    wait_until(lambda: log.is_file() and "REPORT RequestId" in log.read_text(), 30, "the event")
    assert f"echo {request_id} client context None" in log.read_text()


def test_a_failed_event_is_retried_twice_with_the_same_request_id(
    client: Any, tmp_path: Path
) -> None:
    response = client.invoke(FunctionName="fail-fn", InvocationType="Event")
    request_id = response["ResponseMetadata"]["RequestId"]
    log = tmp_path / "logs" / "fail-fn.log"

    def reports() -> int:
        return log.read_text().count(f"REPORT RequestId: {request_id}") if log.is_file() else 0

    wait_until(lambda: reports() == 3, 30, "three attempts")
    time.sleep(sum(EVENT_RETRY_DELAYS_S) * 2)  # time for a fourth, which must not come
    assert reports() == 3
    assert log.read_text().count(f"START RequestId: {request_id}") == 3


def test_an_update_is_in_progress_for_a_while_and_refuses_another(client: Any) -> None:
    before = json.loads(client.invoke(FunctionName="echo-fn")["Payload"].read())
    updated = client.update_function_configuration(
        FunctionName="echo-fn", Environment={"Variables": {"WHO": "echo", "NONCE": "n1"}}
    )
    assert updated["LastUpdateStatus"] == "InProgress"
    during = client.get_function(FunctionName="echo-fn")["Configuration"]
    assert (during["State"], during["LastUpdateStatus"]) == ("Active", "InProgress")
    assert during["LastUpdateStatusReasonCode"] == "Creating"
    assert during["Environment"]["Variables"]["NONCE"] == "n1"  # the reads show the update
    with pytest.raises(
        client.exceptions.ResourceConflictException,
        match=f"An update is in progress for resource: {during['FunctionArn']}$",
    ):
        client.update_function_configuration(FunctionName="echo-fn", Timeout=5)
    old = json.loads(client.invoke(FunctionName="echo-fn")["Payload"].read())
    assert "NONCE" not in old["env"]  # invokes still run the old configuration, warm
    assert old["instance"] == before["instance"]
    client.get_waiter("function_updated_v2").wait(FunctionName="echo-fn")
    after = client.get_function_configuration(FunctionName="echo-fn")
    assert after["LastUpdateStatus"] == "Successful" and "LastUpdateStatusReason" not in after
    new = json.loads(client.invoke(FunctionName="echo-fn")["Payload"].read())
    assert new["env"]["NONCE"] == "n1" and new["instance"] != before["instance"]


def test_configuration_update_and_waiters(client: Any, specs: list[FunctionConfig]) -> None:
    client.invoke(FunctionName="echo-fn")
    config = client.get_function_configuration(FunctionName="echo-fn")
    assert config["FunctionArn"] == specs[0].arn
    assert config["Environment"] == {"Variables": {"WHO": "echo"}}
    assert (config["State"], config["LastUpdateStatus"]) == ("Active", "Successful")
    assert (config["Runtime"], config["Handler"], config["Timeout"]) == (
        specs[0].runtime,
        "app.echo",
        10,
    )
    updated = client.update_function_configuration(
        FunctionName="echo-fn",
        Environment={"Variables": {"WHO": "echo", "NONCE": "n1"}},
        RevisionId=config["RevisionId"],
    )
    assert updated["RevisionId"] != config["RevisionId"]
    client.get_waiter("function_updated_v2").wait(FunctionName="echo-fn")
    client.get_waiter("function_active_v2").wait(FunctionName="echo-fn")
    client.get_waiter("function_updated").wait(FunctionName="echo-fn")
    response = client.invoke(FunctionName="echo-fn", LogType="Tail")
    assert json.loads(response["Payload"].read())["env"]["NONCE"] == "n1"
    assert parse_report(decode_log_result(response["LogResult"])).init_duration_ms is not None
    assert client.get_function(FunctionName="echo-fn")["Configuration"]["Environment"] == {
        "Variables": {"WHO": "echo", "NONCE": "n1"}
    }
    names = {f["FunctionName"] for f in client.list_functions()["Functions"]}
    assert names == {f"{name}-fn" for name in FUNCTIONS}


def test_update_refusals(client: Any) -> None:
    with pytest.raises(client.exceptions.PreconditionFailedException):
        client.update_function_configuration(FunctionName="echo-fn", RevisionId="stale", Timeout=5)
    with pytest.raises(client.exceptions.InvalidParameterValueException, match="AWS_REGION"):
        client.update_function_configuration(
            FunctionName="echo-fn", Environment={"Variables": {"AWS_REGION": "x"}}
        )
    with pytest.raises(client.exceptions.InvalidParameterValueException, match="Runtime"):
        client.update_function_configuration(FunctionName="echo-fn", Runtime="python3.12")
    with pytest.raises(
        client.exceptions.InvalidParameterValueException, match="use 512-10240"
    ):  # botocore allows up to 32768 (Lambda Managed Instances); a function gets 10240
        client.update_function_configuration(
            FunctionName="echo-fn", EphemeralStorage={"Size": 20480}
        )
    with pytest.raises(client.exceptions.ResourceNotFoundException):
        client.update_function_configuration(FunctionName="nope", Timeout=5)


def test_twenty_concurrent_invokes_over_four_functions_all_succeed(client: Any) -> None:
    events = {
        "echo-fn": b"{}",
        "sleep-fn": b'{"seconds": 0.3}',
        "hog-fn": b'{"mb": 8}',
        "chatty-fn": b'{"lines": 5}',
    }
    names = [*events, "echo-fn"] * 4

    def call(name: str) -> tuple[int, str | None]:
        response = client.invoke(FunctionName=name, Payload=events[name])
        return response["StatusCode"], response.get("FunctionError")

    with ThreadPoolExecutor(20) as executor:
        outcomes = list(executor.map(call, names))
    assert outcomes == [(200, None)] * 20


def test_throttled_beyond_the_environment_limit(client: Any, registry: Registry) -> None:
    record = registry.lookup("sleep-fn")
    assert record is not None
    with ThreadPoolExecutor(21) as executor:
        calls = [
            executor.submit(client.invoke, FunctionName="sleep-fn", Payload=b'{"seconds": 2}')
            for _ in range(21)
        ]
        errors = [call.exception() for call in calls]
    throttled = [e for e in errors if isinstance(e, ClientError)]
    assert len(throttled) == 1
    assert throttled[0].response["Error"]["Code"] == "TooManyRequestsException"


def test_a_burst_of_connections_is_accepted(client: Any, registry: Registry) -> None:
    """Many clients connecting at once (boto3 from a thread pool, or `xargs -P`) are queued, not
    reset: the endpoint's listen backlog is 128, not socketserver's 5."""
    port = int(client.meta.endpoint_url.rsplit(":", 1)[1])
    request = b"GET /2015-03-31/functions/echo-fn/configuration HTTP/1.1\r\nHost: x\r\n\r\n"
    clients = 100
    together = threading.Barrier(clients)

    def call(_: int) -> bytes:
        together.wait()  # all connect at once (with a backlog of 5, some are never accepted)
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=5) as connection:
                connection.sendall(request)
                return connection.recv(12)
        except OSError as exc:
            return repr(exc).encode()

    with ThreadPoolExecutor(clients) as executor:
        answers = list(executor.map(call, range(clients)))
    assert answers == [b"HTTP/1.1 200"] * clients
