"""What the four test functions share: the event contract, the response, the SDK time budgets.

Standard library only at import time: `baseline` imports this module and must load no SDK.
The SDK helpers (`Sdk`) take the tracer class from the caller and import `requests` (an SDK
dependency in the layer) only when an SDK function builds them.

Response body (JSON string in `body`): status SUCCESS|ERROR, function, requestId, coldStart,
sdkVersion, timingsMs {sdkImport, tracerInit (measured once at module scope), handler (the
invocation without the flush), flush}, flushSuccess (null: nothing to flush), sessionId,
testType, initializationType (Lambda's AWS_LAMBDA_INITIALIZATION_TYPE: `snap-start` in an
environment restored from a SnapStart snapshot), logStream (one per environment), plus `error` on
400/500 and per-function extras, and `profile` on a warm invocation
when WARM_PROFILE_ENV is "1" (`profile_summary`; `profileError` "<type>: <message>" instead if
that failed, the answer still a success).

Time budgets (honeyhive 1.7 + OTel SDK 1.45 facts this works around):
- `force_flush` ignores its timeout and returns True even when every export failed (the batch
  processor blocks on the exporter: 30 s per request). So the flush runs in a helper thread
  joined for at most the budget, and its success is read from the export requests themselves.
- Export requests go through our own requests.Session (the SDK's `requests_session` option):
  one attempt each (no retries by urllib3 or by OTel's exporter), timeout clamped to the
  invocation's deadline, outcome recorded.
- The session-start call (httpx, no retries) takes `client.api_config.timeout`, which httpx
  applies to connect and to read separately: half the budget keeps the sum within it.
- Budget of each network phase = min(FLUSH_TIMEOUT_MS, remaining time - NETWORK_MARGIN_MS).
"""

from __future__ import annotations

import contextvars
import inspect
import json
import logging
import os
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, TypeVar

MAX_TEST_TYPE_CHARS = 128
MAX_DATA_BYTES = 32 * 1024  # `data` as compact UTF-8 JSON
# Deeper than this and encoding `data` (or the SDK's span attributes) would recurse into
# Python's recursion limit; Lambda's own JSON decoder accepts ~1000 levels.
MAX_DATA_DEPTH = 64
DEFAULT_FLUSH_TIMEOUT_MS = 5000
# The oldest SDK the handlers run on (infra/spec.py's MIN_SDK_VERSION; the agreement test pins
# this copy). Only messages use it: features are detected, not inferred from versions.
MIN_SDK_VERSION = "1.6.0"
# The variables the Pulumi program sets (infra/spec.py; tests/lambda_functions/test_agreement.py
# pins these copies to it).
API_KEY_ENV = "HH_API_KEY"
FLUSH_TIMEOUT_ENV = "FLUSH_TIMEOUT_MS"
# Set by the post-deploy suite on one extra forced cold start, never by the program: that
# environment's warm invocations run under cProfile and answer with where their time went.
WARM_PROFILE_ENV = "HONEYHIVE_TEST_PROFILE_WARM"
# Lambda sets it: `on-demand`, `provisioned-concurrency` or `snap-start` (a restored environment).
INITIALIZATION_TYPE_ENV = "AWS_LAMBDA_INITIALIZATION_TYPE"
PROFILE_ROWS = 15
# Kept back from the remaining time so a handler whose network calls ran out their budget
# still has time to build and return its response before Lambda's own timeout.
NETWORK_MARGIN_MS = 500

logger = logging.getLogger("honeyhive_lambda_test")
T = TypeVar("T")


# --- the event --------------------------------------------------------------------------------


class BadEvent(ValueError):
    """The event breaks the contract; the message says which field and how."""


@dataclass(frozen=True)
class Event:
    test_type: str
    data: dict[str, Any] | None
    iteration: int | None


