"""Deterministic zips: sorted entries, fixed timestamps and modes, fixed compression."""

from __future__ import annotations

import stat
import zipfile
from pathlib import Path, PurePosixPath

from layer.errors import LayerError

EPOCH = (1980, 1, 1, 0, 0, 0)  # the earliest time a zip entry can carry
FILE_MODE = 0o644  # nothing in a layer is executed directly: .so files are mmapped, not exec'd
DIR_MODE = 0o755
_UNIX = 3  # create_system: tells unzip the high external_attr bits are Unix modes
_DEFLATE_LEVEL = 6  # zlib's default: level 9 takes 2.7x as long for a 0.6% smaller layer


def _info(name: str, mode: int) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=EPOCH)
    info.create_system = _UNIX
    info.external_attr = mode << 16
    if stat.S_ISDIR(mode):
        info.external_attr |= 0x10  # MS-DOS directory flag
    else:
        info.compress_type = zipfile.ZIP_DEFLATED
    return info


def zip_tree(root: Path, dest: Path) -> None:
    """Zip everything under root (paths relative to root). Symlinks are refused: a wheel
    cannot carry them, so one here means something else wrote into the tree."""
    entries: list[tuple[str, Path]] = []
    for path in root.rglob("*"):
        if path.is_symlink():
            raise LayerError(f"{path} is a symlink; a layer tree should hold only wheel files")
        rel = path.relative_to(root).as_posix()
        entries.append((rel + "/" if path.is_dir() else rel, path))
    with zipfile.ZipFile(dest, "w") as archive:
        for name, path in sorted(entries):
            if name.endswith("/"):
                archive.writestr(_info(name, stat.S_IFDIR | DIR_MODE), b"")
            else:
                archive.writestr(
                    _info(name, stat.S_IFREG | FILE_MODE),
                    path.read_bytes(),
                    compresslevel=_DEFLATE_LEVEL,
                )


def unpack(archive_path: Path, dest: Path) -> None:
    """Extract as Lambda does: modes from the archive, paths confined to dest."""
    with zipfile.ZipFile(archive_path) as archive:
        for info in archive.infolist():
            rel = PurePosixPath(info.filename)
            if rel.is_absolute() or ".." in rel.parts:
                raise LayerError(f"{archive_path}: entry {info.filename!r} escapes the layer")
            path = dest / rel
            if info.is_dir():
                path.mkdir(parents=True, exist_ok=True)
            else:
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(archive.read(info))
            mode = stat.S_IMODE(info.external_attr >> 16)
            if mode:
                path.chmod(mode)


def unzipped_bytes(archive_path: Path) -> int:
    """Sum of the entries' uncompressed sizes: what Lambda counts against its unzipped limit."""
    with zipfile.ZipFile(archive_path) as archive:
        return sum(info.file_size for info in archive.infolist())
