"""The post-deploy suite's run: measured once, shared by every test, reported at the end.

The `run` fixture loads the target (`--outputs FILE` or `--stack S`; neither: every test skips
saying how to run the suite), takes every measurement once (`harness.postdeploy.measure`) and
hands the record to the tests, which only assert on it. Each test's outcome is collected, and
at the end of the session report.json and report.md are written (also when checks failed:
they are the record of the run) and report.md is printed.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Generator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from harness.postdeploy import target as targets
from harness.postdeploy.client import lambda_client, logs_client
from harness.postdeploy.errors import PulumiMissing, TargetError
from harness.postdeploy.measure import RunRecord, measure
from harness.postdeploy.report import Outcome, build_report, write_reports
from harness.progress import Progress
from infra.spec import REPO_ROOT
from tests.deployed import options

HERE = Path(__file__).resolve().parent

HOW_TO_RUN = (
    "post-deploy suite: no target; pass --outputs FILE or --stack S "
    "(`make local` runs it locally, `make post-deploy STACK=S` against AWS)"
)
MESSAGE_LIMIT = 2000


@dataclass
class SuiteState:
    record: RunRecord | None = None
    report_dir: Path | None = None
    outcomes: dict[str, Outcome] = field(default_factory=dict)
    written: tuple[Path, Path] | None = None


STATE = pytest.StashKey[SuiteState]()


def _state(config: pytest.Config) -> SuiteState:
    return config.stash.setdefault(STATE, SuiteState())


def _load_target(config: pytest.Config) -> targets.Target:
    outputs, stack = config.getoption("--outputs"), config.getoption("--stack")
    if outputs and stack:
        pytest.fail(
            f"pass --outputs or --stack, not both (got {outputs} and {stack})", pytrace=False
        )
    if not (outputs or stack):
        pytest.skip(HOW_TO_RUN)
    try:
        return targets.from_outputs_file(outputs) if outputs else targets.from_stack(stack)
    except PulumiMissing as exc:
        pytest.skip(str(exc))
    except TargetError as exc:
        pytest.fail(str(exc), pytrace=False)


def _progress(config: pytest.Config) -> Progress:
    """Progress lines on the terminal, live (past pytest's output capture)."""
    capture = config.pluginmanager.getplugin("capturemanager")
    reporter = config.pluginmanager.getplugin("terminalreporter")

    def show(message: str) -> None:
        if capture is None or reporter is None:
            print(f"post-deploy: {message}", file=sys.stderr, flush=True)
            return
        with capture.global_and_fixture_disabled():
            reporter.write_line(f"post-deploy: {message}")

    return show


@pytest.fixture(scope="session")
def run(request: pytest.FixtureRequest) -> RunRecord:
    config = request.config
    target = _load_target(config)
    if hasattr(config, "workerinput"):
        pytest.fail("run the post-deploy suite in one process (without -n): it measures once")
    # botocore's DEBUG lines carry request bodies, and UpdateFunctionConfiguration's holds the key.
    for name in ("botocore", "boto3", "urllib3"):
        logging.getLogger(name).setLevel(logging.INFO)
    progress = _progress(config)
    progress(f"target {target.kind}: {target.source} (region {target.region})")
    record = measure(
        lambda_client(target), logs_client(target), target, options.settings(config), progress
    )
    state = _state(config)
    state.record = record
    state.report_dir = config.getoption("--report-dir") or REPO_ROOT / "build" / target.kind
    if record.error:
        pytest.fail(record.error, pytrace=False)
    return record


# --- the record of the run ---------------------------------------------------------------------


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """No per-test timeout here: the first test carries the whole measurement, whose length
    scales with --cold-starts; every call in it is bounded (boto3 timeouts, waiter attempts,
    the span deadline)."""
    for item in items:
        if item.path.is_relative_to(HERE):
            item.add_marker(pytest.mark.timeout(0))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    if item.path.is_relative_to(HERE):
        _record_outcome(_state(item.config), report)
    return report


_RANK = {"passed": 0, "skipped": 1, "failed": 2, "error": 2}


def _record_outcome(state: SuiteState, report: pytest.TestReport) -> None:
    """One outcome per test: its call's, unless setup or teardown failed (an error)."""
    outcome: str
    if report.when == "call":
        outcome = report.outcome
    elif report.failed:
        outcome = "error"
    elif report.skipped:
        outcome = "skipped"
    else:
        return
    message = ""
    if report.skipped and isinstance(report.longrepr, tuple):
        message = str(report.longrepr[2])
    elif report.failed:
        message = report.longreprtext
    previous = state.outcomes.get(report.nodeid)
    if previous is None or _RANK[outcome] > _RANK[previous.outcome]:
        state.outcomes[report.nodeid] = Outcome(report.nodeid, outcome, message[:MESSAGE_LIMIT])


def pytest_sessionfinish(session: pytest.Session) -> None:
    state = session.config.stash.get(STATE, None)
    if state is None or state.record is None or state.report_dir is None:
        return
    report = build_report(state.record, list(state.outcomes.values()))
    state.written = write_reports(report, state.report_dir, state.record)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    state = terminalreporter.config.stash.get(STATE, None)
    if state is None or state.written is None:
        return
    json_path, md_path = state.written
    terminalreporter.write_sep("=", "post-deploy report")
    terminalreporter.write(md_path.read_text())
    terminalreporter.write_line(f"written: {md_path} and {json_path}")