def json_type(value: object) -> str:
    """The JSON name of a decoded value's type, for error messages."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    names: dict[type, str] = {str: "string", list: "array", dict: "object"}
    return names.get(type(value), type(value).__name__)


def parse_event(event: object, default_test_type: str) -> Event:
    """Check the event; unknown fields are ignored. Raises BadEvent naming every problem."""
    if not isinstance(event, dict):
        raise BadEvent(f"event must be a JSON object, got {json_type(event)}")
    problems = []
    test_type = event.get("test_type", default_test_type)
    if not isinstance(test_type, str):
        problems.append(f"test_type must be a string, got {json_type(test_type)}")
    elif not 1 <= len(test_type) <= MAX_TEST_TYPE_CHARS:
        problems.append(
            f"test_type must be 1 to {MAX_TEST_TYPE_CHARS} characters, got {len(test_type)}"
        )
    data = event.get("data")
    if "data" in event:
        problems.extend(_data_problems(data))
    iteration = event.get("iteration")
    if "iteration" in event and not (
        isinstance(iteration, int) and not isinstance(iteration, bool) and iteration >= 0
    ):
        shown = iteration if json_type(iteration) == "number" else json_type(iteration)
        problems.append(f"iteration must be a non-negative integer, got {shown}")
    if problems:
        raise BadEvent("; ".join(problems))
    return Event(test_type=test_type, data=data, iteration=iteration)


def _nesting_exceeds(value: object, limit: int) -> bool:
    """Whether objects/arrays nest deeper than `limit` (iterative: no recursion to exhaust)."""
    pending: list[tuple[object, int]] = [(value, 1)]
    while pending:
        item, depth = pending.pop()
        if depth > limit:
            return True
        children = (
            item.values() if isinstance(item, dict) else item if isinstance(item, list) else ()
        )
        pending.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return False


def _data_problems(data: object) -> list[str]:
    if not isinstance(data, dict):
        return [f"data must be a JSON object, got {json_type(data)}"]
    if _nesting_exceeds(data, MAX_DATA_DEPTH):
        return [f"data must nest objects and arrays at most {MAX_DATA_DEPTH} levels deep"]
    try:
        encoded = json.dumps(
            data, separators=(",", ":"), ensure_ascii=False, allow_nan=False
        ).encode()
    except (TypeError, ValueError) as exc:
        return [f"data must be JSON-serializable: {exc}"]
    if len(encoded) > MAX_DATA_BYTES:
        return [f"data must be at most {MAX_DATA_BYTES} bytes as JSON, got {len(encoded)} bytes"]
    return []


# --- the response -----------------------------------------------------------------------------


def redact(text: str) -> str:
    """`text` without the API key: error messages may quote configuration."""
    key = os.environ.get(API_KEY_ENV)
    return text.replace(key, "[redacted]") if key else text


def describe(exc: BaseException) -> str:
    return redact(f"{type(exc).__name__}: {exc}")[:1000]


def _ms_since(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 3)


@dataclass
class Init:
    """What module scope did once per environment: SDK import and tracer init, or the failure."""

    timings_ms: dict[str, float] = field(
        default_factory=lambda: {"sdkImport": 0.0, "tracerInit": 0.0}
    )
    sdk_version: str | None = None
    error: str | None = None

    @contextmanager
    def timed(self, phase: str) -> Iterator[None]:
        started = time.perf_counter()
        try:
            yield
        finally:
            self.timings_ms[phase] = _ms_since(started)

    def fail(self, exc: BaseException) -> None:
        self.error = f"SDK initialisation failed: {describe(exc)}"
        logger.error("%s", self.error)


@dataclass(frozen=True)
class Request:
    event: Event
    context: Any
    cold_start: bool


@dataclass(frozen=True)
class Outcome:
    """What an invocation's work adds to the common response fields."""

    session_id: str | None = None
    flush_success: bool | None = None
    flush_ms: float = 0.0
    extra: Mapping[str, Any] = field(default_factory=dict)


