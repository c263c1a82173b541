"""Where an invocation's time goes, as the handlers report it on the local runtime: the import
lines of a cold start with PYTHONPROFILEIMPORTTIME, and the cProfile summary a warm invocation
answers with when WARM_PROFILE_ENV is set (the suite's attribution phase sets both)."""

from __future__ import annotations

import cProfile
import importlib.util
import json
import logging
import sys
from pathlib import Path
from types import ModuleType, SimpleNamespace
from typing import Any

import pytest

from harness.ingest import IngestServer
from harness.postdeploy import importtime
from infra.spec import IMPORT_PROFILE_ENV, WARM_PROFILE_ENV
from tests.lambda_functions.environments import StartLambda, load_contract, sdk_env

EVENT = {"test_type": "ci_validation", "data": {"message": "CI test"}}
PROFILING = {IMPORT_PROFILE_ENV: "1", WARM_PROFILE_ENV: "1"}
contract = load_contract()


@pytest.mark.slow
def test_a_profiled_environment_reports_its_imports_and_its_warm_time(
    start_lambda: StartLambda, ingest: IngestServer, api_key: str
) -> None:
    process = start_lambda("working_sdk_test", sdk_env(api_key, ingest.url, **PROFILING))
    cold, warm = process.invoke(EVENT), process.invoke(EVENT)
    assert "profile" not in cold.body, "the cold invocation is measured, not profiled"
    imports = importtime.parse(cold.log.splitlines())
    assert imports.sdk_total_ms is not None and imports.sdk_total_ms > 0
    assert "honeyhive.tracer" in imports.modules
    profile = warm.body["profile"]
    assert warm.body["coldStart"] is False and profile["totalMs"] > 0
    functions = profile["sdkFunctions"]
    assert functions and all(row["function"].startswith("honeyhive/") for row in functions)
    cumulative = [row["cumulativeMs"] for row in functions]
    assert cumulative == sorted(cumulative, reverse=True)
    own = [row["ownMs"] for row in profile["ownTime"]]
    assert own and own == sorted(own, reverse=True)
    warm_imports = importtime.parse(warm.log.splitlines())
    assert warm_imports.sdk_total_ms is None, "the SDK is imported once, at cold start"
    assert "cProfile" in warm_imports.modules, "the profiler is imported only when switched on"


@pytest.mark.slow
def test_without_the_switch_nothing_is_profiled(
    start_lambda: StartLambda, ingest: IngestServer, api_key: str
) -> None:
    process = start_lambda("working_sdk_test", sdk_env(api_key, ingest.url))
    cold, warm = process.invoke(EVENT), process.invoke(EVENT)
    assert "profile" not in warm.body
    assert not importtime.parse(cold.log.splitlines()).modules


@pytest.mark.slow
def test_baseline_profiles_without_an_sdk(start_lambda: StartLambda) -> None:
    process = start_lambda("baseline", {WARM_PROFILE_ENV: "1"})
    process.invoke(EVENT)
    profile = process.invoke(EVENT).body["profile"]
    assert profile["sdkFunctions"] == [] and profile["ownTime"]


@pytest.mark.parametrize(
    ("filename", "line", "name", "where"),
    [
        ("/var/lang/lib/python3.13/site-packages/honeyhive/api/client.py", 12, "start",
         "honeyhive/api/client.py:12(start)"),
        ("/opt/python/honeyhive/_clock.py", 104, "sync_wrapper",
         "honeyhive/_clock.py:104(sync_wrapper)"),
        ("/var/task/working_sdk_test.py", 3, "handler", "working_sdk_test.py:3(handler)"),
        ("/var/lang/lib/python3.13/ssl.py", 770, "create_default_context",
         "ssl.py:770(create_default_context)"),
        ("~", 0, "<built-in method __new__ of type object at 0x7f46bdb09f20>",
         "<built-in method __new__ of type object>"),
        ("~", 0, "<method 'recv' of '_socket.socket' objects>",
         "<method 'recv' of '_socket.socket' objects>"),
    ],
)  # fmt: skip
def test_functions_are_named_from_their_package_on(
    filename: str, line: int, name: str, where: str
) -> None:
    assert contract.function_location(filename, line, name) == where


def answers() -> tuple[dict[str, Any], dict[str, Any]]:
    """The bodies of a cold and a warm invocation of a handler that does no SDK work."""
    function = contract.Function(default_test_type="offline")
    context = SimpleNamespace(function_name="honeyhive-t-offline", aws_request_id="r1")

    def work(request: Any) -> Any:
        return contract.Outcome(extra={"worked": request.event.test_type})

    cold, warm = (function.handle(EVENT, context, work) for _ in range(2))
    assert cold["statusCode"] == warm["statusCode"] == 200
    return json.loads(cold["body"]), json.loads(warm["body"])


def test_a_warm_invocation_answers_with_its_profile(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(WARM_PROFILE_ENV, "1")
    cold, warm = answers()
    assert "profile" not in cold
    assert warm["profile"]["totalMs"] > 0 and "profileError" not in warm


def test_a_failed_profile_summary_leaves_the_invocation_a_success(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """The invocation succeeded; only the suite's attribution is missing, and the answer says
    why (redacted, as every error the handlers report)."""
    monkeypatch.setenv(WARM_PROFILE_ENV, "1")
    monkeypatch.setenv(contract.API_KEY_ENV, "key-in-an-error")

    def summary_fails(profiler: Any) -> dict[str, Any]:
        raise ValueError(f"pstats broke near {contract.API_KEY_ENV}=key-in-an-error")

    monkeypatch.setattr(contract, "profile_summary", summary_fails)
    with caplog.at_level(logging.ERROR, logger="honeyhive_lambda_test"):
        _, warm = answers()
    assert warm["status"] == "SUCCESS" and warm["worked"] == "ci_validation"
    assert warm["profileError"] == "ValueError: pstats broke near HH_API_KEY=[redacted]"
    assert "profile" not in warm
    assert "profiling the invocation failed: ValueError" in caplog.text


def _module(path: Path, name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_sdk_functions_are_the_sdk_packages_by_real_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The SDK imported through a symlinked directory (as a layer may be) still owns the files
    the profiler names by their real path; a sibling package whose name starts alike does not."""
    packages = tmp_path / "site-packages"
    for package, source in (("honeyhive", "def start():\n    return sum(range(9))\n"),
                            ("honeyhive_extra", "def helper():\n    return 1\n")):  # fmt: skip
        (packages / package).mkdir(parents=True)
        (packages / package / "__init__.py").write_text("")
        (packages / package / "code.py").write_text(source)
    (tmp_path / "opt").symlink_to(packages)
    sdk = ModuleType("honeyhive")
    sdk.__file__ = str(tmp_path / "opt" / "honeyhive" / "__init__.py")
    monkeypatch.setitem(sys.modules, "honeyhive", sdk)
    monkeypatch.setattr(sys, "dont_write_bytecode", True)
    code = _module(packages / "honeyhive" / "code.py", "offline_sdk_code")
    extra = _module(packages / "honeyhive_extra" / "code.py", "offline_extra_code")
    profiler = cProfile.Profile()
    profiler.runcall(lambda: (code.start(), extra.helper()))

    summary = contract.profile_summary(profiler)

    assert [row["function"] for row in summary["sdkFunctions"]] == ["honeyhive/code.py:1(start)"]
    assert "honeyhive_extra/code.py:1(helper)" in [row["function"] for row in summary["ownTime"]]
