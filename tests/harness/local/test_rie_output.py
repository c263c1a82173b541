"""Reading the RIE's output: its event lines, its START/END/REPORT, and the function's lines.

The sample lines are copied from a real aws-lambda-rie-x86_64 (aws-sam-cli 1.170.0) run.
"""

from __future__ import annotations

from harness.local.rie_output import LineKind, classify

RID = "4674fc89-d8c5-4fec-8b87-8b2ec0609e24"
STAMP = "27 Nov 2026 11:01:35,308"


def test_rie_events_carry_their_numbers() -> None:
    (init,) = classify(f"{STAMP} [INFO] (rapid) INIT REPORT(durationMs: 88.702000)")
    assert (init.kind, init.duration_ms) == (LineKind.INIT_REPORT, 88.702)
    (init_done,) = classify(f"{STAMP} [INFO] (rapid) INIT RTDONE(status: error)")
    assert (init_done.kind, init_done.status) == (LineKind.INIT_DONE, "error")
    (other,) = classify(f"{STAMP} [WARNING] (rapid) Reset initiated: Timeout")
    assert other.kind is LineKind.RIE_LOG


def test_the_newer_init_report_format_is_read_too() -> None:
    (event,) = classify(
        f"{STAMP} [INFO] (rapid) INIT REPORT(initType: on-demand, durationMs: 12.50, "
        "status: success, phase: init, errorType: )"
    )
    assert event.duration_ms == 12.5


def test_platform_lines_carry_the_request_id() -> None:
    (start,) = classify(f"START RequestId: {RID} Version: $LATEST")
    assert (start.kind, start.request_id) == (LineKind.REQUEST_START, RID)
    (report,) = classify(f"REPORT RequestId: {RID}\tInit Duration: 0.45 ms\tDuration: 90.47 ms\t")
    assert (report.kind, report.request_id) == (LineKind.REQUEST_REPORT, RID)
    (end,) = classify(f"END RequestId: {RID}")
    assert end.kind is LineKind.REQUEST_END


def test_function_output_is_kept_verbatim() -> None:
    line = "[ERROR] ValueError: boom\rTraceback (most recent call last):\r  File ..."
    assert [(e.kind, e.text) for e in classify(line)] == [(LineKind.FUNCTION, line)]


def test_output_without_newline_is_split_from_the_rie_line_it_runs_into() -> None:
    events = classify(
        f"partial{STAMP} [INFO] (rapid) INVOKE RTDONE(status: success, duration: 2ms)"
    )
    assert [e.kind for e in events] == [LineKind.FUNCTION, LineKind.RIE_LOG]
    assert events[0].text == "partial"
    events = classify(f"no newline here END RequestId: {RID}")
    assert [e.kind for e in events] == [LineKind.FUNCTION, LineKind.REQUEST_END]
    assert events[0].text == "no newline here "
