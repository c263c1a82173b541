"""The SDK under test, made ready for one layer target: a wheel to install (a source tree is
built into one first), checked to be honeyhive for that target, and its dependencies resolved
for Lambda's platform.

The locked release needs none of this: layer/requirements.txt pins every package. Any other SDK
(infra/sdk.py parses the SPEC) gets its dependencies resolved at build time for the target's
runtime and architecture (binary wheels only), preferring the lock's pins wherever the SDK's
requirements allow them: uv resolves with the lock as its preferences (`uv pip compile -o`
onto a file holding the lock's pins keeps each pin unless the SDK's requirements rule it out).
The resolved set goes into the build key and the manifest, so identical inputs still give
identical bytes. uv (pinned in constraints.txt) is also the builder's installer
(layer/install.py), so what resolves here installs there.
"""

from __future__ import annotations

import email.parser
import os
import re
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

from packaging import tags
from packaging.requirements import Requirement
from packaging.utils import InvalidWheelFilename, canonicalize_name, parse_wheel_filename
from packaging.version import Version

from infra.digest import sha256_file
from infra.sdk import SDK_DISTRIBUTION, SdkKind, SdkSpec, tree_identity
from infra.spec import MIN_SDK_VERSION, REPO_ROOT
from layer import install, pins
from layer.errors import LayerError
from layer.targets import LayerTarget

WHEEL_CACHE: Final = REPO_ROOT / "build" / "sdk-wheels"
# A tree's wheel is built with this fixed epoch, so a backend that stamps times stays
# reproducible (hatchling already writes fixed times).
SOURCE_DATE_EPOCH: Final = "315532800"  # 1980-01-01, the earliest a zip entry can carry
# uv names the SDK itself (not a dependency whose name starts with `honeyhive`).
_NO_SDK_VERSION: Final = re.compile(
    rf"there is no version of {SDK_DISTRIBUTION}(?=[=<>!~ ,(]|$)|"
    rf"\b{SDK_DISTRIBUTION} was not found in the package registry",
    re.MULTILINE,
)
_TAIL_LINES: Final = 25


class SdkError(LayerError):
    """The SDK cannot go into the layer; the message names the SPEC, the reason and the fix."""


@dataclass(frozen=True)
class PreparedSdk:
    """An SDK ready to resolve: what pip installs for it, and what identifies it."""

    spec: SdkSpec
    install: str
    """The honeyhive line of the layer's requirements: `honeyhive==X` or a wheel's path."""
    version: str | None
    """Known before resolving for a wheel or a tree; a requirement's comes from resolution."""
    requires_python: str | None = None
    wheel: Path | None = None
    wheel_sha256: str | None = None
    tree_sha256: str | None = None
    commit: str | None = None
    dirty: bool = False

    @property
    def kind(self) -> SdkKind:
        return self.spec.kind

    def identity(self) -> dict[str, object]:
        """What makes this SDK this SDK, for the build key and the manifest."""
        return {
            "kind": self.kind,
            "spec": self.spec.text,
            "wheelSha256": self.wheel_sha256,
            "treeSha256": self.tree_sha256,
            "commit": self.commit,
            "dirty": self.dirty,
        }


@dataclass(frozen=True)
class ResolvedSdk:
    prepared: PreparedSdk
    target: LayerTarget
    pins: dict[str, str] = field(default_factory=dict)
    """Every package of the layer for this target, honeyhive included."""

    @property
    def version(self) -> str:
        return self.pins[SDK_DISTRIBUTION]

    def requirements_text(self) -> str:
        """What the installer gets: every pin, honeyhive as the prepared line."""
        lines = [
            self.prepared.install if name == SDK_DISTRIBUTION else f"{name}=={version}"
            for name, version in sorted(self.pins.items())
        ]
        return "\n".join(lines) + "\n"


