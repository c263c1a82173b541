"""The interpreter of runtime R on architecture A: installed, else Debian's, unpacked into
build/ by a private apt (verified against the archive's signed indices), else a clear refusal."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from infra.spec import LINUX_MACHINES
from layer import debian, sysroots
from layer.debian import DebianUnavailable, PrivateApt
from layer.errors import InterpreterNotFound
from layer.provider import interpreter_for
from tests.layer.build_fixtures import HOST_ARCH

OTHER_ARCH = "arm64" if HOST_ARCH == "x86_64" else "x86_64"
DEAD_MIRROR = "http://127.0.0.1:9/debian"
PROBE = "import sys, ssl, ctypes, platform; print(sys.executable, sys.prefix, platform.machine())"


def _run(python: Path, code: str) -> list[str]:
    result = subprocess.run(
        [str(python), "-c", code], capture_output=True, text=True, timeout=300, check=True
    )
    return result.stdout.split()


@pytest.mark.slow
def test_python3_14_is_debians_build_run_through_its_own_loader() -> None:
    python = sysroots.provide("3.14", HOST_ARCH)
    assert python.build.startswith("Debian sid packages") and python.build.endswith("not AWS's")
    assert any(p.startswith("python3.14-minimal 3.14.") for p in python.packages)
    assert any(p.startswith("libc6 ") for p in python.packages), "its own C library"
    assert not python.emulated
    executable, prefix, machine = _run(python.path, PROBE)
    # A subprocess started from sys.executable goes through the loader again.
    assert (executable, prefix) == (str(python.path), str(python.prefix))
    assert machine == LINUX_MACHINES[HOST_ARCH]
    assert python.path.parent.parent.parent.name.startswith(f"python3.14-{HOST_ARCH}-")


@pytest.mark.slow
def test_the_other_architecture_runs_under_qemu_from_debian() -> None:
    python = interpreter_for("3.13", OTHER_ARCH)
    assert python.emulated
    assert any(p.startswith("qemu-user-static ") for p in python.packages)
    assert any(p.startswith("libstdc++6 ") for p in python.packages)
    assert _run(python.path, PROBE)[2] == LINUX_MACHINES[OTHER_ARCH]
    emulator = python.prefix / "bin" / sysroots.emulator_name(OTHER_ARCH)
    assert emulator.is_file(), "inside the prefix, so the sandbox's /var/lang has it too"


@pytest.mark.slow
def test_a_sysroot_in_build_is_reused_without_the_network(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    first = sysroots.provide("3.14", HOST_ARCH)
    monkeypatch.setattr(debian, "MIRROR", DEAD_MIRROR)
    assert sysroots.provide("3.14", HOST_ARCH) == first


def test_python3_12_on_the_other_architecture_is_refused_naming_why() -> None:
    with pytest.raises(InterpreterNotFound, match=r"no Debian suite has a CPython 3\.12"):
        interpreter_for("3.12", OTHER_ARCH)


def test_no_package_index_fails_naming_the_mirror(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(debian, "MIRROR", DEAD_MIRROR)
    with pytest.raises(DebianUnavailable, match=r"apt-get update for Debian sid/amd64 failed") as e:
        PrivateApt(tmp_path, "sid", "amd64").update()
    assert f"Check this machine reaches {DEAD_MIRROR}" in str(e.value)


@pytest.mark.slow
def test_an_index_the_keyring_cannot_verify_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The archive's signature is checked: with a keyring that lacks Debian's keys, apt refuses
    the index and nothing can be planned or downloaded from it."""
    empty = tmp_path / "empty.gpg"
    empty.write_bytes(b"")
    monkeypatch.setattr(debian, "KEYRING", empty)
    with pytest.raises(DebianUnavailable, match=r"NO_PUBKEY|not signed|signature"):
        PrivateApt(tmp_path / "apt", "bookworm", "amd64").update()


def test_a_missing_keyring_names_the_package_to_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(debian, "KEYRING", tmp_path / "absent.gpg")
    with pytest.raises(DebianUnavailable, match=r"apt-get install debian-archive-keyring"):
        PrivateApt(tmp_path / "apt", "sid", "amd64").update()


def test_no_apt_names_what_is_needed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(DebianUnavailable, match=r"apt-get and dpkg are needed"):
        PrivateApt(tmp_path / "apt", "sid", "amd64").update()


def test_the_private_apt_state_stays_under_its_root(tmp_path: Path) -> None:
    """The configuration names only its own directories (the host's apt state is untouched)
    and verifies with the Debian keyring."""
    config = debian._config(tmp_path, "trixie", "arm64", Path("/k.gpg")).read_text()
    for line in config.splitlines():
        if line.startswith("Dir::") and '""' not in line:
            assert f'"{tmp_path}' in line, line
    assert (tmp_path / "state" / "status").read_text() == ""
    assert (tmp_path / "etc" / "sources.list").read_text() == (
        f"deb [signed-by=/k.gpg] {debian.MIRROR} trixie main\n"
    )
