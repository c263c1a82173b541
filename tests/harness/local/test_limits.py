"""Lambda's identity and limits in the sandbox: the function runs as `sbx_user1051` (993:990),
which owns none of its files; no /dev/shm (Queue and Pool raise, Pipe with Process works);
1,024 file descriptors and 1,024 processes/threads. One environment answers every probe."""

from __future__ import annotations

import errno
import json
import stat
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from harness.local import sandbox
from tests.harness.local.fixtures import HANDLERS, make_pool, needs_sandbox, spec, toolchain

OVER_THE_QUOTA = 1100
PRIVATE_SOURCE = "HIDDEN = True\n"


def _add(archive: zipfile.ZipFile, name: str, mode: int, text: str = "") -> None:
    """An entry with Unix mode bits, as `zip` on Linux writes them."""
    info = zipfile.ZipInfo(name)
    kind = stat.S_IFDIR if name.endswith("/") else stat.S_IFREG
    info.external_attr = (kind | mode) << 16
    archive.writestr(info, text)


def _code_zip(directory: Path) -> Path:
    path = directory / "limits-code.zip"
    with zipfile.ZipFile(path, "w") as archive:
        _add(archive, "limits.py", 0o644, (HANDLERS / "limits.py").read_text())
        _add(archive, "public.txt", 0o644, "public")
        _add(archive, "private.txt", 0o600, "private")
        _add(archive, "hidden_module.py", 0o600, PRIVATE_SOURCE)
        _add(archive, "secret/", 0o700)
        _add(archive, "secret/inner.txt", 0o644, "inner")
    return path


@pytest.fixture(scope="module")
def probed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[dict[str, Any], Any]]:
    """What the probe saw, and the pool (its environment still running)."""
    directory = tmp_path_factory.mktemp("limits")
    function = spec("limits-fn", "limits.probe", code=_code_zip(directory), memory_size=1024)
    pool = make_pool(function, toolchain(), directory / "limits-fn")
    event = {
        "files": OVER_THE_QUOTA,
        "threads": OVER_THE_QUOTA,
        "read": ["/var/task/public.txt", "/var/task/private.txt", "/var/task/secret/inner.txt"],
        "list": ["/var/task", "/var/task/secret"],
        "import": ["hidden_module"],
    }
    try:
        invocation = pool.invoke(json.dumps(event).encode())
        assert invocation.function_error is None, invocation.payload
        yield json.loads(invocation.payload), pool
    finally:
        pool.close()


pytestmark = [pytest.mark.slow, needs_sandbox]


def test_the_function_runs_as_lambdas_user(probed: tuple[dict[str, Any], Any]) -> None:
    seen, _pool = probed
    assert seen["ids"] == [993, 990]  # `id` in a python3.12+ function: uid=993 gid=990
    assert (sandbox.FUNCTION_UID, sandbox.FUNCTION_GID) == (993, 990)


def test_without_dev_shm_queue_and_pool_raise_and_pipe_with_process_works(
    probed: tuple[dict[str, Any], Any],
) -> None:
    seen, _pool = probed
    assert seen["devShm"] is False
    # This glibc answers ENOENT; Amazon Linux 2's (python3.11 and older) answered ENOSYS.
    assert seen["queue"] == seen["pool"]
    assert seen["queue"] in {errno.errorcode[errno.ENOENT], errno.errorcode[errno.ENOSYS]}
    assert seen["pipeAndProcess"] is True


def test_open_files_stop_at_lambdas_quota(probed: tuple[dict[str, Any], Any]) -> None:
    seen, _pool = probed
    assert seen["fileRlimit"] == [1024, 1024]  # soft and hard
    assert sandbox.FILE_LIMIT == 1024
    opened = seen["opened"]
    assert opened["failure"] == "EMFILE"
    assert 1000 <= opened["count"] < 1024  # the runtime holds a few descriptors itself


def test_threads_stop_at_lambdas_quota_and_the_environment_goes_on(
    probed: tuple[dict[str, Any], Any],
) -> None:
    seen, pool = probed
    assert seen["processRlimit"] == [1024, 1024]
    assert sandbox.PROCESS_LIMIT == 1024
    started = seen["started"]
    assert started["failure"] == "can't start new thread"
    assert 1000 <= started["count"] < 1024  # the RIE's threads and the runtime's count too
    again = pool.invoke(b"{}")  # the function caught the error: the same environment goes on
    assert again.function_error is None, again.payload
    assert json.loads(again.payload)["invocations"] == 2


def test_files_are_read_as_lambdas_user_reads_them(probed: tuple[dict[str, Any], Any]) -> None:
    seen, _pool = probed
    denied = errno.errorcode[errno.EACCES]
    assert seen["read"] == {
        "/var/task/public.txt": None,
        "/var/task/private.txt": denied,  # 0600
        "/var/task/secret/inner.txt": denied,  # 0644 in a 0700 folder
    }
    assert seen["listed"] == {"/var/task": None, "/var/task/secret": denied}
    assert seen["imported"] == {"hidden_module": denied}
