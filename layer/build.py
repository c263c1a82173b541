"""Build one layer artefact (`<out>/<runtime>-<arch>/layer.zip` + manifest.json), or reuse it."""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
import os
import platform
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from harness.interpreters import Interpreter, InterpreterNotFound, find_interpreter
from infra.artifact import sha256_file
from layer import archive, bytecode, install, pins, prune
from layer.gate import Limits, check_size
from layer.manifest import ARCHIVE, Manifest, read_manifest
from layer.targets import Target

REPO = pins.LAYER_DIR.parent
DEFAULT_OUT = {"lambda": REPO / "build" / "layer", "seed": REPO / "build" / "layer-seed"}


@dataclass(frozen=True)
class Built:
    directory: Path
    manifest: dict[str, Any]
    reused: bool
    seconds: float

    @property
    def archive(self) -> Path:
        return self.directory / ARCHIVE


def say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def builder_digest() -> str:
    """Hash of the builder's own sources: changing the builder rebuilds every layer."""
    digest = hashlib.sha256()
    for source in sorted(pins.LAYER_DIR.glob("*.py")):
        digest.update(source.name.encode() + b"\0" + source.read_bytes() + b"\0")
    return digest.hexdigest()


def build_key(
    target: Target, *, requirements_sha256: str, recipe: str, compiled: bool,
    interpreter: str | None, pip: str,
) -> str:  # fmt: skip
    """What makes an artefact: same key, same bytes. Requirements content, target, recipe,
    the bytecode flag, the builder's code, and the tools' versions (compiler and pip)."""
    facts = {
        "requirementsSha256": requirements_sha256, "runtime": target.runtime,
        "arch": target.arch, "recipe": recipe, "bytecode": compiled,
        "builder": builder_digest(), "interpreter": interpreter, "pip": pip,
    }  # fmt: skip
    return hashlib.sha256(json.dumps(facts, sort_keys=True).encode()).hexdigest()


def reusable(directory: Path, key: str) -> dict[str, Any] | None:
    """The manifest of an artefact built with key whose zip is intact, else None."""
    previous = read_manifest(directory)
    zipped = directory / ARCHIVE
    intact = (
        previous is not None
        and previous.get("buildKey") == key
        and zipped.is_file()
        and sha256_file(zipped) == previous.get("sha256")
    )
    return previous if intact else None


def _interpreter(target: Target, recipe: str, compiled: bool) -> Interpreter | None:
    if recipe == "lambda" and not compiled:
        return None
    try:
        return find_interpreter(target.python_version)
    except InterpreterNotFound as exc:
        if recipe == "seed":
            raise
        minor = target.python_version
        raise InterpreterNotFound(
            f"{exc}. Bytecode for a python{minor} layer must be compiled by python{minor}. "
            "Or build with --no-bytecode (recorded in the manifest; the layer then recompiles "
            "every module it imports on each cold start)."
        ) from None


def build(
    target: Target,
    *,
    out: Path | None = None,
    recipe: str = "lambda",
    compiled: bool = True,
    limits: Limits | None = None,
    requirements: Path = pins.REQUIREMENTS,
) -> Built:
    """Build target with recipe ("lambda": ours; "seed": the seed's, for benchmarks only)."""
    started = time.monotonic()
    limits = limits or Limits()
    if recipe == "seed":
        compiled = False
        if target.machine != platform.machine():
            raise ValueError(
                f"the seed recipe installs the host's wheels ({platform.machine()}), so it cannot "
                f"build {target.name}. Fix: build the seed recipe for the host's architecture."
            )
    directory = (out or DEFAULT_OUT[recipe]) / target.name
    label = f"{target.name} ({recipe})"
    interp = _interpreter(target, recipe, compiled)
    pip = (
        install.pip_version(interp.path)
        if recipe == "seed" and interp
        else importlib.metadata.version("pip")
    )
    requirements_sha256 = sha256_file(requirements)
    key = build_key(
        target, requirements_sha256=requirements_sha256, recipe=recipe, compiled=compiled,
        interpreter=interp.version if interp else None, pip=pip,
    )  # fmt: skip
    previous = reusable(directory, key)
    if previous:
        check_size(directory / ARCHIVE, limits, label)
        say(f"layer {label}: unchanged, reusing {directory / ARCHIVE}")
        return Built(directory, previous, True, time.monotonic() - started)

    directory.mkdir(parents=True, exist_ok=True)
    # The zip is written beside its final name and moved into place only once it passed the
    # gate, then the manifest: an interrupted or refused build publishes nothing.
    partial = directory / f".{ARCHIVE}.{os.getpid()}.tmp"
    try:
        with tempfile.TemporaryDirectory(prefix=f"layer-{target.name}-") as tmp:
            packages = _stage(Path(tmp), target, recipe, interp, requirements)
            say(f"layer {label}: zipping")
            archive.zip_tree(Path(tmp), partial)
        check_size(partial, limits, label)
        manifest = Manifest(
            runtime=target.runtime, arch=target.arch, sha256=sha256_file(partial),
            zippedBytes=partial.stat().st_size, unzippedBytes=archive.unzipped_bytes(partial),
            bytecode=compiled, recipe=recipe, packages=packages,
            platform=target.pip_platform if recipe == "lambda" else "host",
            interpreter=interp.version if interp else None, pip=pip,
            requirementsSha256=requirements_sha256, buildKey=key,
        )  # fmt: skip
        partial.replace(directory / ARCHIVE)
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
    root: Path, target: Target, recipe: str, interp: Interpreter | None, requirements: Path
) -> dict[str, str]:
    """Fill root with the layer's tree; return the installed packages."""
    label = f"{target.name} ({recipe})"
    pinned = pins.read_pins(requirements)
    if recipe == "seed":
        assert interp is not None
        tree = root / "python"
        say(f"layer {label}: host pip install -t python/ with {interp.path} ({len(pinned)} pins)")
        install.run_pip(install.seed_command(interp.path, tree, requirements))
    else:
        tree = root / target.site_packages
        say(f"layer {label}: pip install for {target.pip_platform} ({len(pinned)} pins)")
        install.run_pip(install.lambda_command(target, tree, requirements))
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
