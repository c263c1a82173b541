"""Each environment sees Lambda's file system (its own user, mount and PID namespaces): the code
and the layers read-only where Lambda puts them, a private /tmp of the function's ephemeral
storage, the rest read-only; where the namespaces cannot be made, the pool says so, once."""

from __future__ import annotations

import json
import os
import uuid
from pathlib import Path
from typing import Any

import pytest

from harness.local import sandbox
from harness.local.invocation import EmulatedInvocation
from tests.harness.local.fixtures import RUNTIME, layer_zip, needs_sandbox


def body(invocation: EmulatedInvocation) -> Any:
    return json.loads(invocation.payload)


@pytest.mark.slow
@needs_sandbox
def test_code_and_layers_are_read_only_where_lambda_puts_them(pools: Any, tmp_path: Path) -> None:
    pool = pools("fs-fn", "filesystem", layers=(layer_zip(tmp_path),), ephemeral_storage=1024)
    seen = body(pool.invoke(b"{}"))
    assert seen["cwd"] == "/var/task"
    assert seen["writable"] == {
        "/var/task": False,
        "/opt": False,
        "/tmp": True,
        "/etc": False,  # the root file system is read-only too
        "/var": False,
    }
    assert seen["opt"] == ["python"]  # the layers, not the host's /opt
    assert seen["layerByAbsolutePath"] is True
    assert (seen["tmp"], seen["tmpMb"]) == ([], 1024)  # empty, of the ephemeral storage's size
    assert seen["interpreter"] == f"/var/lang/bin/{RUNTIME}"
    assert seen["usrLocalBin"] == []  # the host's tools there (docker, terraform...) are hidden
    assert seen["onPath"] == {  # Lambda's image has a shell and coreutils, not git or gcc
        "env": "/usr/bin/env",
        "sh": "/usr/bin/sh",
        "git": None,
        "gcc": None,
        "find": None,
    }


@pytest.mark.slow
@needs_sandbox
def test_tmp_belongs_to_one_environment_and_lasts_as_long_as_it(pools: Any) -> None:
    marker = f"marker-{uuid.uuid4().hex}"
    pool = pools("tmp-fn", "filesystem")
    touched = body(pool.invoke(json.dumps({"touch": marker}).encode()))
    assert touched["tmp"] == [marker]
    assert body(pool.invoke(b"{}"))["tmp"] == [marker]  # the same (warm) environment
    assert not (Path("/tmp") / marker).exists()
    assert body(pools("tmp-other-fn", "filesystem").invoke(b"{}"))["tmp"] == []


def test_without_namespaces_the_pool_says_so_once(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(sandbox, "unavailable", lambda: "user namespaces are disabled")
    sandbox.enabled.cache_clear()
    try:
        assert sandbox.enabled() is False
        assert sandbox.enabled() is False
    finally:
        sandbox.enabled.cache_clear()
    said = capsys.readouterr().err
    assert said.count("no sandbox for the functions (user namespaces are disabled)") == 1
    assert "code and layers writable" in said


def test_a_user_namespace_is_made_for_the_mounts_only_where_the_harness_is_not_root(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """As root, the setup mounts without one and `setpriv` leaves uid 0 before the function's
    own user namespace (the kernel enforces RLIMIT_NPROC only for a uid that is not root)."""
    monkeypatch.setattr(os, "geteuid", lambda: 0)
    assert sandbox._namespaces() == sandbox.UNSHARE
    assert sandbox._identity()[-1] == "yes"
    monkeypatch.setattr(os, "geteuid", lambda: 1001)
    assert sandbox._namespaces()[:2] == ("--user", "--map-root-user")
    assert sandbox._identity() == ("993", "990", "1024", "1024", "no")
