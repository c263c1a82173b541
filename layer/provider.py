"""The interpreter of runtime R on architecture A: the one place that answers it.

On this machine's architecture, an installed CPython (PATH or pyenv, `layer.interpreters`)
where there is one, else CPython from Debian's packages (`layer.sysroots`); on the other
architecture, always Debian's, run under qemu-user. Fails closed, naming what to install.
"""

from __future__ import annotations

import functools

from layer import sysroots
from layer.debian import DebianUnavailable
from layer.errors import InterpreterNotFound
from layer.interpreters import Interpreter, find_interpreter


@functools.cache
def interpreter_for(minor: str, arch: str) -> Interpreter:
    """python`minor` (e.g. "3.14") that runs code as Lambda's `arch` would. Raises
    `InterpreterNotFound` with what was tried and the fix."""
    installed_error = ""
    if arch == sysroots.host_architecture():
        try:
            return find_interpreter(minor)
        except InterpreterNotFound as exc:
            installed_error = f"{exc}; "
    try:
        return sysroots.provide(minor, arch)
    except DebianUnavailable as exc:
        raise InterpreterNotFound(
            f"no python{minor} for {arch}: {installed_error}and from Debian's packages: {exc}"
        ) from None
