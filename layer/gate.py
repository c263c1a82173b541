"""Lambda's size limits for a layer, and who in the zip uses the bytes."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from infra.spec import LAYER_UNZIPPED_MAX_BYTES, LAYER_ZIPPED_MAX_BYTES
from layer.errors import LayerTooLarge
from layer.pins import canonical

MIB = 1024 * 1024


@dataclass(frozen=True)
class Limits:
    """Byte limits; a layer must be strictly smaller. Lambda's API states them in bytes:
    a directly uploaded zip "must be smaller than" 52428800 (50 MiB), and the unzipped content
    of a function and all its layers "must be smaller than" 262144000 (250 MiB). The unzipped
    limit is shared with the function code, so passing this gate is necessary, not sufficient."""

    zipped: int = LAYER_ZIPPED_MAX_BYTES
    unzipped: int = LAYER_UNZIPPED_MAX_BYTES


_PYC = re.compile(r"^(?P<dir>(?:.*/)?)__pycache__/(?P<mod>[^/.]+)\.[^/]+\.pyc$")
_LAYER_PREFIX = re.compile(r"^python/(?:lib/python3\.\d+/site-packages/)?")


def package_sizes(archive_path: Path) -> list[tuple[str, int, int]]:
    """`(package, unzipped, zipped)` per distribution, largest first. A file belongs to the
    distribution whose RECORD lists it (a pyc to its source's); files no RECORD lists (e.g. in a
    seed layer, which has no metadata) count under their top-level directory."""
    with zipfile.ZipFile(archive_path) as archive:
        infos = [i for i in archive.infolist() if not i.is_dir()]
        owner: dict[str, str] = {}
        for info in infos:
            rel = _LAYER_PREFIX.sub("", info.filename)
            if rel.endswith(".dist-info/RECORD"):
                dist_info = rel.split("/", 1)[0].removesuffix(".dist-info")
                dist = canonical(dist_info.rsplit("-", 1)[0])
                text = archive.read(info).decode("utf-8")
                for row in csv.reader(io.StringIO(text)):
                    if row:
                        owner[row[0]] = dist
    unzipped: Counter[str] = Counter()
    zipped: Counter[str] = Counter()
    for info in infos:
        rel = _LAYER_PREFIX.sub("", info.filename)
        pyc = _PYC.match(rel)
        source = f"{pyc['dir']}{pyc['mod']}.py" if pyc else rel
        name = owner.get(source) or rel.split("/", 1)[0]
        unzipped[name] += info.file_size
        zipped[name] += info.compress_size
    return sorted(
        ((n, unzipped[n], zipped[n]) for n in unzipped), key=lambda row: (-row[1], row[0])
    )


def check_size(archive_path: Path, limits: Limits, label: str) -> None:
    """Refuse a layer Lambda would refuse, naming the sizes and the five largest packages."""
    zipped = archive_path.stat().st_size
    with zipfile.ZipFile(archive_path) as archive:
        unzipped = sum(i.file_size for i in archive.infolist())
    over = []
    if zipped >= limits.zipped:
        over.append(f"{zipped} bytes zipped ({zipped / MIB:.1f} MiB; limit < {limits.zipped})")
    if unzipped >= limits.unzipped:
        over.append(
            f"{unzipped} bytes unzipped ({unzipped / MIB:.1f} MiB; limit < {limits.unzipped})"
        )
    if over:
        largest = ", ".join(
            f"{name} {size / MIB:.1f} MiB ({packed / MIB:.1f} MiB zipped)"
            for name, size, packed in package_sizes(archive_path)[:5]
        )
        raise LayerTooLarge(
            f"layer {label} is too large for Lambda: {' and '.join(over)}. Largest packages: "
            f"{largest}. Fix: drop or replace the largest dependencies in layer/requirements.in "
            "and run `python -m layer.lock`."
        )
