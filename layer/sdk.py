"""The SDK under test, made ready for one layer target: a wheel to install (a source tree is
built into one first), checked to be honeyhive for that target, and its dependencies resolved
for Lambda's platform.

The locked release needs none of this: layer/requirements.txt pins every package. Any other SDK
(infra/sdk.py parses the SPEC) gets its dependencies resolved at build time for the target's
runtime and architecture (binary wheels only), preferring the lock's pins wherever the SDK's
requirements allow them: pip resolves with the lock as constraints, and each constraint pip
names in a conflict is dropped and the resolution tried again. The resolved set goes into the
build key and the manifest, so identical inputs still give identical bytes.
"""

from __future__ import annotations

import email.parser
import json
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
from layer import pins
from layer.errors import LayerError
from layer.targets import LayerTarget

WHEEL_CACHE: Final = REPO_ROOT / "build" / "sdk-wheels"
# A tree's wheel is built with this fixed epoch, so a backend that stamps times stays
# reproducible (hatchling already writes fixed times).
SOURCE_DATE_EPOCH: Final = "315532800"  # 1980-01-01, the earliest a zip entry can carry
_MAX_RETRIES: Final = 8
# pip names the SDK itself (not a dependency whose name starts with `honeyhive`).
_NO_SDK_VERSION: Final = re.compile(
    rf"No matching distribution found for {SDK_DISTRIBUTION}(?=[=<>!~ (]|$)", re.MULTILINE
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
        """What `pip install -r` gets: every pin, honeyhive as the prepared line."""
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
    """The tree built into a wheel by its own backend, in an isolated build (PEP 517, pip);
    kept under `cache/<tree hash>` so an unchanged tree is not built again."""
    assert spec.path is not None
    directory = cache / tree_sha256[:32]
    built = sorted(directory.glob("*.whl"))
    if len(built) == 1:
        return built[0]
    directory.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="sdk-wheel-", dir=directory.parent) as tmp:
        command = [
            sys.executable, "-m", "pip", "wheel", "--no-deps", "--disable-pip-version-check",
            "--no-input", "--wheel-dir", tmp, str(spec.path),
        ]  # fmt: skip
        env = {**os.environ, "SOURCE_DATE_EPOCH": SOURCE_DATE_EPOCH}
        done = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
        wheels = sorted(Path(tmp).glob("*.whl"))
        if done.returncode != 0 or len(wheels) != 1:
            tail = "\n".join((done.stderr + done.stdout).strip().splitlines()[-_TAIL_LINES:])
            raise SdkError(
                f"SDK {spec.text!r}: building the source tree {spec.path} into a wheel failed "
                f"(pip wheel exit {done.returncode}; its build backend's last lines below). Fix "
                f"the tree so `pip wheel {spec.path}` succeeds.\n{tail}"
            )
        wheels[0].replace(directory / wheels[0].name)
    return directory / wheels[0].name


# --- resolution --------------------------------------------------------------------------------


def resolve(prepared: PreparedSdk, target: LayerTarget) -> ResolvedSdk:
    """Every package the layer needs for `target`, preferring the lock's pins."""
    if prepared.version is not None:
        check_version(prepared.spec, prepared.version)
    check_target(prepared, target)
    others = [line for line in _top_level_inputs() if not _is_sdk_line(line)]
    constraints = {
        name: version for name, version in pins.read_pins().items() if name != SDK_DISTRIBUTION
    }
    for _attempt in range(_MAX_RETRIES):
        done, report = _dry_run(target, [prepared.install, *others], constraints)
        if done.returncode == 0:
            found = {
                pins.canonical(item["metadata"]["name"]): item["metadata"]["version"]
                for item in report["install"]
            }
            resolved = ResolvedSdk(prepared, target, found)
            check_version(prepared.spec, resolved.version)
            return resolved
        conflicting = _conflicting_constraints(done.stdout)
        if not conflicting or not conflicting & set(constraints):
            break
        for name in conflicting:
            constraints.pop(name, None)
    raise SdkError(_resolution_failure(prepared, target, done))


def _top_level_inputs() -> list[str]:
    lines = (pins.LAYER_DIR / "requirements.in").read_text().splitlines()
    return [line.split("#", 1)[0].strip() for line in lines if line.split("#", 1)[0].strip()]


def _is_sdk_line(line: str) -> bool:
    return canonicalize_name(Requirement(line).name) == SDK_DISTRIBUTION


def _dry_run(
    target: LayerTarget, requirements: list[str], constraints: dict[str, str]
) -> tuple[subprocess.CompletedProcess[str], dict[str, list[dict[str, dict[str, str]]]]]:
    with tempfile.TemporaryDirectory(prefix="layer-sdk-resolve-") as tmp:
        constraint_file = Path(tmp, "constraints.txt")
        constraint_file.write_text("".join(f"{n}=={v}\n" for n, v in sorted(constraints.items())))
        report_file = Path(tmp, "report.json")
        command = [
            sys.executable, "-m", "pip", "install", "--dry-run", "--ignore-installed",
            "--disable-pip-version-check", "--no-input", "--report", str(report_file),
            "--platform", target.pip_platform, "--only-binary=:all:", "--implementation", "cp",
            "--python-version", target.python_version, "--target", str(Path(tmp, "target")),
            "-c", str(constraint_file), *requirements,
        ]  # fmt: skip
        # Not --quiet: pip explains a conflict on stdout, and the retry reads that explanation.
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        report = json.loads(report_file.read_text()) if done.returncode == 0 else {}
    return done, report


def _conflicting_constraints(stdout: str) -> set[str]:
    """The pins pip names in `The user requested (constraint) name==version`."""
    found = set()
    for line in stdout.splitlines():
        text = line.strip()
        if text.startswith("The user requested (constraint) "):
            requirement = text.removeprefix("The user requested (constraint) ")
            found.add(pins.canonical(requirement.split("==", 1)[0].strip()))
    return found


def _resolution_failure(
    prepared: PreparedSdk, target: LayerTarget, done: subprocess.CompletedProcess[str]
) -> str:
    """pip's error lines and, for a conflict, its explanation (on stdout), as one message."""
    errors = [line for line in done.stderr.splitlines() if line.startswith("ERROR:")]
    explanation = done.stdout.split("The conflict is caused by:", 1)
    if len(explanation) == 2:
        errors += ["The conflict is caused by:", *explanation[1].strip().splitlines()[:10]]
    tail = "\n".join(errors[-_TAIL_LINES:])
    if _NO_SDK_VERSION.search(done.stderr):
        reason = "that version of the SDK does not exist on the package index"
        fix = "pick one `pip index versions honeyhive` lists"
    else:
        reason = (
            f"its dependencies do not resolve to binary wheels for {target.runtime} on "
            f"{target.arch} ({target.pip_platform})"
        )
        fix = "pin dependency versions that publish wheels for that target, or use another SDK"
    return f"SDK {prepared.spec.label!r}: {reason}; {fix}. pip said:\n{tail}"
