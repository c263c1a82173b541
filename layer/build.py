"""Build one layer artefact (`<out>/<runtime>-<arch>/layer.zip` + manifest.json), or reuse it."""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import platform
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from infra.digest import sha256_file
from infra.sdk import SDK_DISTRIBUTION, SdkSpec
from infra.spec import LAYER_ARTIFACT_DIR, LAYER_ZIP, REPO_ROOT, SEED_LAYER_ARTIFACT_DIR
from layer import archive, bytecode, install, pins, prune
from layer import sdk as sdk_module
from layer.errors import InterpreterNotFound, LayerError
from layer.gate import Limits, check_size
from layer.interpreters import Interpreter
from layer.manifest import Manifest, read_manifest
from layer.provider import interpreter_for
from layer.sysroots import host_architecture
from layer.targets import LayerTarget

DEFAULT_OUT = {
    "lambda": REPO_ROOT / LAYER_ARTIFACT_DIR,
    "seed": REPO_ROOT / SEED_LAYER_ARTIFACT_DIR,
}


@dataclass(frozen=True)
class Built:
    directory: Path
    manifest: dict[str, Any]
    reused: bool
    seconds: float

    @property
    def archive(self) -> Path:
        return self.directory / LAYER_ZIP


def say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# The builder's modules whose code decides the artefact's bytes (the zip and its manifest): a
# change to one of them rebuilds every layer. The others (the CLI, the lock, the size gate, the
# verification probe, the interpreter finder, errors) cannot change what a build writes.
# tests/layer/test_build.py fails when a module of layer/ is in neither list.
SHAPES_THE_BYTES = (
    "archive.py", "build.py", "bytecode.py", "install.py", "manifest.py", "pins.py",
    "prune.py", "sdk.py", "targets.py",
)  # fmt: skip
DOES_NOT_SHAPE_THE_BYTES = (
    "__init__.py", "__main__.py", "errors.py", "gate.py", "interpreters.py", "lock.py",
    "probe.py", "verify.py", "provider.py", "sysroots.py", "debian.py", "import_check.py",
    "static_checks.py",
)  # fmt: skip


def builder_digest() -> str:
    """Hash of the sources that shape a build's bytes: changing them rebuilds every layer."""
    digest = hashlib.sha256()
    for name in sorted(SHAPES_THE_BYTES):
        source = pins.LAYER_DIR / name
        digest.update(name.encode() + b"\0" + source.read_bytes() + b"\0")
    return digest.hexdigest()


def build_key(
    target: LayerTarget, *, inputs: BuildInputs, recipe: str, compiled: bool,
    interpreter: str | None, installer: str,
) -> str:  # fmt: skip
    """What makes an artefact: same key, same bytes. The packages and the SDK they hold (its
    wheel's or tree's identity), target, recipe, the bytecode flag, the builder's code, and the
    tools' versions (compiler and installer)."""
    facts = {
        "packages": inputs.pins, "sdk": inputs.identity, "runtime": target.runtime,
        "arch": target.arch, "recipe": recipe, "bytecode": compiled,
        "builder": builder_digest(), "interpreter": interpreter, "installer": installer,
    }  # fmt: skip
    return hashlib.sha256(json.dumps(facts, sort_keys=True).encode()).hexdigest()


@dataclass(frozen=True)
class BuildInputs:
    """What a build installs: the requirements the installer gets, the set it must produce,
    the SDK."""

    requirements_text: str
    pins: dict[str, str]
    identity: dict[str, object]
    """The SDK's identity (kind, SPEC, wheel and tree hashes, commit, dirty)."""

    def sdk_record(self) -> dict[str, object]:
        """The manifest's `sdk`: the identity plus the distribution and version installed."""
        return {"name": SDK_DISTRIBUTION, "version": self.pins[SDK_DISTRIBUTION], **self.identity}


