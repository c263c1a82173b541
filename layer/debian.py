"""Debian packages fetched through a private apt configuration, and unpacked with `dpkg -x`.

The host's apt state is never read or changed: each (suite, architecture) gets its own
`sources.list`, package lists, download cache and an empty dpkg `status` file under `build/`,
handed to apt with `APT_CONFIG`. apt verifies every package against the suite's signed indices
(the Debian archive keyring). The archive reachable here is a frozen copy whose `Release` files
are past their `Valid-Until`, so that date is not enforced (`Acquire::Check-Valid-Until`): the
signature is, and the index's own date is recorded with the packages.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from layer.errors import LayerError

MIRROR: Final = "http://deb.debian.org/debian"
KEYRING: Final = Path("/usr/share/keyrings/debian-archive-keyring.gpg")
# Debian's architecture names for Lambda's.
DEB_ARCH: Final = {"x86_64": "amd64", "arm64": "arm64"}
_TIMEOUT_S: Final = 600
# apt-get --simulate: `Inst libc6 (2.43-7 Debian:unstable [amd64])`
_INST: Final = re.compile(r"^Inst (?P<name>\S+) \((?P<version>\S+) .*\[(?P<arch>[^\]]+)\]\)")


class DebianUnavailable(LayerError):
    """The packages cannot be had here: the message names what is missing and the fix."""


@dataclass(frozen=True)
class Package:
    name: str
    version: str
    arch: str

    @property
    def file(self) -> str:
        """apt's name for the downloaded file (an epoch's colon is written %3a)."""
        return f"{self.name}_{self.version.replace(':', '%3a')}_{self.arch}.deb"

    @property
    def label(self) -> str:
        return f"{self.name} {self.version}"


def _config(root: Path, suite: str, deb_arch: str, keyring: Path) -> Path:
    """Write the private apt configuration under root; return the APT_CONFIG file."""
    for sub in ("etc/apt.conf.d", "etc/preferences.d", "etc/sources.list.d", "lists/partial",
                "cache/archives/partial", "state"):  # fmt: skip
        (root / sub).mkdir(parents=True, exist_ok=True)
    (root / "state/status").touch()
    (root / "etc/sources.list").write_text(f"deb [signed-by={keyring}] {MIRROR} {suite} main\n")
    settings = {
        "Dir::Etc": root / "etc",
        "Dir::Etc::SourceList": root / "etc/sources.list",
        "Dir::Etc::SourceParts": root / "etc/sources.list.d",
        "Dir::Etc::Parts": root / "etc/apt.conf.d",
        "Dir::Etc::Preferences": root / "etc/preferences",
        "Dir::Etc::PreferencesParts": root / "etc/preferences.d",
        "Dir::Etc::TrustedParts": root / "etc/trusted.gpg.d",
        "Dir::State": root / "state",
        "Dir::State::Lists": root / "lists",
        "Dir::State::status": root / "state/status",
        "Dir::Cache": root / "cache",
        "Dir::Cache::Archives": root / "cache/archives",
        "Dir::Cache::pkgcache": "",
        "Dir::Cache::srcpkgcache": "",
        "APT::Architecture": deb_arch,
        "APT::Install-Recommends": "false",
        "Acquire::Languages": "none",
        "Acquire::Check-Valid-Until": "false",
    }
    lines = [f'{key} "{value}";' for key, value in settings.items()]
    lines.append(f'APT::Architectures {{ "{deb_arch}"; }};')
    config = root / "apt.conf"
    config.write_text("\n".join(lines) + "\n")
    return config


def keyring() -> Path:
    """The Debian archive keyring apt verifies the indices with."""
    if KEYRING.is_file():
        return KEYRING
    raise DebianUnavailable(
        f"the Debian archive keyring ({KEYRING}) is missing, so no Debian package index can be "
        "verified: install it (`apt-get install debian-archive-keyring`; Ubuntu has it in "
        "universe)"
    )


@dataclass(frozen=True)
class PrivateApt:
    """apt for one suite and architecture, all of its state under `root`."""

    root: Path
    suite: str
    deb_arch: str

    def _run(self, *args: str) -> str:
        apt_get = shutil.which("apt-get")
        if apt_get is None or shutil.which("dpkg") is None:
            raise DebianUnavailable(
                "apt-get and dpkg are needed to fetch Debian packages (a Debian or Ubuntu "
                "machine has them): run on one, or install the interpreter yourself"
            )
        config = _config(self.root, self.suite, self.deb_arch, keyring())
        env = {**os.environ, "APT_CONFIG": str(config), "DEBIAN_FRONTEND": "noninteractive"}
        try:
            result = subprocess.run(
                [apt_get, "-q", "-o", "Debug::NoLocking=true", *args],
                capture_output=True, text=True, env=env, timeout=_TIMEOUT_S, check=False,
            )  # fmt: skip
        except subprocess.TimeoutExpired:
            raise DebianUnavailable(
                f"apt-get {args[0]} ({self.suite}/{self.deb_arch}) took over {_TIMEOUT_S} s: "
                f"check this machine reaches {MIRROR}"
            ) from None
        errors = [line for line in result.stderr.splitlines() if line.startswith(("E:", "W:"))]
        # `update` exits 0 when an index could not be fetched or verified, with warnings.
        fatal = ("E:", "W:") if args[0] == "update" else ("E:",)
        if result.returncode != 0 or any(line.startswith(fatal) for line in errors):
            detail = "; ".join(errors) or result.stderr.strip()[-500:]
            raise DebianUnavailable(
                f"apt-get {args[0]} for Debian {self.suite}/{self.deb_arch} failed: {detail}. "
                f"Check this machine reaches {MIRROR} (no package index, no interpreter), or "
                "install the interpreter yourself"
            )
        return result.stdout

    def update(self) -> str:
        """Fetch and verify the suite's index; return its `Date:`."""
        self._run("update")
        for release in (self.root / "lists").glob("*_InRelease"):
            for line in release.read_text(errors="replace").splitlines():
                if line.startswith("Date:"):
                    return line.removeprefix("Date:").strip()
        raise DebianUnavailable(f"apt-get update left no signed index for {self.suite}")

    def plan(self, names: tuple[str, ...]) -> list[Package]:
        """The packages (every dependency, as on a machine with nothing installed) that
        `names` need, with their exact versions (apt's simulation: no download)."""
        out = self._run("install", "--simulate", "-y", *names)
        found = [
            Package(match["name"], match["version"], match["arch"])
            for match in map(_INST.match, out.splitlines())
            if match is not None
        ]
        if not found:
            raise DebianUnavailable(f"apt planned no package for {' '.join(names)}")
        return sorted(found, key=lambda package: package.name)

    def download(self, packages: list[Package]) -> list[Path]:
        """Download (and verify) exactly the planned packages; return their files."""
        wanted = [f"{package.name}:{package.arch}={package.version}" for package in packages]
        self._run("install", "--download-only", "-y", *wanted)
        files = [self.root / "cache/archives" / package.file for package in packages]
        missing = [str(path) for path in files if not path.is_file()]
        if missing:
            raise DebianUnavailable(f"apt-get downloaded, but these are missing: {missing}")
        return files


def unpack(debs: list[Path], root: Path) -> None:
    """`dpkg -x` each package into root (no maintainer scripts run, no dpkg state)."""
    for deb in debs:
        result = subprocess.run(
            ["dpkg", "-x", str(deb), str(root)], capture_output=True, text=True, check=False
        )
        if result.returncode != 0:
            raise DebianUnavailable(f"dpkg -x {deb.name} failed: {result.stderr.strip()}")
        deb.unlink()  # the unpacked sysroot is what build/ keeps