class Function:
    """One test function: its default test type, its module-scope init, its cold-start flag."""

    def __init__(self, default_test_type: str) -> None:
        self.default_test_type = default_test_type
        self.init = Init()
        self._cold = True

    def start_sdk(self) -> Sdk:
        """Import the SDK and make the tracer, each timed (module scope, once per environment);
        records the SDK's version. Raises whatever the SDK raised: the caller marks the init
        failed, and every invocation then answers 500 with the cause."""
        with self.init.timed("sdkImport"):
            import honeyhive  # noqa: PLC0415 - SDK functions only: baseline runs without it
            from honeyhive import HoneyHiveTracer, trace  # noqa: PLC0415
        self.init.sdk_version = honeyhive.__version__
        with self.init.timed("tracerInit"):
            return Sdk.start(HoneyHiveTracer, trace)

    def handle(
        self, event: object, context: Any, work: Callable[[Request], Outcome]
    ) -> dict[str, Any]:
        """Validate the event, run `work` in a context of its own, answer. Never raises."""
        started = time.perf_counter()
        cold, self._cold = self._cold, False
        body: dict[str, Any] = {
            "status": "SUCCESS",
            "function": context.function_name,
            "requestId": context.aws_request_id,
            "coldStart": cold,
            "sdkVersion": self.init.sdk_version,
            "timingsMs": None,
            "flushSuccess": None,
            "sessionId": None,
            "testType": self.default_test_type,
            "initializationType": os.environ.get(INITIALIZATION_TYPE_ENV),
            "logStream": getattr(context, "log_stream_name", None),
        }
        try:
            parsed = parse_event(event, self.default_test_type)
        except BadEvent as exc:
            return self._error(400, body, str(exc), started)
        except Exception as exc:  # noqa: BLE001 - the contract: never an unhandled exception
            return self._error(500, body, f"checking the event failed: {describe(exc)}", started)
        body["testType"] = parsed.test_type
        if self.init.error is not None:
            return self._error(500, body, self.init.error, started)
        request = Request(parsed, context, cold)
        profiler = _profiler() if not cold and os.environ.get(WARM_PROFILE_ENV) == "1" else None
        try:
            # A fresh copy of the module-scope context: the baggage the SDK attaches during
            # this invocation (its session id) ends with it and cannot reach the next one.
            run = contextvars.copy_context().run
            if profiler is None:
                outcome = run(work, request)
            else:
                outcome = profiler.runcall(run, work, request)
                body.update(_profile_fields(profiler))
        except Exception as exc:  # noqa: BLE001 - the contract: a failure is a 500, not a crash
            return self._error(500, body, f"invocation failed: {describe(exc)}", started)
        body.update(outcome.extra)
        body.update(sessionId=outcome.session_id, flushSuccess=outcome.flush_success)
        body["timingsMs"] = self._timings(started, outcome.flush_ms)
        return {"statusCode": 200, "body": json.dumps(body)}

    def _error(
        self, status_code: int, body: dict[str, Any], error: str, started: float
    ) -> dict[str, Any]:
        logger.log(logging.WARNING if status_code < 500 else logging.ERROR, "%s", error)
        body.update(status="ERROR", error=error, timingsMs=self._timings(started, 0.0))
        return {"statusCode": status_code, "body": json.dumps(body)}

    def _timings(self, started: float, flush_ms: float) -> dict[str, float]:
        return {
            **self.init.timings_ms,
            "handler": round(_ms_since(started) - flush_ms, 3),
            "flush": flush_ms,
        }


# --- where a warm invocation's time goes ------------------------------------------------------


def _profiler() -> Any:
    import cProfile  # noqa: PLC0415 - only when the suite asks for a profile

    return cProfile.Profile()


