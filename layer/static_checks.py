"""What can be proven of a layer without running it: the only checks python3.12 on arm64 gets (no
interpreter of it can run here), and the first ones every layer gets.

- every ELF file is built for the layer's machine (an x86_64 wheel in an arm64 layer fails on
  Lambda with `No module named 'pydantic_core._pydantic_core'`, far from its cause);
- every extension module's filename carries the runtime's ABI tag (`cpython-313-aarch64-linux-gnu`
  or the stable ABI, `abi3`): the interpreter ignores one built for another version;
- no shared object needs a glibc newer than Lambda's Amazon Linux 2023 has (2.34), or links a
  library outside manylinux2014's allowlist (PEP 599) that Lambda's image provides, unless the
  layer ships it (auditwheel's vendored `<package>.libs/`).
"""

from __future__ import annotations

import argparse
import re
import sys
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path
from typing import Any, Final, cast

from elftools.common.exceptions import ELFError
from elftools.elf.dynamic import DynamicSection
from elftools.elf.elffile import ELFFile
from elftools.elf.gnuversions import GNUVerNeedSection

from layer.errors import LayerError
from layer.targets import ARCHES, RUNTIMES, LayerTarget

# Amazon Linux 2023's glibc, which every Lambda python3.12+ runtime runs on.
LAMBDA_GLIBC: Final = (2, 34)
# e_machine of each architecture (pyelftools' names).
ELF_MACHINES: Final = {"x86_64": "EM_X86_64", "arm64": "EM_AARCH64"}
# PEP 599 (manylinux2014) minus the X11, GL and GLib libraries Lambda's image does not have.
SYSTEM_LIBRARIES: Final = frozenset(
    {
        "libc.so.6", "libm.so.6", "libdl.so.2", "librt.so.1", "libpthread.so.0",
        "libutil.so.1", "libnsl.so.1", "libresolv.so.2", "libgcc_s.so.1", "libstdc++.so.6",
        "ld-linux-x86-64.so.2", "ld-linux-aarch64.so.1",
    }
)  # fmt: skip
_RUNTIME_DIR: Final = re.compile(r"^python/lib/python3\.\d+/")
_GLIBC: Final = re.compile(r"^GLIBC_(\d+)\.(\d+)(?:\.\d+)?$")
# An extension module's tagged suffix: `.cpython-313-x86_64-linux-gnu.so`, `.abi3.so`.
_EXTENSION_TAG: Final = re.compile(r"\.(cpython-\d+[a-z]*-[a-z0-9_]+-linux-gnu|abi3)\.so$")


class LayerCheckFailed(LayerError):
    """The layer cannot work on its runtime; the message names each file and why."""


@dataclass(frozen=True)
class ElfFacts:
    machine: str
    needed: tuple[str, ...]
    glibc: tuple[int, int] | None
    """The newest GLIBC_x.y version it needs."""


def elf_facts(data: bytes) -> ElfFacts | None:
    """What an ELF file needs, or None when `data` is no ELF file."""
    if not data.startswith(b"\x7fELF"):
        return None
    try:
        elf = ELFFile(BytesIO(data))
        needed: list[str] = []
        newest: tuple[int, int] | None = None
        for section in elf.iter_sections():
            if isinstance(section, DynamicSection):
                needed += [
                    cast(Any, tag).needed
                    for tag in section.iter_tags()
                    if tag.entry.d_tag == "DT_NEEDED"
                ]
            if isinstance(section, GNUVerNeedSection):
                for _, auxiliaries in section.iter_versions():
                    for aux in auxiliaries:
                        if (match := _GLIBC.match(aux.name)) is not None:
                            version = (int(match[1]), int(match[2]))
                            newest = max(newest or version, version)
        return ElfFacts(str(elf["e_machine"]), tuple(needed), newest)
    except ELFError as exc:
        return ElfFacts(f"unreadable ({exc})", (), None)


