"""Lambda SnapStart: which functions may use it, and what the program declares when it does.

With the `snapStart` setting on, each SDK function is published (`publish=True`) with
`snap_start={"apply_on": "PublishedVersions"}`: Lambda runs its init once per published version,
snapshots the memory image and restores every new execution environment from that one image.
Only a published version (or an alias of one) runs from the snapshot; `$LATEST` of the same
function still starts on demand, so the suite invokes the alias `SNAPSTART_ALIAS` and compares it
with `$LATEST`. `working_sdk_test` is deployed once more with the handler `HOOKED_HANDLER`,
which registers the runtime hooks an SDK user would have to add (`lambda_functions/
snapstart_hooked.py`): the report then says whether the SDK is safe by itself and whether the
workaround works.

What SnapStart refuses (AWS Lambda Developer Guide, "Improving startup performance with Lambda
SnapStart", https://docs.aws.amazon.com/lambda/latest/dg/snapstart.html): Python runtimes older
than 3.12, provisioned concurrency, Amazon EFS, and ephemeral storage over 512 MB. The program
checks its own functions here before it declares them; the policy pack
(`policy/hhguard/snapstart.py`) checks any program's resources.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

SNAPSTART_DOC_URL: Final = "https://docs.aws.amazon.com/lambda/latest/dg/snapstart.html"
SNAPSTART_MIN_PYTHON: Final = (3, 12)
SNAPSTART_APPLY_ON: Final = "PublishedVersions"
EPHEMERAL_STORAGE_MAX_MB: Final = 512
"""SnapStart's limit; also Lambda's default ephemeral storage, which the program keeps."""
SNAPSTART_ALIAS: Final = "honeyhive-snapstart"
"""The alias of the published version the suite invokes (aliases share the function's name
space, and the pack wants every AWS name under the `honeyhive-` prefix)."""
HOOKED_VARIANT: Final = "hooked"
"""`working_sdk_test` again, as `honeyhive-S-working-sdk-test-hooked`, with the runtime hooks."""
HOOKED_HANDLER_MODULE: Final = "snapstart_hooked"
HOOKED_HANDLER: Final = f"{HOOKED_HANDLER_MODULE}.lambda_handler"
INITIALIZATION_TYPE_ENV: Final = "AWS_LAMBDA_INITIALIZATION_TYPE"
SNAPSTART_INITIALIZATION_TYPE: Final = "snap-start"
ON_DEMAND_INITIALIZATION_TYPE: Final = "on-demand"
AFTER_RESTORE_LIMIT_S: Final = 10.0
"""Lambda's limit for the after-restore hooks (snapstart-runtime-hooks-python.html)."""


def runtime_supports_snapstart(runtime: str) -> bool:
    """`python3.12` and later; anything that is not `python3.N` does not."""
    major, _, minor = runtime.removeprefix("python").partition(".")
    if not runtime.startswith("python") or not (major.isdigit() and minor.isdigit()):
        return False
    return (int(major), int(minor)) >= SNAPSTART_MIN_PYTHON


@dataclass(frozen=True)
class SnapStartShape:
    """What SnapStart cares about in one function as the program would declare it."""

    function: str
    runtime: str
    ephemeral_storage_mb: int = EPHEMERAL_STORAGE_MAX_MB
    file_systems: int = 0
    """EFS access points mounted (`file_system_config`)."""
    provisioned_concurrency: int = 0


def snapstart_problems(shape: SnapStartShape) -> list[str]:
    """Why `shape` cannot run with SnapStart, one sentence per reason with its fix."""
    problems: list[str] = []
    name = shape.function
    if not runtime_supports_snapstart(shape.runtime):
        low = ".".join(map(str, SNAPSTART_MIN_PYTHON))
        problems.append(
            f"{name}: runtime {shape.runtime!r} has no SnapStart (python{low} and later do; "
            f"{SNAPSTART_DOC_URL}); set runtime python{low} or later, or snapStart false"
        )
    if shape.ephemeral_storage_mb > EPHEMERAL_STORAGE_MAX_MB:
        problems.append(
            f"{name}: ephemeral storage {shape.ephemeral_storage_mb} MB; SnapStart allows at "
            f"most {EPHEMERAL_STORAGE_MAX_MB} MB ({SNAPSTART_DOC_URL}); lower it or set "
            "snapStart false"
        )
    if shape.file_systems:
        problems.append(
            f"{name}: mounts {shape.file_systems} EFS file system(s); SnapStart cannot be used "
            f"with Amazon EFS ({SNAPSTART_DOC_URL}); remove file_system_config or set snapStart "
            "false"
        )
    if shape.provisioned_concurrency:
        problems.append(
            f"{name}: provisioned concurrency {shape.provisioned_concurrency}; SnapStart cannot "
            f"be used with provisioned concurrency ({SNAPSTART_DOC_URL}); remove it or set "
            "snapStart false"
        )
    return problems