def function_location(filename: str, line: int, name: str) -> str:
    """`package/module.py:12(function)`: the path from its package on (site-packages, the task,
    the runtime or the standard library's directory), or the built-in's name without its
    address (`<built-in method __new__ of type object>`), so runs compare."""
    if filename == "~":
        head, address, _ = name.partition(" at 0x")
        return f"{head}>" if address else name
    for marker in ("/site-packages/", "/var/task/", "/var/runtime/", "/opt/python/"):
        if marker in filename:
            filename = filename.rsplit(marker, 1)[1]
            break
    else:  # the standard library: /var/lang/lib/python3.13/ssl.py -> ssl.py
        _, found, tail = filename.rpartition("/lib/python3.")
        if found:
            filename = tail.partition("/")[2]
    return f"{filename}:{line}({name})"


def _profile_fields(profiler: Any) -> dict[str, Any]:
    """`profile`, or `profileError` if summarising failed: the invocation itself succeeded,
    and only the suite's attribution is missing."""
    try:
        return {"profile": profile_summary(profiler)}
    except Exception as exc:  # noqa: BLE001 - reported in the answer, never a failed invocation
        error = describe(exc)
        logger.error("profiling the invocation failed: %s", error)
        return {"profileError": error}


def profile_summary(profiler: Any, rows: int = PROFILE_ROWS) -> dict[str, Any]:
    """The profiled invocation's total, its top SDK functions by cumulative time, and its top
    functions of any package by own time (where a slow call bottoms out, e.g. loading a CA
    bundle). cProfile sees this thread only: the flush's helper thread shows as the join's
    wait. Times are under the profiler, slower than unprofiled."""
    import pstats  # noqa: PLC0415

    stats: Any = pstats.Stats(profiler)
    in_sdk = _sdk_file_predicate()
    entries = [
        (function_location(filename, line, name), calls, own * 1000, cumulative * 1000, filename)
        for (filename, line, name), (_, calls, own, cumulative, _) in stats.stats.items()
    ]

    def row(entry: tuple[str, int, float, float, str]) -> dict[str, Any]:
        where, calls, own, cumulative, _ = entry
        return {"function": where, "calls": calls, "ownMs": round(own, 3),
                "cumulativeMs": round(cumulative, 3)}  # fmt: skip

    sdk_entries = [e for e in entries if in_sdk(e[4])]
    return {
        "totalMs": round(stats.total_tt * 1000, 3),
        "sdkFunctions": [row(e) for e in sorted(sdk_entries, key=lambda e: -e[3])[:rows]],
        "ownTime": [row(e) for e in sorted(entries, key=lambda e: -e[2])[:rows]],
    }


def _sdk_file_predicate() -> Callable[[str], bool]:
    """A test of whether a profiled function's file is in the SDK's package (its real path
    under the SDK's real directory). It runs inside the timed handler, so the directory is
    resolved once and each file once."""
    from pathlib import Path  # noqa: PLC0415

    sdk = sys.modules.get("honeyhive")
    if sdk is None or not sdk.__file__:
        return lambda filename: False
    prefix = f"{Path(sdk.__file__).resolve().parent}{os.sep}"
    seen: dict[str, bool] = {}

    def in_sdk(filename: str) -> bool:
        if filename not in seen:
            seen[filename] = filename != "~" and os.path.realpath(filename).startswith(prefix)
        return seen[filename]

    return in_sdk


# --- the SDK in an invocation (honeyhive 1.7) --------------------------------------------------


def flush_timeout_ms() -> int:
    raw = os.environ.get(FLUSH_TIMEOUT_ENV, str(DEFAULT_FLUSH_TIMEOUT_MS))
    value = int(raw) if raw.strip().isdigit() else 0
    if value <= 0:
        raise ValueError(f"FLUSH_TIMEOUT_MS must be a positive integer (milliseconds), got {raw!r}")
    return value