def build_inputs(target: LayerTarget, sdk: SdkSpec | None, requirements: Path) -> BuildInputs:
    """The lock for the locked release; otherwise the SDK prepared (a tree built into a wheel)
    and its dependencies resolved for `target`, preferring the lock's pins."""
    if sdk is None or sdk.kind == "release":
        identity: dict[str, object] = {
            "kind": "release", "spec": "", "wheelSha256": None, "treeSha256": None,
            "commit": None, "dirty": False,
        }  # fmt: skip
        return BuildInputs(requirements.read_text(), pins.read_pins(requirements), identity)
    say(f"layer {target.name}: preparing SDK {sdk.label}")
    prepared = sdk_module.prepare(sdk)
    resolved = sdk_module.resolve(prepared, target)
    say(f"layer {target.name}: {SDK_DISTRIBUTION} {resolved.version}, {len(resolved.pins)} pins")
    return BuildInputs(resolved.requirements_text(), resolved.pins, prepared.identity())


def reusable(directory: Path, key: str) -> dict[str, Any] | None:
    """The manifest of an artefact built with key whose zip is intact, else None."""
    previous = read_manifest(directory)
    zipped = directory / LAYER_ZIP
    intact = (
        previous is not None
        and previous.get("buildKey") == key
        and zipped.is_file()
        and sha256_file(zipped) == previous.get("sha256")
    )
    return previous if intact else None


def _interpreter(target: LayerTarget, recipe: str, compiled: bool) -> Interpreter | None:
    if recipe == "lambda" and not compiled:
        return None
    try:
        # Bytecode does not depend on the machine: this machine's python3.X compiles an arm64
        # layer too (and python3.12 has no arm64 interpreter here).
        found = interpreter_for(target.python_version, host_architecture())
    except InterpreterNotFound as exc:
        if recipe == "seed":
            raise
        minor = target.python_version
        raise InterpreterNotFound(
            f"{exc}. Bytecode for a python{minor} layer must be compiled by python{minor}. "
            "Or build with --no-bytecode (recorded in the manifest; the layer then recompiles "
            "every module it imports on each cold start)."
        ) from None
    if recipe == "seed" and found.build:
        minor = target.python_version
        raise LayerError(
            f"the seed recipe installs with the runtime's own pip, and python{minor} here is "
            f"{found.build}, without pip: install a CPython {minor} (`pyenv install {minor}`) "
            "to build the seed's layer"
        )
    return found


def _interpreter_record(interp: Interpreter | None) -> str | None:
    """The compiler in the build key: its version, and a Debian build's exact packages."""
    if interp is None:
        return None
    return " ".join((interp.version, interp.build, *interp.packages)).strip()


def build(
    target: LayerTarget,
    *,
    out: Path | None = None,
    recipe: str = "lambda",
    compiled: bool = True,
    limits: Limits | None = None,
    requirements: Path = pins.REQUIREMENTS,
    sdk: SdkSpec | None = None,
    reuse_from: Sequence[Path] = (),
) -> Built:
    """Build target with recipe ("lambda": ours; "seed": the seed's, for benchmarks only) for
    `sdk` (None: the locked release). A refused or failed build leaves the previous artefact.

    `reuse_from`: other artefact roots (e.g. build/layer) whose artefact is returned as it is,
    where it is, when it was built with the same key; nothing is copied or changed there."""
    started = time.monotonic()
    limits = limits or Limits()
    if recipe == "seed":
        compiled = False
        if target.machine != platform.machine():
            raise LayerError(
                f"the seed recipe installs the host's wheels ({platform.machine()}), so it cannot "
                f"build {target.name}. Fix: build the seed recipe for the host's architecture."
            )
    directory = (out or DEFAULT_OUT[recipe]) / target.name
    interp = _interpreter(target, recipe, compiled)
    installer = (
        f"pip {install.pip_version(interp.path)}"
        if recipe == "seed" and interp
        else f"uv {install.uv_version()}"
    )
    inputs = build_inputs(target, sdk, requirements)
    key = build_key(
        target, inputs=inputs, recipe=recipe, compiled=compiled,
        interpreter=_interpreter_record(interp), installer=installer,
    )  # fmt: skip
    for root in reuse_from:
        found = root / target.name
        if (previous := reusable(found, key)) is not None:
            check_size(found / LAYER_ZIP, limits, f"{target.name} ({recipe})")
            say(f"layer {target.name} ({recipe}): the same build is in {found}, using it")
            return Built(found, previous, True, time.monotonic() - started)
    directory.mkdir(parents=True, exist_ok=True)
    # One build of a directory at a time (parallel test workers, two terminals): the second
    # waits, then finds the first one's artefact reusable.
    with (directory.parent / f".{directory.name}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        return _build_locked(
            target, directory, key, recipe=recipe, compiled=compiled, limits=limits,
            interp=interp, installer=installer, inputs=inputs, started=started,
        )  # fmt: skip


