"""The pieces `_contract.Sdk` bounds the network with, exercised on their own.

The handler tests show the bound end to end; these reach the branches a well-behaved ingest
cannot (a flush that never returns) and pin each piece's behaviour.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator

import pytest
import requests

from harness.ingest import TRACES, IngestServer
from tests.lambda_functions.environments import load_contract

contract = load_contract()
TOKEN = "helper-test-token"


@pytest.fixture
def server() -> Iterator[IngestServer]:
    with IngestServer(api_key=TOKEN) as running:
        yield running


def post_export(session: requests.Session, server: IngestServer) -> requests.Response:
    response: requests.Response = session.post(
        server.url + TRACES,
        data=b'{"resourceSpans": []}',
        headers={"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"},
        timeout=30.0,  # what honeyhive passes; the session must cut it down
    )
    return response


def test_call_within_gives_up_on_a_call_that_does_not_return() -> None:
    release, finished = threading.Event(), threading.Event()

    def call() -> bool:
        release.wait()
        finished.set()
        return True

    assert contract.call_within(0.2, call) is None
    assert not finished.is_set(), "it returned while the call was still running"
    release.set()


def test_call_within_returns_the_result_and_swallows_a_failure(
    caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HH_API_KEY", "key-in-an-error")
    assert contract.call_within(5, lambda: True) is True

    def fail() -> bool:
        raise RuntimeError("exporter broke with key-in-an-error")

    with caplog.at_level(logging.ERROR, logger="honeyhive_lambda_test"):
        assert contract.call_within(5, fail) is None
    assert "RuntimeError: exporter broke with [redacted]" in caplog.text
    assert "key-in-an-error" not in caplog.text


def test_ledger_needs_one_success_and_no_failure() -> None:
    ledger = contract.ExportLedger()
    ledger.begin(time.monotonic() + 10)
    assert not ledger.all_succeeded()
    ledger.record(True)
    assert ledger.all_succeeded()
    ledger.record(False)
    assert not ledger.all_succeeded()
    ledger.begin(time.monotonic() + 10)
    assert not ledger.all_succeeded()
    ledger.tighten(time.monotonic() + 1)
    ledger.tighten(time.monotonic() + 5)  # tightening never loosens
    left = ledger.seconds_left()
    assert left is not None and left <= 1


def test_bounded_session_records_success(server: IngestServer) -> None:
    ledger = contract.ExportLedger()
    ledger.begin(time.monotonic() + 10)
    assert post_export(contract.export_session(ledger), server).status_code == 200
    assert ledger.all_succeeded()


@pytest.mark.parametrize("status", [500, 503, 429])
def test_bounded_session_raises_on_an_error_status_so_nothing_retries(
    server: IngestServer, status: int
) -> None:
    server.set_fault(TRACES, status=status)
    ledger = contract.ExportLedger()
    ledger.begin(time.monotonic() + 10)
    with pytest.raises(contract.ExportAborted, match=f"HTTP {status}"):
        post_export(contract.export_session(ledger), server)
    assert not ledger.all_succeeded()
    assert len(server.requests()) == 1


def test_bounded_session_cuts_the_sdk_timeout_to_the_deadline(server: IngestServer) -> None:
    server.set_fault(TRACES, delay=600)  # the SDK asks for 30 s; only the deadline cuts it
    ledger = contract.ExportLedger()
    ledger.begin(time.monotonic() + 0.5)
    with pytest.raises(contract.ExportAborted, match="ReadTimeout"):
        post_export(contract.export_session(ledger), server)
    assert not ledger.all_succeeded()


def test_bounded_session_sends_nothing_after_the_deadline(server: IngestServer) -> None:
    ledger = contract.ExportLedger()
    ledger.begin(time.monotonic() - 1)
    with pytest.raises(contract.ExportAborted, match="no time left"):
        post_export(contract.export_session(ledger), server)
    assert server.requests() == []
    assert not ledger.all_succeeded()


def test_flush_timeout_must_be_positive_milliseconds(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("FLUSH_TIMEOUT_MS", raising=False)
    assert contract.flush_timeout_ms() == contract.DEFAULT_FLUSH_TIMEOUT_MS == 5000
    monkeypatch.setenv("FLUSH_TIMEOUT_MS", "750")
    assert contract.flush_timeout_ms() == 750
    for bad in ("0", "-5", "1.5", "soon", ""):
        monkeypatch.setenv("FLUSH_TIMEOUT_MS", bad)
        with pytest.raises(ValueError, match="FLUSH_TIMEOUT_MS must be a positive integer"):
            contract.flush_timeout_ms()


class _TracerWithout:
    def __init__(self, *, api_key: str | None = None, **kwargs: object) -> None:
        """An SDK whose tracer would swallow `requests_session` in **kwargs and ignore it."""

    @classmethod
    def init(cls, **kwargs: object) -> _TracerWithout:
        return cls(**kwargs)  # type: ignore[arg-type]


class _TracerWith(_TracerWithout):
    def __init__(self, *, requests_session: object = None, **kwargs: object) -> None:
        self.client = None


def test_a_tracer_without_requests_session_is_refused_by_name() -> None:
    assert contract.missing_tracer_features(_TracerWithout) == ["`requests_session`"]
    assert contract.missing_tracer_features(_TracerWith) == []
    with pytest.raises(contract.SdkFeatureMissing, match=r"lacks `requests_session`.*1\.6\.0"):
        contract.Sdk.start(_TracerWithout, lambda **_: None)
    assert contract.Sdk.start(_TracerWith, lambda **_: None).tracer.client is None


def test_fields_are_read_from_the_model_or_the_object() -> None:
    from pydantic import BaseModel

    class Config(BaseModel):
        timeout: float = 5.0

    class Old(BaseModel):
        server_url: str = ""

    assert contract.has_field(Config(), "timeout")
    assert not contract.has_field(Old(), "timeout")
    assert contract.has_field(type("Plain", (), {"timeout": 1})(), "timeout")
