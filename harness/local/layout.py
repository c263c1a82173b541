"""A function's files where Lambda puts them: the code in a task root, the layers in an `opt`.

Lambda unpacks the deployment package into /var/task and each layer, in order, into /opt
(a later layer's files replace an earlier one's). Here the task root lives in the run's
directory; an `opt` is unpacked once per distinct list of layer zips (by content) into a cache
and shared read-only, as /opt is in Lambda. The sandbox binds them, read-only, at /var/task and
/opt (sandbox.py); without it the environment points LAMBDA_TASK_ROOT, PYTHONPATH and cwd at
them here, and sets PYTHONDONTWRITEBYTECODE so that nothing writes bytecode into them.

Lambda keeps the zip's Unix modes, and its function user owns none of the files: only their
"other" bits decide what it may read (a 0600 file or a 0700 folder is "permission denied").
Where the harness runs as root, the function's user is not the files' owner here either
(sandbox.py). Elsewhere the function runs with the harness's kernel uid, which owns what it
unpacked: the code and the layers are then written with each entry's "other" bits copied over
its owner and group bits (`confine_to_other_bits`), so the same bits decide, and
`remove_tree` gives the harness its directories back before removing them.
"""

from __future__ import annotations

import base64
import fcntl
import hashlib
import os
import shutil
import stat
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
    code_sha256: str = ""
    """A stand-in for CodeSha256: the base64 SHA-256 over the task root's files."""
    code_size: int = 0


def lay_out(code: Code, layers: tuple[Path, ...], root: Path, layer_cache: Path) -> Layout:
    """The code unpacked into `root/task`, and the `opt` of `layers` (from the cache)."""
    task_root = root / "task"
    remove_tree(root)
    task_root.mkdir(parents=True)
    _unpack_code(code, task_root)
    sha256, size = _code_digest(task_root)  # read before the harness may lose the right to
    if function_owns_files():
        confine_to_other_bits(task_root)
    opt = unpack_layers(layers, layer_cache)
    return Layout(task_root=task_root, opt=opt, code_sha256=sha256, code_size=size)


def function_owns_files() -> bool:
    """Whether the function runs with the kernel uid that owns the files the harness writes:
    everywhere but where the harness is root (sandbox.py)."""
    return os.geteuid() != 0


def confine_to_other_bits(root: Path) -> None:
    """Give every entry under `root` (and `root`) its "other" permission bits as its owner's and
    group's too. Symbolic links are left alone (their modes mean nothing, and chmod follows
    them)."""
    for directory, dirs, files in os.walk(root, topdown=False):
        for name in [*dirs, *files]:
            _confine(Path(directory) / name)
    _confine(root)


def _confine(path: Path) -> None:
    mode = path.lstat().st_mode
    if stat.S_ISLNK(mode):
        return
    other = mode & 0o7
    path.chmod((stat.S_IMODE(mode) & ~0o777) | other << 6 | other << 3 | other)


def remove_tree(root: Path) -> None:
    """Remove `root` (if there) even where `confine_to_other_bits` took the owner's rights."""
    if not root.is_dir() or root.is_symlink():
        root.unlink(missing_ok=True)
        return
    if function_owns_files():
        _restore_owner_rights(root)
    shutil.rmtree(root, ignore_errors=True)


def _restore_owner_rights(directory: Path) -> None:
    try:
        directory.chmod(0o700)
        entries = list(os.scandir(directory))
    except OSError:
        return
    for entry in entries:
        if entry.is_dir(follow_symlinks=False):
            _restore_owner_rights(Path(entry.path))


def _code_digest(task_root: Path) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    for path in sorted(p for p in task_root.rglob("*") if p.is_file()):
        data = path.read_bytes()
        digest.update(path.relative_to(task_root).as_posix().encode() + b"\0" + data)
        size += len(data)
    return base64.b64encode(digest.digest()).decode(), size


def unpack_layers(layers: tuple[Path, ...], cache: Path) -> Path:
    """`cache/<digest of the zips' contents>`: the layers unpacked in order, made once (under a
    file lock, landed by an atomic rename) and reused by every function and run that has them."""
    digest = hashlib.sha256()
    if function_owns_files():
        digest.update(b"other bits ")  # unpacked differently from the same zips as root
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
                remove_tree(staging)
                staging.mkdir()
                for layer in layers:
                    _extract(layer, staging)
                if function_owns_files():
                    confine_to_other_bits(staging)
                staging.rename(opt)
        _prune(cache, keep=opt)
    opt.touch()  # the entry's mtime is its last use
    return opt


def _prune(cache: Path, keep: Path) -> None:
    """Forget layer sets nobody has used for a week (each layer rebuild makes a new one)."""
    cutoff = time.time() - CACHE_MAX_IDLE_S
    for entry in cache.iterdir():
        if entry.is_dir() and entry != keep and entry.stat().st_mtime < cutoff:
            remove_tree(entry)
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