def prepare(spec: SdkSpec, cache: Path = WHEEL_CACHE) -> PreparedSdk:
    """A wheel for a tree (built once per tree identity) or the given wheel, checked to be
    honeyhive; a requirement as it is. Raises `SdkError`."""
    if spec.kind == "requirement":
        assert spec.requirement is not None
        return PreparedSdk(spec, spec.requirement, None)
    assert spec.path is not None
    if spec.kind == "wheel":
        return _prepared_wheel(spec, spec.path, tree=None)
    identity = tree_identity(spec.path)
    wheel = _tree_wheel(spec, identity.sha256, cache)
    prepared = _prepared_wheel(spec, wheel, tree=identity.sha256)
    return PreparedSdk(
        spec, prepared.install, prepared.version, prepared.requires_python, wheel,
        prepared.wheel_sha256, identity.sha256, identity.commit, identity.dirty,
    )  # fmt: skip


def _prepared_wheel(spec: SdkSpec, wheel: Path, *, tree: str | None) -> PreparedSdk:
    name, version, requires_python = wheel_metadata(spec, wheel)
    what = "the tree builds" if tree else "the wheel holds"
    if name != SDK_DISTRIBUTION:
        raise SdkError(
            f"SDK {spec.text!r}: {what} the {name!r} distribution ({version}), not "
            f"{SDK_DISTRIBUTION}; pass the HoneyHive SDK (honeyhiveai/python-sdk)"
        )
    return PreparedSdk(spec, str(wheel), version, requires_python, wheel, sha256_file(wheel), tree)


def wheel_metadata(spec: SdkSpec, wheel: Path) -> tuple[str, str, str | None]:
    """(canonical name, version, Requires-Python) from the wheel's METADATA, which must agree
    with its file name."""
    try:
        name, version, _build, _tags = parse_wheel_filename(wheel.name)
        with zipfile.ZipFile(wheel) as archive:
            found = [
                n
                for n in archive.namelist()
                if n.count("/") == 1 and n.endswith(".dist-info/METADATA")
            ]
            if len(found) != 1:
                raise ValueError(f"{len(found)} top-level .dist-info/METADATA files")
            headers = email.parser.HeaderParser().parsestr(archive.read(found[0]).decode())
    except (InvalidWheelFilename, ValueError, OSError, zipfile.BadZipFile) as exc:
        raise SdkError(f"SDK {spec.text!r}: {wheel} is not a usable wheel ({exc})") from exc
    meta_name = canonicalize_name(headers["Name"] or "")
    if meta_name != name or Version(headers["Version"] or "0") != version:
        raise SdkError(
            f"SDK {spec.text!r}: {wheel.name} says {name} {version} but its METADATA says "
            f"{meta_name} {headers['Version']}: a renamed wheel; pass the file as it was built"
        )
    return str(name), str(version), headers["Requires-Python"]


def check_target(prepared: PreparedSdk, target: LayerTarget) -> None:
    """A wheel must carry a tag Lambda's platform for `target` accepts."""
    if prepared.wheel is None:
        return
    _name, _version, _build, wheel_tags = parse_wheel_filename(prepared.wheel.name)
    python = tuple(int(part) for part in target.python_version.split("."))
    platforms = [target.pip_platform, f"manylinux_2_17_{target.machine}", "linux_" + target.machine]
    accepted = set(tags.cpython_tags(python, platforms=platforms)) | set(
        tags.compatible_tags(python, target.cp_tag, platforms)
    )
    if not wheel_tags & accepted:
        shown = ", ".join(sorted(str(t) for t in wheel_tags))
        raise SdkError(
            f"SDK {prepared.spec.text!r}: {prepared.wheel.name} is built for {shown}, not for "
            f"{target.runtime} on {target.arch} ({target.pip_platform}); pass a wheel for that "
            "runtime and architecture, or a pure-Python (py3-none-any) one"
        )


def check_version(spec: SdkSpec, version: str) -> None:
    if Version(version) < Version(MIN_SDK_VERSION):
        raise SdkError(
            f"SDK {spec.label!r} is {SDK_DISTRIBUTION} {version}, older than {MIN_SDK_VERSION}, "
            "the oldest this test bed supports (its handlers need the tracer's requests_session "
            f"and the client's api_config.timeout); pass {SDK_DISTRIBUTION}>={MIN_SDK_VERSION}"
        )