def _members(archive: Path) -> Iterator[tuple[str, bytes]]:
    with zipfile.ZipFile(archive) as zipped:
        for info in zipped.infolist():
            if not info.is_dir():
                yield info.filename, zipped.read(info)


def problems(archive: Path, target: LayerTarget) -> list[str]:
    """Every reason the layer zip at `archive` cannot work on target's runtime and machine."""
    members = dict(_members(archive))
    shipped = {Path(name).name for name in members}
    expected_tag = f"cpython-{target.cp_tag.removeprefix('cp')}-{target.machine}-linux-gnu"
    found = []
    for name, data in sorted(members.items()):
        facts = elf_facts(data)
        if facts is None:
            continue
        if facts.machine != ELF_MACHINES[target.arch]:
            found.append(f"{name}: built for {facts.machine}, not {target.arch}")
            continue
        tag = _EXTENSION_TAG.search(name)
        if tag and tag[1] not in (expected_tag, "abi3"):
            found.append(f"{name}: extension module for {tag[1]}, not {expected_tag}")
        if facts.glibc and facts.glibc > LAMBDA_GLIBC:
            newest = ".".join(map(str, facts.glibc))
            found.append(f"{name}: needs GLIBC_{newest}, Lambda's Amazon Linux 2023 has 2.34")
        foreign = [lib for lib in facts.needed if lib not in SYSTEM_LIBRARIES | shipped]
        if foreign:
            found.append(f"{name}: links {', '.join(foreign)}, which Lambda does not provide")
    return found


def check(archive: Path, target: LayerTarget) -> None:
    """Raise `LayerCheckFailed` naming every file that cannot work on target."""
    found = problems(archive, target)
    if found:
        raise LayerCheckFailed(
            f"layer {target.name} ({archive}) fails its static checks:\n  "
            + "\n  ".join(found)
            + "\nFix: install wheels built for the layer's runtime and architecture (the builder "
            "does; a hand-made or patched layer.zip does not)."
        )


def pure_python_disagreements(first: Path, second: Path) -> list[str]:
    """Files of the same path that differ between two layers of one SDK and architecture for
    different runtimes (3.12 and 3.13): pure-Python code is the same wheel for both, so a
    difference means a different package version slipped into one of them. Paths are named
    as in `first`."""
    ones = _python_files(first)
    twos = _python_files(second)
    here, there = _runtime_dir(ones), _runtime_dir(twos)
    twos = {name.replace(there, here, 1): data for name, data in twos.items()}
    return sorted(name for name in ones.keys() & twos.keys() if ones[name] != twos[name])


def _python_files(archive: Path) -> dict[str, bytes]:
    return {name: data for name, data in _members(archive) if name.endswith(".py")}


def _runtime_dir(files: dict[str, bytes]) -> str:
    """`python/lib/python3.13/`: where a layer for python3.13 keeps its packages."""
    for name in files:
        if (match := _RUNTIME_DIR.match(name)) is not None:
            return match[0]
    return "python/"


def main(argv: list[str] | None = None) -> int:
    """`python -m layer.static_checks LAYER.zip --runtime R --arch A`: check any layer zip (a
    hand-made or downloaded one); exit 1 naming each file that cannot work on R and A."""
    parser = argparse.ArgumentParser(prog="python -m layer.static_checks", description=main.__doc__)
    parser.add_argument("layer", type=Path, help="the layer's zip")
    parser.add_argument("--runtime", required=True, choices=RUNTIMES)
    parser.add_argument("--arch", required=True, choices=list(ARCHES))
    args = parser.parse_args(argv)
    try:
        check(args.layer, LayerTarget(args.runtime, args.arch))
    except LayerCheckFailed as exc:
        print(f"python -m layer.static_checks: error: {exc}", file=sys.stderr)
        return 1
    print(f"{args.layer}: passes the static checks for {args.runtime}-{args.arch}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
