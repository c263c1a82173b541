"""The front endpoint: Lambda's REST API on 127.0.0.1, enough for boto3's `lambda` client.

`boto3.client("lambda", endpoint_url=api.url, region_name=..., aws_access_key_id="x",
aws_secret_access_key="x")` works against it (signatures are not checked). Operations:
- Invoke (`POST /2015-03-31/functions/{name}/invocations`): RequestResponse; Event (202 with
  the request id the function will see, run in the background and retried on a function error,
  see registry.py); DryRun (204). `X-Amz-Client-Context` reaches `context.client_context` of a
  synchronous invoke only ("Lambda passes the ClientContext object to your function for
  synchronous invocations only", botocore's Invoke documentation); `X-Amz-Log-Type: Tail` ->
  `X-Amz-Log-Result`; function errors -> `X-Amz-Function-Error: Unhandled`; payloads over 6 MB
  (1 MB for Event) -> 413 RequestEntityTooLargeException (invoke_limits.py); a body that is
  not JSON, or nests deeper than this endpoint's parser can follow, -> 400
  InvalidRequestContentException; unknown
  function or qualifier -> 404 ResourceNotFoundException.
- GetFunction (with the function's tags), GetFunctionConfiguration, ListFunctions, ListTags.
- UpdateFunctionConfiguration (Environment, MemorySize, Timeout, Handler, Description,
  EphemeralStorage, RevisionId precondition): `InProgress` for a moment, during which another
  update is a 409 ResourceConflictException and invokes run the old configuration
  (registry.py); then the function's environments are dropped and the next invoke is cold.
- CloudWatch Logs' JSON protocol (`X-Amz-Target: Logs_20140328.*` on `POST /`): FilterLogEvents,
  DescribeLogStreams and DescribeLogGroups over every environment's log (logs_service.py), so
  `boto3.client("logs", endpoint_url=api.url, ...)` reads what the functions wrote.
Threaded: every request has its own thread, and each function's pool starts environments as
concurrency needs them. The listen backlog is 128 (socketserver's default, 5, resets bursts).
"""

from __future__ import annotations

import json
import re
import sys
import traceback
import uuid
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, TypeVar
from urllib.parse import parse_qs, unquote, urlsplit

from harness.background_server import BackgroundServer
from harness.local.api_shapes import (
    ApiError,
    configuration,
    conflict,
    function_document,
    invalid_parameter,
    not_found,
    service_error,
)
from harness.local.config import LOCAL_ACCOUNT
from harness.local.errors import (
    FunctionConfigError,
    PoolClosed,
    ServiceError,
    StartError,
    TooManyEnvironments,
    UpdateInProgress,
)
from harness.local.invoke_limits import check_request_size
from harness.local.logs_service import TARGET_PREFIX as LOGS_TARGET_PREFIX
from harness.local.registry import FunctionRecord, Registry
from infra.spec import DEFAULT_REGION