def _tree_wheel(spec: SdkSpec, tree_sha256: str, cache: Path) -> Path:
    """The tree built into a wheel by its own backend, in an isolated build (PEP 517,
    `uv build --wheel`, whose build environments come from uv's cache); kept under
    `cache/<tree hash>` so an unchanged tree is not built again."""
    assert spec.path is not None
    directory = cache / tree_sha256[:32]
    built = sorted(directory.glob("*.whl"))
    if len(built) == 1:
        return built[0]
    directory.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="sdk-wheel-", dir=directory.parent) as tmp:
        command = [
            sys.executable, "-m", "uv", "build", "--wheel", "--python", sys.executable,
            "--out-dir", tmp, str(spec.path),
        ]  # fmt: skip
        env = {**os.environ, "SOURCE_DATE_EPOCH": SOURCE_DATE_EPOCH}
        done = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
        wheels = sorted(Path(tmp).glob("*.whl"))
        if done.returncode != 0 or len(wheels) != 1:
            tail = "\n".join((done.stderr + done.stdout).strip().splitlines()[-_TAIL_LINES:])
            raise SdkError(
                f"SDK {spec.text!r}: building the source tree {spec.path} into a wheel failed "
                f"(uv build exit {done.returncode}; its build backend's last lines below). Fix "
                f"the tree so `python -m uv build --wheel {spec.path}` succeeds.\n{tail}"
            )
        wheels[0].replace(directory / wheels[0].name)
    return directory / wheels[0].name


# --- resolution --------------------------------------------------------------------------------


def resolve(
    prepared: PreparedSdk, target: LayerTarget, lock: Path = pins.REQUIREMENTS
) -> ResolvedSdk:
    """Every package the layer needs for `target`, preferring `lock`'s pins."""
    if prepared.version is not None:
        check_version(prepared.spec, prepared.version)
    check_target(prepared, target)
    others = [line for line in _top_level_inputs() if not _is_sdk_line(line)]
    preferred = {
        name: version for name, version in pins.read_pins(lock).items() if name != SDK_DISTRIBUTION
    }
    done, found = _compile(target, [prepared.install, *others], preferred)
    if done.returncode != 0:
        raise SdkError(_resolution_failure(prepared, target, done))
    if prepared.version is not None:
        found[SDK_DISTRIBUTION] = prepared.version  # a wheel's line is its path, not a pin
    resolved = ResolvedSdk(prepared, target, found)
    check_version(prepared.spec, resolved.version)
    return resolved


def _top_level_inputs() -> list[str]:
    lines = (pins.LAYER_DIR / "requirements.in").read_text().splitlines()
    return [line.split("#", 1)[0].strip() for line in lines if line.split("#", 1)[0].strip()]


def _is_sdk_line(line: str) -> bool:
    return canonicalize_name(Requirement(line).name) == SDK_DISTRIBUTION


def _compile(
    target: LayerTarget, requirements: list[str], preferred: dict[str, str]
) -> tuple[subprocess.CompletedProcess[str], dict[str, str]]:
    """`uv pip compile` for Lambda's platform (wheels only), with `preferred` as the output
    file's previous pins: `{canonical name: version}` of what resolved."""
    with tempfile.TemporaryDirectory(prefix="layer-sdk-resolve-") as tmp:
        inputs = Path(tmp, "requirements.in")
        inputs.write_text("".join(f"{line}\n" for line in requirements))
        output = Path(tmp, "requirements.txt")
        output.write_text("".join(f"{n}=={v}\n" for n, v in sorted(preferred.items())))
        command = install.compile_command(target, "--output-file", str(output), str(inputs))
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        found = install.compiled_pins(output.read_text()) if done.returncode == 0 else {}
    return done, found


def _resolution_failure(
    prepared: PreparedSdk, target: LayerTarget, done: subprocess.CompletedProcess[str]
) -> str:
    """uv's explanation of why nothing resolves, as one message."""
    tail = "\n".join(done.stderr.strip().splitlines()[-_TAIL_LINES:])
    if _NO_SDK_VERSION.search(done.stderr):
        reason = "that version of the SDK does not exist on the package index"
        fix = "pick one `pip index versions honeyhive` lists"
    else:
        reason = (
            f"its dependencies do not resolve to binary wheels for {target.runtime} on "
            f"{target.arch} ({target.pip_platform})"
        )
        fix = "pin dependency versions that publish wheels for that target, or use another SDK"
    return f"SDK {prepared.spec.label!r}: {reason}; {fix}. uv said:\n{tail}"
