"""The functions' code archive: the handler sources in lambda_functions/, nothing else.

Built from an explicit file list (sorted, no `__pycache__`), so stray bytecode or editor files in
the directory never change what is deployed.
"""

from __future__ import annotations

from pathlib import Path

import pulumi

from infra.errors import InfraError
from infra.spec import FUNCTIONS


class CodeError(InfraError):
    """The handler directory is missing a handler module."""


def handler_sources(directory: Path) -> dict[str, Path]:
    """Relative archive name -> file, for every `*.py` under `directory` (no caches)."""
    return {
        path.relative_to(directory).as_posix(): path
        for path in sorted(directory.rglob("*.py"))
        if "__pycache__" not in path.parts
    }


def function_code(directory: Path) -> pulumi.AssetArchive:
    sources = handler_sources(directory)
    missing = [f"{key}.py" for key in FUNCTIONS if f"{key}.py" not in sources]
    if missing:
        raise CodeError(f"{directory} lacks the handler module(s) {', '.join(missing)}")
    return pulumi.AssetArchive(
        {name: pulumi.FileAsset(str(path)) for name, path in sources.items()}
    )
