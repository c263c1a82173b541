"""The two sides of a local benchmark: which SDK each holds and the layer built for it.

A side is an SDK SPEC (infra/sdk.py; `locked` or empty for the locked release) or `seed`: the
locked release built by the seed recipe (`python -m layer --recipe seed`), the original
analysis' layer, kept as a base to compare recipes. Each side gets an artefact root of its own
under the bench's output folder (`layers/head`, `layers/base`), so base and head never overwrite
each other (or build/layer) and an unchanged side is reused.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from harness.bench.errors import BenchError
from infra.sdk import SdkSpec, SdkSpecError, parse_sdk_spec
from infra.spec import LAYER_MANIFEST
from layer.build import DEFAULT_OUT, build
from layer.targets import LayerTarget

SEED = "seed"
_MANIFEST_KEYS = ("recipe", "bytecode", "sha256", "zippedBytes", "unzippedBytes", "sdk")


@dataclass(frozen=True)
class Side:
    label: str
    """`head` or `base`."""
    sdk: SdkSpec
    recipe: str
    out: Path

    @property
    def stack_value(self) -> str:
        """The SPEC as the stack's `sdk`/`baseSdk` config names it (`locked`: the release)."""
        return self.sdk.text or "locked"

    def build(self, target: LayerTarget) -> BuiltSide:
        """Build the side's layer, or reuse an identical one: its own from an earlier run, or
        the one `make layer` put in build/layer (build/layer-seed) for the same inputs."""
        built = build(
            target, out=self.out, recipe=self.recipe, sdk=self.sdk,
            reuse_from=[DEFAULT_OUT[self.recipe]],
        )  # fmt: skip
        facts = {key: built.manifest.get(key) for key in _MANIFEST_KEYS}
        return BuiltSide(built.directory.parent, built.archive, facts)


@dataclass(frozen=True)
class BuiltSide:
    root: Path
    """The artefact root to serve the side from (`layerArtifactDir`/`baseLayerArtifactDir`)."""
    archive: Path
    """The layer's zip, which the instruction count unpacks."""
    facts: dict[str, Any]
    """What its manifest says: recipe, bytecode, sha256, sizes, SDK."""


def side(label: str, text: str, layers: Path) -> Side:
    """A side from its SPEC, its layer under `layers`/<label>; BenchError names the option and
    the SPEC when it is not one."""
    if text.strip() == SEED:
        return Side(label, SdkSpec("release", ""), "seed", DEFAULT_OUT["seed"])
    try:
        sdk = parse_sdk_spec(text)
    except SdkSpecError as exc:
        raise BenchError(f"--{label}: {exc} (or `seed` for the seed recipe's layer)") from exc
    return Side(label, sdk, "lambda", layers / label)


def given_layer(layer_zip: Path) -> BuiltSide:
    """A layer zip given as it is (`--head-layer`), with the manifest beside it if there is one."""
    if not layer_zip.is_file():
        raise BenchError(
            f"layer {layer_zip} does not exist: pass a layer.zip (`make layer` builds one)"
        )
    manifest = layer_zip.with_name(LAYER_MANIFEST)
    facts = json.loads(manifest.read_text()) if manifest.is_file() else {}
    return BuiltSide(layer_zip.parent, layer_zip, {key: facts.get(key) for key in _MANIFEST_KEYS})