class ExportLedger:
    """Deadline and outcomes of the tracer's export requests during the current invocation."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._deadline: float | None = None
        self._outcomes: list[bool] = []

    def begin(self, deadline: float) -> None:
        with self._lock:
            self._deadline = deadline
            self._outcomes = []

    def tighten(self, deadline: float) -> None:
        with self._lock:
            self._deadline = deadline if self._deadline is None else min(self._deadline, deadline)

    def seconds_left(self) -> float | None:
        with self._lock:
            return None if self._deadline is None else self._deadline - time.monotonic()

    def record(self, succeeded: bool) -> None:
        with self._lock:
            self._outcomes.append(succeeded)

    def all_succeeded(self) -> bool:
        """At least one export request this invocation, and every one answered 2xx."""
        with self._lock:
            return bool(self._outcomes) and all(self._outcomes)


class ExportAborted(RuntimeError):
    """An export request failed, answered non-2xx, or had no time left.

    Raised rather than returned, and deliberately not a requests ConnectionError: OTel's
    protobuf exporter retries connection errors and 429/502/503/504 answers with exponential
    backoff for up to 30 s, holding the batch processor's export lock into the next invocation.
    """


def export_session(ledger: ExportLedger) -> Any:
    """A requests.Session for the SDK's exporter: one attempt, bounded, outcome recorded."""
    import requests  # noqa: PLC0415 - SDK functions only: baseline runs without the layer

    class BoundedSession(requests.Session):
        def request(self, method: Any, url: Any, *args: Any, **kwargs: Any) -> requests.Response:
            left = ledger.seconds_left()
            if left is not None:
                if left <= 0:
                    ledger.record(False)
                    raise ExportAborted("no time left in this invocation's export budget")
                given = kwargs.get("timeout")
                kwargs["timeout"] = min(given, left) if isinstance(given, int | float) else left
            try:
                response = super().request(method, url, *args, **kwargs)
            except requests.RequestException as exc:
                ledger.record(False)
                raise ExportAborted(f"export request failed: {type(exc).__name__}") from exc
            succeeded = 200 <= response.status_code < 300
            ledger.record(succeeded)
            if not succeeded:  # raised, not returned: a 429/502/503/504 would be retried
                raise ExportAborted(f"export answered HTTP {response.status_code}")
            return response

    return BoundedSession()


def call_within(seconds: float, call: Callable[[], object]) -> object | None:
    """call() on a daemon thread; its result, or None if it raised or is still running."""
    result: list[object] = []

    def target() -> None:
        try:
            result.append(call())
        except Exception as exc:  # noqa: BLE001 - reported as a failed flush, logged redacted
            logger.error("flush failed: %s", describe(exc))

    thread = threading.Thread(target=target, name="honeyhive-flush", daemon=True)
    thread.start()
    thread.join(seconds)
    return result[0] if result else None


class SdkFeatureMissing(RuntimeError):
    """The SDK under test lacks an API the handlers need; the message names it."""


def missing_tracer_features(tracer_class: Any) -> list[str]:
    """The keyword arguments the handlers pass to `HoneyHiveTracer.init` that this SDK's tracer
    does not declare. `init` takes `**kwargs` and silently ignores unknown ones, so the
    tracer's `__init__` is what is inspected."""
    try:
        parameters = inspect.signature(tracer_class.__init__).parameters
    except (TypeError, ValueError):
        return ["an inspectable HoneyHiveTracer.__init__"]
    return [f"`{name}`" for name in ("requests_session",) if name not in parameters]


def has_field(model: Any, name: str) -> bool:
    """Whether a pydantic model (or any object) declares `name`."""
    fields = getattr(type(model), "model_fields", None)
    return name in fields if isinstance(fields, dict) else hasattr(model, name)


