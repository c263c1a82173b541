"""A function's files where Lambda puts them: the code in a task root, the layers in an `opt`.

Lambda unpacks the deployment package into /var/task and each layer, in order, into /opt
(a later layer's files replace an earlier one's). Here the task root lives in the run's
directory; an `opt` is unpacked once per distinct list of layer zips (by content) into a cache
and shared read-only, as /opt is in Lambda. The sandbox binds them, read-only, at /var/task and
/opt (sandbox.py); without it the environment points LAMBDA_TASK_ROOT, PYTHONPATH and cwd at
them here, and sets PYTHONDONTWRITEBYTECODE so that nothing writes bytecode into them.
"""

from __future__ import annotations

import fcntl
import hashlib
import shutil
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path

from harness.local.config import Code
from harness.local.errors import LayoutError
from infra.digest import sha256_file
from layer.archive import unpack
from layer.errors import LayerError

CACHE_MAX_IDLE_S = 7 * 24 * 3600


@dataclass(frozen=True)
class Layout:
    task_root: Path
    opt: Path


def lay_out(code: Code, layers: tuple[Path, ...], root: Path, layer_cache: Path) -> Layout:
    """The code unpacked into `root/task`, and the `opt` of `layers` (from the cache)."""
    task_root = root / "task"
    shutil.rmtree(root, ignore_errors=True)
    task_root.mkdir(parents=True)
    _unpack_code(code, task_root)
    return Layout(task_root=task_root, opt=unpack_layers(layers, layer_cache))


def unpack_layers(layers: tuple[Path, ...], cache: Path) -> Path:
    """`cache/<digest of the zips' contents>`: the layers unpacked in order, made once (under a
    file lock, landed by an atomic rename) and reused by every function and run that has them."""
    digest = hashlib.sha256()
    for layer in layers:
        if not zipfile.is_zipfile(layer):
            raise LayoutError(f"layer {layer} is not a zip file: pass the layer's .zip artefact")
        digest.update(sha256_file(layer).encode())
    opt = cache / digest.hexdigest()[:32]
    if not opt.is_dir():
        cache.mkdir(parents=True, exist_ok=True)
        with (cache / f".{opt.name}.lock").open("w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            if not opt.is_dir():
                staging = opt.with_name(opt.name + ".partial")
                shutil.rmtree(staging, ignore_errors=True)
                staging.mkdir()
                for layer in layers:
                    _extract(layer, staging)
                staging.rename(opt)
        _prune(cache, keep=opt)
    opt.touch()  # the entry's mtime is its last use
    return opt


def _prune(cache: Path, keep: Path) -> None:
    """Forget layer sets nobody has used for a week (each layer rebuild makes a new one)."""
    cutoff = time.time() - CACHE_MAX_IDLE_S
    for entry in cache.iterdir():
        if entry.is_dir() and entry != keep and entry.stat().st_mtime < cutoff:
            shutil.rmtree(entry, ignore_errors=True)
            (cache / f".{entry.name}.lock").unlink(missing_ok=True)


def _unpack_code(code: Code, task_root: Path) -> None:
    if isinstance(code, Path):
        if code.is_dir():
            shutil.copytree(code, task_root, dirs_exist_ok=True, symlinks=True)
        elif zipfile.is_zipfile(code):
            _extract(code, task_root)
        else:
            raise LayoutError(f"code {code} is neither a directory nor a zip file")
        return
    for name, source in code.items():
        target = (task_root / name).resolve()
        if not target.is_relative_to(task_root.resolve()):
            raise LayoutError(f"archive entry {name!r} points outside the task root")
        if not source.is_file():
            raise LayoutError(f"archive entry {name!r}: {source} does not exist")
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, target)


def _extract(archive: Path, target: Path) -> None:
    """Unzip as Lambda does (the layer builder's reader: modes kept, paths confined)."""
    try:
        unpack(archive, target)
    except (OSError, LayerError, zipfile.BadZipFile) as exc:
        raise LayoutError(f"cannot unpack {archive}: {exc}") from exc