def _build_locked(
    target: LayerTarget, directory: Path, key: str, *, recipe: str, compiled: bool,
    limits: Limits, interp: Interpreter | None, installer: str, inputs: BuildInputs,
    started: float,
) -> Built:  # fmt: skip
    label = f"{target.name} ({recipe})"
    previous = reusable(directory, key)
    if previous:
        check_size(directory / LAYER_ZIP, limits, label)
        say(f"layer {label}: unchanged, reusing {directory / LAYER_ZIP}")
        return Built(directory, previous, True, time.monotonic() - started)

    # The zip is written beside its final name and moved into place only once it passed the
    # gate, then the manifest: an interrupted or refused build publishes nothing.
    partial = directory / f".{LAYER_ZIP}.{os.getpid()}.tmp"
    try:
        with (
            tempfile.TemporaryDirectory(prefix=f"layer-{target.name}-") as tmp,
            tempfile.TemporaryDirectory(prefix="layer-inputs-") as work,
        ):
            requirements = Path(work, "requirements.txt")
            requirements.write_text(inputs.requirements_text)
            packages = _stage(
                Path(tmp), target, recipe, interp, pinned=inputs.pins, requirements=requirements
            )
            say(f"layer {label}: zipping")
            archive.zip_tree(Path(tmp), partial)
        check_size(partial, limits, label)
        manifest = Manifest(
            runtime=target.runtime, arch=target.arch, sha256=sha256_file(partial),
            zippedBytes=partial.stat().st_size, unzippedBytes=archive.unzipped_bytes(partial),
            bytecode=compiled, recipe=recipe, packages=packages,
            platform=target.pip_platform if recipe == "lambda" else "host",
            interpreter=interp.version if interp else None, installer=installer,
            interpreterBuild=interp.build if interp and interp.build else None,
            interpreterPackages=list(interp.packages) if interp else [],
            sdk=inputs.sdk_record(), buildKey=key,
        )  # fmt: skip
        partial.replace(directory / LAYER_ZIP)
    finally:
        partial.unlink(missing_ok=True)
    manifest.write(directory)
    seconds = time.monotonic() - started
    say(
        f"layer {label}: {manifest.zippedBytes} bytes zipped, {manifest.unzippedBytes} unzipped, "
        f"sha256 {manifest.sha256[:12]}, built in {seconds:.1f} s"
    )
    return Built(directory, asdict(manifest), False, seconds)


def _stage(
    root: Path, target: LayerTarget, recipe: str, interp: Interpreter | None, *,
    pinned: dict[str, str], requirements: Path,
) -> dict[str, str]:  # fmt: skip
    """Fill root with the layer's tree (the installer installs `requirements`, which must
    produce exactly `pinned`); return the installed packages."""
    label = f"{target.name} ({recipe})"
    if recipe == "seed":
        assert interp is not None
        tree = root / "python"
        say(f"layer {label}: host pip install -t python/ with {interp.path} ({len(pinned)} pins)")
        install.install_seed(interp.path, tree, requirements)
    else:
        tree = root / target.site_packages
        say(f"layer {label}: uv pip install for {target.pip_platform} ({len(pinned)} pins)")
        install.install_for_lambda(target, tree, requirements)
    packages = pins.installed(tree)
    pins.check_installed(pinned, packages)
    if recipe == "seed":
        prune.seed_strip(tree)
        return packages
    removed = prune.prune(tree)
    say(f"layer {label}: pruned {len(removed)} files (layer/prune.py RULES)")
    if interp:
        say(f"layer {label}: compiling bytecode with {interp.path} ({interp.version})")
        bytecode.compile_tree(interp.path, tree, target)
    return packages
