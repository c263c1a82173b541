"""Import a built layer on its own runtime and machine before it is deployed: every extension
module it holds, then `honeyhive`, in a fresh interpreter of that runtime (on arm64, Debian's
CPython under qemu-user: `layer.provider`). A wheel for the wrong machine or Python fails here
as it would on Lambda (`No module named 'pydantic_core._pydantic_core'`).

python3.12 on arm64 has no interpreter here (no reachable package provides one): its layer gets
the static checks only (`layer.static_checks`), and this says so instead of passing.
"""

from __future__ import annotations

import re
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from layer import sysroots
from layer.provider import interpreter_for
from layer.targets import LayerTarget
from layer.verify import run_probe

# A whole layer's import under qemu takes ~25 s (0.8 s natively).
TIMEOUT_S: Final = 600
_SUFFIX: Final = re.compile(r"(\.cpython-[^.]+|\.abi3)?\.so$")


@dataclass(frozen=True)
class ImportCheck:
    modules: tuple[str, ...]
    seconds: float
    python: str
    emulated: bool


def runnable(target: LayerTarget) -> bool:
    """Whether an interpreter of target can exist here (else only the static checks apply)."""
    return target.arch == sysroots.host_architecture() or target.python_version in sysroots.SUITES


def extension_modules(archive: Path, target: LayerTarget) -> list[str]:
    """The dotted names of the extension modules in the layer's site-packages (not the
    libraries vendored beside them in `<package>.libs/`)."""
    prefix = f"{target.site_packages}/"
    names = []
    with zipfile.ZipFile(archive) as zipped:
        for name in zipped.namelist():
            if name.startswith(prefix) and _SUFFIX.search(name) and ".libs/" not in name:
                module = _SUFFIX.sub("", name.removeprefix(prefix))
                if "." not in module and "-" not in module:
                    names.append(module.replace("/", "."))
    return sorted(names)


def check_imports(archive: Path, target: LayerTarget) -> ImportCheck:
    """Unpack the layer where Lambda would (a temp dir standing for /opt) and import it.
    Raises `InterpreterNotFound` (no interpreter: the message names what to install) or
    `ProbeFailed` (the layer does not import: the interpreter's error)."""
    python = interpreter_for(target.python_version, target.arch)
    modules = (*extension_modules(archive, target), "honeyhive")
    with tempfile.TemporaryDirectory(prefix=f"import-check-{target.name}-") as tmp:
        with zipfile.ZipFile(archive) as zipped:
            zipped.extractall(tmp)
        result = run_probe(
            python.path, Path(tmp), target, modules=modules, audit=False, timeout=TIMEOUT_S
        )
    return ImportCheck(modules, float(result["importSeconds"]), python.version, python.emulated)