T = TypeVar("T")
_UPDATABLE = {
    "Environment",
    "MemorySize",
    "Timeout",
    "Handler",
    "Description",
    "EphemeralStorage",
    "RevisionId",
}
_ROUTES: list[tuple[str, re.Pattern[str], str]] = [
    ("POST", re.compile(r"^/2015-03-31/functions/(?P<name>[^/]+)/invocations$"), "invoke"),
    ("GET", re.compile(r"^/2015-03-31/functions/(?P<name>[^/]+)/configuration$"), "get_config"),
    ("PUT", re.compile(r"^/2015-03-31/functions/(?P<name>[^/]+)/configuration$"), "update"),
    ("GET", re.compile(r"^/2015-03-31/functions/?$"), "list"),
    ("GET", re.compile(r"^/2015-03-31/functions/(?P<name>[^/]+)/?$"), "get_function"),
    ("GET", re.compile(r"^/2017-03-31/tags/(?P<name>[^/]+)$"), "list_tags"),
]


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128  # listen()'s backlog; the kernel caps it at net.core.somaxconn

    def __init__(self, address: tuple[str, int], registry: Registry, region: str) -> None:
        super().__init__(address, _Handler)
        self.registry = registry
        self.region = region

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Quiet about clients that hung up (botocore drops idle keep-alive connections)."""
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"  # keep-alive: botocore reuses its connections
    server_version = "honeyhive-local-lambda/1"

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: each invocation's log goes to the function's log file."""

    def do_GET(self) -> None:
        self._dispatch()

    def do_POST(self) -> None:
        self._dispatch()

    def do_PUT(self) -> None:
        self._dispatch()

    def _dispatch(self) -> None:
        url = urlsplit(self.path)
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        target = self.headers.get("X-Amz-Target") or ""
        try:
            if self.command == "POST" and target.startswith(LOGS_TARGET_PREFIX):
                status, answer = self.server.registry.logs.handle(target, body)
                self._json(status, answer)
                return
            for method, pattern, action in _ROUTES:
                match = pattern.match(url.path)
                if match and method == self.command:
                    handler: Callable[..., None] = getattr(self, f"_{action}")
                    query = {k: v[-1] for k, v in parse_qs(url.query).items()}
                    handler(unquote(match.groupdict().get("name") or ""), query, body)
                    return
            raise ApiError(
                404, "UnknownOperationException", f"no operation {self.command} {url.path}"
            )
        except ApiError as error:
            self._error(error)
        except Exception as exc:  # noqa: BLE001 - a bug here must still answer the client
            traceback.print_exc()
            self._error(service_error(f"the local Lambda API failed: {exc!r}"))

    # --- operations ---------------------------------------------------------------------------

    def _invoke(self, name: str, query: dict[str, str], body: bytes) -> None:
        record = self._record(name, query.get("Qualifier"))
        kind = self.headers.get("X-Amz-Invocation-Type") or "RequestResponse"
        check_request_size(len(body), kind)
        payload = body or b"{}"
        _check_json(payload)
        if kind == "DryRun":
            self._reply(204, b"")
        elif kind == "Event":
            request_id = str(uuid.uuid4())
            self.server.registry.invoke_event(record, payload, request_id)
            self._reply(202, b"", request_id=request_id)
        elif kind == "RequestResponse":
            self._invoke_sync(record, payload)
        else:
            raise invalid_parameter(
                f"X-Amz-Invocation-Type {kind!r} is not valid: use RequestResponse, Event or DryRun"
            )

    def _invoke_sync(self, record: FunctionRecord, payload: bytes) -> None:
        context = self.headers.get("X-Amz-Client-Context")
        invocation = _call(
            lambda: self.server.registry.invoke(record, payload, client_context=context)
        )
        headers = {"X-Amz-Executed-Version": "$LATEST"}
        if invocation.function_error:
            headers["X-Amz-Function-Error"] = invocation.function_error
        if (self.headers.get("X-Amz-Log-Type") or "None") == "Tail":
            headers["X-Amz-Log-Result"] = invocation.log_tail()
        self._reply(200, invocation.payload, headers, request_id=invocation.request_id)

    def _get_config(self, name: str, query: dict[str, str], body: bytes) -> None:
        self._json(200, configuration(self._record(name, query.get("Qualifier"))))

    def _get_function(self, name: str, query: dict[str, str], body: bytes) -> None:
        self._json(200, function_document(self._record(name, query.get("Qualifier"))))

    def _list_tags(self, name: str, query: dict[str, str], body: bytes) -> None:
        self._json(200, {"Tags": dict(self._record(name, None).tags)})

    def _list(self, name: str, query: dict[str, str], body: bytes) -> None:
        functions = [configuration(record) for record in self.server.registry.functions()]
        self._json(200, {"Functions": functions})

    def _update(self, name: str, query: dict[str, str], body: bytes) -> None:
        record = self._record(name, None)
        try:
            request = json.loads(body or b"{}")
        except ValueError as exc:
            raise invalid_parameter(f"the request body is not JSON: {exc}") from exc
        unsupported = sorted(set(request) - _UPDATABLE)
        if unsupported:
            raise invalid_parameter(
                f"the local runtime cannot update {', '.join(unsupported)}: it updates "
                f"{', '.join(sorted(_UPDATABLE - {'RevisionId'}))}; change the program and "
                "restart `serve` for anything else"
            )
        revision = request.get("RevisionId")
        if revision is not None and revision != record.revision_id:
            raise ApiError(
                412,
                "PreconditionFailedException",
                "The Revision Id provided does not match the latest Revision Id. Call the "
                "GetFunction/GetAlias API to retrieve the latest Revision Id",
            )
        environment = request.get("Environment")
        variables = None
        if environment is not None:
            if not isinstance(environment, dict):
                raise invalid_parameter("Environment must be an object with Variables")
            variables = environment.get("Variables") or {}
        storage = request.get("EphemeralStorage")
        if storage is not None and not isinstance(storage, dict):
            raise invalid_parameter("EphemeralStorage must be an object with Size")
        try:
            spec = record.spec.updated(
                environment=variables,
                memory_size=request.get("MemorySize"),
                timeout=request.get("Timeout"),
                handler=request.get("Handler"),
                description=request.get("Description"),
                ephemeral_storage=(storage or {}).get("Size"),
            )
        except FunctionConfigError as exc:
            raise invalid_parameter(str(exc)) from exc
        try:
            self.server.registry.update(record, spec)
        except UpdateInProgress as exc:
            raise conflict(str(exc)) from exc
        self._json(200, configuration(record))

    # --- helpers ------------------------------------------------------------------------------

    def _record(self, name: str, qualifier: str | None) -> FunctionRecord:
        record = self.server.registry.lookup(name, qualifier)
        if record is None:
            shown = f"{name}:{qualifier}" if qualifier else name
            raise not_found(shown, self.server.region, LOCAL_ACCOUNT)
        return record

    def _json(self, status: int, document: Any) -> None:
        self._reply(status, json.dumps(document).encode())

    def _error(self, error: ApiError) -> None:
        self._reply(
            error.status,
            json.dumps(error.document()).encode(),
            {"x-amzn-ErrorType": error.code},
        )

    def _reply(
        self,
        status: int,
        data: bytes,
        headers: dict[str, str] | None = None,
        *,
        request_id: str | None = None,
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("x-amzn-RequestId", request_id or str(uuid.uuid4()))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(data)


def _check_json(payload: bytes) -> None:
    """Invoke's payload must be JSON; one nested too deep for Python's parser is refused the
    same way (Lambda documents no nesting limit; this endpoint must not fail on one)."""
    try:
        json.loads(payload)
    except (ValueError, RecursionError) as exc:
        reason = "it nests too deeply" if isinstance(exc, RecursionError) else str(exc)
        raise ApiError(
            400,
            "InvalidRequestContentException",
            f"Could not parse request body into json: {reason}",
        ) from exc


def _call(operation: Callable[[], T]) -> T:
    """Run a pool operation, turning the local runtime's failures into Lambda's API errors."""
    try:
        return operation()
    except TooManyEnvironments as exc:
        raise ApiError(
            429,
            "TooManyRequestsException",
            f"Rate Exceeded. ({exc})",
            reason="ConcurrentInvocationLimitExceeded",
        ) from exc
    except (PoolClosed, ServiceError, StartError) as exc:
        raise service_error(str(exc)) from exc


class LambdaApi(BackgroundServer[_Server]):
    """The endpoint, served from a background thread. A context manager, or start()/stop()."""

    what = "the Lambda API"

    def __init__(
        self, registry: Registry, *, host: str = "127.0.0.1", port: int = 0, region: str = ""
    ) -> None:
        super().__init__()
        self._registry = registry
        self._address = (host, port)
        self._region = region or DEFAULT_REGION

    def _make_server(self) -> _Server:
        return _Server(self._address, self._registry, self._region)
