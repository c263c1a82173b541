"""The runtime dir of one Python version: what Lambda keeps in /var/runtime and beside it.

It holds `awslambdaric` (the runtime interface client Lambda's Python base images run) and the
boto3 a function can import without packaging it. It goes last on PYTHONPATH, after the task
root and the layers, as in Lambda. Installed once per runtime and architecture by the layer
builder's installer (the wheels Lambda's platform would get), byte-compiled by the target
interpreter (Lambda's runtime ships compiled), and reused while its marker matches the pins.

boto3: AWS does not publish one bundled version per Python runtime (the Lambda Python guide:
"depends on the runtime version and your AWS Region"; find it by printing `boto3.__version__`
in a function). We pin the repository's own boto3 (requirements.txt, which aws-sam-cli pins
exactly), so there is one boto3 version in the repository, and it is a pure-Python wheel that
serves every runtime.
"""

from __future__ import annotations

import fcntl
import json
import shutil
import subprocess
from pathlib import Path
from typing import Final

from harness.local.errors import RuntimeDirError
from harness.local.progress import progress
from layer.errors import LayerError
from layer.install import install_for_lambda
from layer.targets import LayerTarget

# snapshot-restore-py: awslambdaric's dependency, which runs the SnapStart hooks; Lambda bundles
# it in /var/runtime, where a function's `import snapshot_restore_py` finds it.
PINS: Final = ("awslambdaric==4.2.2", "boto3==1.43.108", "snapshot-restore-py==1.0.0")
MARKER: Final = ".local-runtime.json"


def _wanted(runtime: str, arch: str) -> dict[str, object]:
    return {"runtime": runtime, "arch": arch, "pins": list(PINS)}


def is_complete(directory: Path, runtime: str, arch: str) -> bool:
    try:
        return bool(json.loads((directory / MARKER).read_text()) == _wanted(runtime, arch))
    except (OSError, ValueError):
        return False


def ensure_runtime_dir(root: Path, runtime: str, arch: str, interpreter: Path) -> Path:
    """`root/<runtime>-<arch>`, installed unless it is already complete. Safe to call from
    several processes at once (a file lock; the install lands by an atomic rename)."""
    root = root.resolve()
    directory = root / f"{runtime}-{arch}"
    if is_complete(directory, runtime, arch):
        return directory
    root.mkdir(parents=True, exist_ok=True)
    with (root / f".{runtime}-{arch}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not is_complete(directory, runtime, arch):
            _install(directory, runtime, arch, interpreter)
    return directory


def _install(directory: Path, runtime: str, arch: str, interpreter: Path) -> None:
    staging = directory.with_name(directory.name + ".partial")
    shutil.rmtree(staging, ignore_errors=True)
    progress(f"installing the {runtime}-{arch} runtime dir ({', '.join(PINS)}) into {directory}")
    try:
        install_for_lambda(
            LayerTarget(runtime, arch), staging, PINS,
            fix=f"check the index serves {' and '.join(PINS)} for {runtime} on {arch}",
        )  # fmt: skip
    except LayerError as exc:
        raise RuntimeDirError(f"could not install the runtime dir: {exc}") from None
    compile_ = [
        str(interpreter), "-S", "-m", "compileall", "-q", "-j", "0",
        "--invalidation-mode", "unchecked-hash", str(staging),
    ]  # fmt: skip
    _run(compile_, f"{interpreter} could not byte-compile the runtime dir")
    (staging / MARKER).write_text(json.dumps(_wanted(runtime, arch)))
    shutil.rmtree(directory, ignore_errors=True)
    staging.rename(directory)


def _run(command: list[str], what: str) -> None:
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        detail = (result.stderr or result.stdout).strip()[-2000:]
        raise RuntimeDirError(
            f"{what} (exit {result.returncode}): {detail}\nfix the cause and run again "
            f"(the command was: {' '.join(command)})"
        )
