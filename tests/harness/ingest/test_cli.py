"""`python -m harness ingest` as a process: prints its URL, serves, stops on SIGTERM/SIGINT."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator

import pytest
import requests

from harness.ingest import SESSION_START, TRACES
from infra.spec import REPO_ROOT

pytestmark = pytest.mark.slow

READY_PREFIX = "ingest listening on "


def launch(*args: str, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "harness", "ingest", *args],
        cwd=REPO_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, **(env or {})},
    )


@pytest.fixture
def running() -> Iterator[list[subprocess.Popen[str]]]:
    """Processes started by a test; killed afterwards if the test left them running."""
    processes: list[subprocess.Popen[str]] = []
    yield processes
    for process in processes:
        if process.poll() is None:
            process.kill()
            process.wait()


def ready_url(process: subprocess.Popen[str]) -> str:
    assert process.stdout is not None
    line = process.stdout.readline()
    assert line.startswith(READY_PREFIX), line + (process.stderr.read() if process.stderr else "")
    return line.removeprefix(READY_PREFIX).strip()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_serves_with_faults_until_signalled(
    running: list[subprocess.Popen[str]], signum: signal.Signals
) -> None:
    port = free_port()
    process = launch(
        "--port", str(port), "--fault", f"{TRACES}=503", "--fault", f"{SESSION_START}=delay:600"
    )
    running.append(process)
    url = ready_url(process)
    assert url == f"http://127.0.0.1:{port}"

    export = requests.post(
        url + TRACES,
        data=b"{}",
        headers={"Authorization": "Bearer t", "Content-Type": "application/json"},
        timeout=10,
    )
    assert export.status_code == 503
    with pytest.raises(requests.ReadTimeout):  # held: the delay outlasts the client's timeout
        requests.post(
            url + SESSION_START,
            json={"session": {}},
            headers={"Authorization": "Bearer t"},
            timeout=0.5,
        )
    assert requests.get(url + "/_ingest/health", timeout=10).json()["sessions"] == 0

    process.send_signal(signum)
    assert process.wait(timeout=10) == 0
    with pytest.raises(requests.ConnectionError):
        requests.get(url + "/_ingest/health", timeout=2)


def test_api_key_env_restricts_the_accepted_token(running: list[subprocess.Popen[str]]) -> None:
    process = launch("--api-key-env", "INGEST_TEST_KEY", env={"INGEST_TEST_KEY": "the-key"})
    running.append(process)
    url = ready_url(process)
    for token, status in (("the-key", 200), ("other", 401)):
        response = requests.post(
            url + SESSION_START,
            json={"session": {}},
            headers={"Authorization": f"Bearer {token}"},
            timeout=10,
        )
        assert response.status_code == status
    process.terminate()
    assert process.wait(timeout=10) == 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--fault", "/nowhere=500"], "fault route must be one of"),
        (["--fault", f"{TRACES}=sometimes"], "fault action must be"),
        (["--api-key-env", "INGEST_TEST_UNSET_VARIABLE"], "is not set"),
    ],
)
def test_bad_options_exit_2_with_the_reason(args: list[str], message: str) -> None:
    env = {k: v for k, v in os.environ.items() if k != "INGEST_TEST_UNSET_VARIABLE"}
    result = subprocess.run(
        [sys.executable, "-m", "harness", "ingest", *args],
        cwd=REPO_ROOT,
        check=False,
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert result.returncode == 2
    assert message in result.stderr


def test_harness_lists_the_ingest_command() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "harness", "--help"],
        cwd=REPO_ROOT,
        check=False,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert "ingest" in result.stdout
