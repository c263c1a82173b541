"""CPython from Debian's packages, unpacked into `build/interpreters/`, for a runtime this machine
has no interpreter of: python3.14, and every runtime on the other architecture (run by Debian
bookworm's `qemu-user-static`, unpacked the same way; no binfmt registration is needed).

A sysroot is `build/interpreters/<runtime>-<arch>-<key>/usr/...` with `key` the hash of its exact
package versions; `sysroot.json` (written last, so a present one means complete) records them.
The interpreter is a two-line wrapper, `usr/bin/python3.X-debian`, that runs `usr/bin/python3.X`
through the sysroot's own loader and C library (Debian's newer glibc is not this machine's), with
`--argv0` so `sys.executable` is the wrapper again; on the other architecture, through a copy of
`qemu-<machine>-static` beside it. Everything it names is relative to the wrapper, so the sysroot
works wherever it is mounted (the local runtime binds `usr` at /var/lang). This is a Debian build
of CPython, not AWS's: manifests and reports say so.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import platform
import shutil
import subprocess
from pathlib import Path
from typing import Final

from infra.spec import LINUX_MACHINES, REPO_ROOT
from layer.debian import DEB_ARCH, DebianUnavailable, PrivateApt, unpack
from layer.errors import InterpreterNotFound
from layer.interpreters import Interpreter, find_interpreter

ROOT: Final = REPO_ROOT / "build" / "interpreters"
APT_ROOT: Final = REPO_ROOT / "build" / "debian"
# The Debian suite whose python3.X package is CPython 3.X (Debian 12 has 3.11 only; no suite
# has a 3.12, so python3.12 on the other architecture cannot be run: the layer's static checks
# are all it gets).
SUITES: Final = {"3.13": "trixie", "3.14": "sid"}
QEMU_SUITE: Final = "bookworm"
MARKER: Final = "sysroot.json"
LOADERS: Final = {
    "x86_64": "lib/x86_64-linux-gnu/ld-linux-x86-64.so.2",
    "arm64": "lib/aarch64-linux-gnu/ld-linux-aarch64.so.1",
}
_PROBE: Final = "import platform, sys; print(sys.version.split()[0]); print(platform.machine())"
_WRAPPER: Final = """#!/bin/sh
# CPython from Debian {suite} packages (not AWS's build): see ../../sysroot.json.
here=${{0%/*}}
exec {emulator}"$here/../{loader}" --argv0 "$0" --library-path "$here/../{libdir}" \\
  "$here/python{minor}" "$@"
"""


def packages_for(minor: str) -> tuple[str, ...]:
    """The interpreter, its standard library, and libstdc++ (protobuf's and awslambdaric's
    extension modules link it; `import honeyhive` alone does not)."""
    return (f"python{minor}-minimal", f"libpython{minor}-stdlib", "libstdc++6")


def host_architecture() -> str:
    machine = platform.machine()
    for arch, name in LINUX_MACHINES.items():
        if name == machine:
            return arch
    raise DebianUnavailable(f"this machine is {machine}: Debian sysroots need x86_64 or aarch64")


def emulator_name(arch: str) -> str:
    return f"qemu-{LINUX_MACHINES[arch]}-static"


def cached(minor: str, arch: str) -> Interpreter | None:
    """The newest complete sysroot of python`minor` on arch in build/, without the network."""
    found = sorted(ROOT.glob(f"python{minor}-{arch}-*/{MARKER}"), key=lambda p: p.stat().st_mtime)
    for marker in reversed(found):
        interpreter = _from_marker(marker)
        if interpreter is not None:
            return interpreter
    return None


def _from_marker(marker: Path) -> Interpreter | None:
    try:
        record = json.loads(marker.read_text())
    except (OSError, ValueError):
        return None
    wrapper = marker.parent / "usr" / "bin" / f"python{record['minor']}-debian"
    if not wrapper.is_file():
        return None
    return Interpreter(
        path=wrapper,
        version=record["python"],
        build=f"Debian {record['suite']} packages (index of {record['indexDate']}), not AWS's",
        packages=tuple(record["packages"]),
        emulated=bool(record["emulator"]),
    )


def provide(minor: str, arch: str) -> Interpreter:
    """python`minor` for arch from build/, else fetched, unpacked and checked (one process at
    a time builds it; the others wait and reuse it). Raises `DebianUnavailable`."""
    suite = SUITES.get(minor)
    if suite is None:
        raise DebianUnavailable(
            f"no Debian suite has a CPython {minor} package for {DEB_ARCH[arch]}, so "
            f"python{minor} on {arch} cannot run on this machine"
        )
    if (found := cached(minor, arch)) is not None:
        return found
    ROOT.mkdir(parents=True, exist_ok=True)
    with (ROOT / f".python{minor}-{arch}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if (found := cached(minor, arch)) is not None:
            return found
        return _create(minor, arch, suite)


def _create(minor: str, arch: str, suite: str) -> Interpreter:
    apt = PrivateApt(APT_ROOT / f"{suite}-{DEB_ARCH[arch]}", suite, DEB_ARCH[arch])
    index_date = apt.update()
    planned = apt.plan(packages_for(minor))
    emulator = _emulator(arch)
    labels = [package.label for package in planned] + ([emulator[1]] if emulator else [])
    key = hashlib.sha256("\n".join(labels).encode()).hexdigest()[:16]
    target = ROOT / f"python{minor}-{arch}-{key}"
    partial = target.with_name(target.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    unpack(apt.download(planned), partial)
    wrapper = _write_wrapper(partial / "usr" / "bin", minor, arch, suite, emulator)
    version = _check(wrapper, minor, arch)
    _compile_stdlib(_compiler(minor, arch, wrapper), partial / "usr" / "lib" / f"python{minor}")
    record = {
        "minor": minor, "arch": arch, "suite": suite, "indexDate": index_date,
        "python": version, "packages": labels, "emulator": emulator[1] if emulator else None,
    }  # fmt: skip
    shutil.rmtree(target, ignore_errors=True)
    partial.rename(target)
    # The wrapper names nothing absolute, so the move does not break it.
    (target / MARKER).write_text(json.dumps(record, indent=2) + "\n")
    found = _from_marker(target / MARKER)
    assert found is not None
    return found


def _write_wrapper(
    bin_dir: Path, minor: str, arch: str, suite: str, emulator: tuple[Path, str] | None
) -> Path:
    """`python3.X-debian` beside Debian's `python3.X` (and a copy of the emulator, if any)."""
    prefix = ""
    if emulator:
        shutil.copy2(emulator[0], bin_dir / emulator[0].name)
        prefix = f'"$here/{emulator[0].name}" '
    wrapper = bin_dir / f"python{minor}-debian"
    loader = LOADERS[arch]
    wrapper.write_text(
        _WRAPPER.format(
            suite=suite, emulator=prefix, loader=loader, libdir=Path(loader).parent, minor=minor
        )
    )
    wrapper.chmod(0o755)
    return wrapper


def _emulator(arch: str) -> tuple[Path, str] | None:
    """qemu-user-static from Debian bookworm for this machine, unpacked into build/ once (None
    when arch is this machine's): its binary for arch, and its package label."""
    host = host_architecture()
    if arch == host:
        return None
    # Every architecture's sysroot shares one emulator: one process at a time unpacks it.
    with (ROOT / ".qemu.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        return _unpacked_emulator(host, emulator_name(arch))


def _unpacked_emulator(host: str, name: str) -> tuple[Path, str]:
    for marker in sorted(ROOT.glob(f"qemu-{DEB_ARCH[host]}-*/{MARKER}")):
        record = json.loads(marker.read_text())
        if (marker.parent / "usr" / "bin" / name).is_file():
            return marker.parent / "usr" / "bin" / name, str(record["package"])
    apt = PrivateApt(APT_ROOT / f"{QEMU_SUITE}-{DEB_ARCH[host]}", QEMU_SUITE, DEB_ARCH[host])
    apt.update()
    planned = [p for p in apt.plan(("qemu-user-static",)) if p.name == "qemu-user-static"]
    label = planned[0].label
    target = ROOT / f"qemu-{DEB_ARCH[host]}-{hashlib.sha256(label.encode()).hexdigest()[:16]}"
    partial = target.with_name(target.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    unpack(apt.download(planned), partial)
    binary = partial / "usr" / "bin" / name
    if not binary.is_file():
        raise DebianUnavailable(f"{label} has no usr/bin/{name}")
    # The package holds an emulator per machine (370 MB): only this one is kept.
    shutil.rmtree(target, ignore_errors=True)
    (target / "usr" / "bin").mkdir(parents=True)
    binary.rename(target / "usr" / "bin" / name)
    shutil.rmtree(partial)
    (target / MARKER).write_text(json.dumps({"package": label}) + "\n")
    return target / "usr" / "bin" / name, label


def _check(wrapper: Path, minor: str, arch: str) -> str:
    """Run the wrapper: it must be CPython `minor` on arch's machine. Returns its version."""
    result = subprocess.run(
        [str(wrapper), "-S", "-c", _PROBE], capture_output=True, text=True, timeout=300,
        check=False,
    )  # fmt: skip
    lines = result.stdout.split()
    if result.returncode != 0 or len(lines) != 2:
        raise DebianUnavailable(
            f"the unpacked interpreter {wrapper} does not run (exit {result.returncode}): "
            f"{result.stderr.strip()[-800:]}"
        )
    version, machine = lines
    if version.rsplit(".", 1)[0] != minor or machine != LINUX_MACHINES[arch]:
        raise DebianUnavailable(f"{wrapper} is Python {version} on {machine}, not {minor}/{arch}")
    return version


def _compiler(minor: str, arch: str, wrapper: Path) -> Path:
    """Bytecode does not depend on the machine: an emulated sysroot's standard library is
    compiled by a native python`minor` when this machine has one (80 s -> 5 s for 3.13)."""
    if arch == host_architecture():
        return wrapper
    try:
        return find_interpreter(minor).path
    except InterpreterNotFound:
        native = cached(minor, host_architecture())
        return native.path if native is not None else wrapper


def _compile_stdlib(wrapper: Path, stdlib: Path) -> None:
    """Debian compiles the standard library when it installs it; `dpkg -x` does not (cold
    imports under emulation: 4.5 s -> 1.3 s for `import platform`). Modules that do not compile
    (test data) are skipped, as Debian's own compile skips them."""
    subprocess.run(
        [str(wrapper), "-S", "-m", "compileall", "-q", "-q", "-j", "0", str(stdlib)],
        capture_output=True, timeout=1800, check=False,
    )  # fmt: skip
