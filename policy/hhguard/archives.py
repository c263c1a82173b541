"""Layer archives larger than Lambda's direct-upload limit, measured on the file itself.

The engine sends an archive's path as the program wrote it. A relative path is relative to the
program's directory, which the pack cannot see: the CLI runs the pack in its own directory, which
here is `policy/` inside the program's directory, so both are tried.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any, Final

import pulumi
from pulumi_policy import EnforcementLevel

from . import aws_types as t
from .framework import Resource, Settings, resource_policy
from .limits import ARCHIVE_SIZE_SCHEMA
from .values import fmt

MB: Final = 1024 * 1024


def archive_path(props: Any) -> str | None:
    """The local file or directory a LayerVersion uploads (`code` archive or `filename`)."""
    code = props.get("code")
    if isinstance(code, pulumi.FileArchive):
        return str(code.path)
    filename = props.get("filename")
    return filename if isinstance(filename, str) else None


def resolve(path: str, bases: tuple[Path, ...]) -> Path | None:
    candidate = Path(path)
    if candidate.is_absolute():
        return candidate if candidate.exists() else None
    return next((base / candidate for base in bases if (base / candidate).exists()), None)


def size_bytes(path: Path) -> int:
    """A file's size; for a directory (zipped by Pulumi) the total of its files, an upper bound."""
    if path.is_dir():
        return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())
    return path.stat().st_size


def check_archive_size(resource: Resource, settings: Settings) -> Iterator[str]:
    if resource.type != t.LAYER_VERSION:
        return
    raw = archive_path(resource.props)
    if raw is None:
        return
    bases = (Path.cwd(), Path.cwd().parent)
    path = resolve(raw, bases)
    if path is None:
        yield (
            f"layer archive {raw!r} was not found (looked in {', '.join(map(str, bases))}), so "
            "its size was not checked: build it before the check (make layer)"
        )
        return
    limit_mb = float(settings["maxZippedMb"])
    size = size_bytes(path)
    if size > limit_mb * MB:
        what = "its files total" if path.is_dir() else "it is"
        yield (
            f"layer archive {str(path)!r}: {what} {size / MB:.1f} MB, above Lambda's "
            f"{fmt(limit_mb)} MB limit for a zipped upload: trim the layer's dependencies or "
            "upload it through S3 (s3Bucket/s3Key)"
        )


POLICIES: Final = [
    resource_policy(
        "layer-archive-size",
        "Layer archives stay under Lambda's zipped upload limit (checked on the file)",
        check_archive_size,
        config=ARCHIVE_SIZE_SCHEMA,
        enforcement=EnforcementLevel.ADVISORY,
    ),
]