@dataclass
class Sdk:
    """The tracer made once at module scope, and how each invocation uses it."""

    tracer: Any
    exports: ExportLedger
    flush_timeout_ms: int
    decorator: Any
    """The SDK's `trace` decorator factory."""
    export_requests: Any = None
    """The requests.Session the exporter sends through (`export_session`)."""

    @classmethod
    def start(cls, tracer_class: Any, decorator: Any) -> Sdk:
        """Init with no network call (each invocation starts its own session) and with
        exports through the bounded session. Config comes from HH_* variables.

        The SDK under test may be any version (a branch, a wheel): the features the bounds
        rely on are detected, and one that is missing fails the init with its name, rather than
        leaving an unbounded export that would hang a function behind a dead endpoint."""
        timeout_ms = flush_timeout_ms()
        exports = ExportLedger()
        missing = missing_tracer_features(tracer_class)
        if missing:
            raise SdkFeatureMissing(
                f"the SDK's HoneyHiveTracer lacks {', '.join(missing)}, which bound its exports "
                f"(honeyhive {MIN_SDK_VERSION} and newer have them)"
            )
        session = export_session(exports)
        tracer = tracer_class.init(skip_backend_session_creation=True, requests_session=session)
        client = getattr(tracer, "client", None)
        if client is not None and not has_field(client.api_config, "timeout"):
            raise SdkFeatureMissing(
                "the SDK's API client config lacks `timeout`, which bounds the session start "
                f"(honeyhive {MIN_SDK_VERSION} and newer have it)"
            )
        return cls(tracer, exports, timeout_ms, decorator, session)

    def trace(self, function: Callable[..., T], *, event_type: str, event_name: str) -> Any:
        """`function` as a span named `event_name` (its arguments become the span's inputs)."""
        return self.decorator(tracer=self.tracer, event_type=event_type, event_name=event_name)(
            function
        )

    def run(
        self,
        context: Any,
        *,
        session_name: str,
        metadata: Mapping[str, Any],
        work: Callable[[], Mapping[str, Any]],
    ) -> Outcome:
        """Start this invocation's session, do the traced `work`, flush within the budget."""
        self.exports.begin(time.monotonic() + self._left_ms(context) / 1000)
        session_id, started = self._start_session(context, session_name, metadata)
        try:
            extra = work()
        finally:
            flushed, flush_ms = self._flush(context)
        return Outcome(session_id, flushed, flush_ms, {**extra, "sessionStarted": started})

    @staticmethod
    def _left_ms(context: Any) -> float:
        return float(context.get_remaining_time_in_millis() - NETWORK_MARGIN_MS)

    def _budget_s(self, context: Any) -> float:
        return max(0.0, min(self.flush_timeout_ms, self._left_ms(context))) / 1000

    def _start_session(
        self, context: Any, name: str, metadata: Mapping[str, Any]
    ) -> tuple[str, bool]:
        """The session id for this invocation's spans (in baggage) and whether the API made it.

        If the API does not answer in time the id is made here; spans still carry it, with the
        SDK's `honeyhive.session_auto_create` flag for the backend.
        """
        budget = self._budget_s(context)
        client = getattr(self.tracer, "client", None)
        if budget > 0 and client is not None:
            client.api_config.timeout = budget / 2  # httpx: connect and read each get this
            session_id = self.tracer.create_session(session_name=name, metadata=dict(metadata))
            if session_id:
                return str(session_id), True
        session_id = str(uuid.uuid4())
        self.tracer.create_session(session_id=session_id, session_name=name, skip_api_call=True)
        return session_id, False

    def flush_now(self) -> bool:
        """Flush what init traced, within FLUSH_TIMEOUT_MS (SnapStart's before-snapshot hook)."""
        budget = self.flush_timeout_ms / 1000
        self.exports.begin(time.monotonic() + budget)
        returned = call_within(
            budget, lambda: self.tracer.force_flush(timeout_millis=budget * 1000)
        )
        return returned is True and self.exports.all_succeeded()

    def drop_connections(self) -> None:
        """Close the exporter's pooled connections (a restored snapshot's are stale); the
        session stays usable and reconnects on its next request."""
        if self.export_requests is not None:
            self.export_requests.close()

    def _flush(self, context: Any) -> tuple[bool, float]:
        started = time.perf_counter()
        budget = self._budget_s(context)
        if budget <= 0:
            return False, 0.0
        self.exports.tighten(time.monotonic() + budget)
        returned = call_within(
            budget, lambda: self.tracer.force_flush(timeout_millis=budget * 1000)
        )
        return returned is True and self.exports.all_succeeded(), _ms_since(started)
