"""Real builds (pip from PyPI, the target's own interpreter): the artefact and its promises."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import zipfile
from collections.abc import Callable
from email.parser import HeaderParser
from pathlib import Path

import pytest

from infra.digest import sha256_file
from infra.spec import DEFAULT_RUNTIME, LAYER_MANIFEST, SUPPORTED_RUNTIMES
from layer import archive, pins
from layer.build import (
    DOES_NOT_SHAPE_THE_BYTES,
    SHAPES_THE_BYTES,
    BuildInputs,
    Built,
    build,
    build_key,
    reusable,
)
from layer.errors import LayerTooLarge
from layer.gate import Limits
from layer.interpreters import Interpreter
from layer.targets import LayerTarget, layer_sys_path
from layer.verify import SDK_MODULES, run_probe

DEFAULT = LayerTarget(DEFAULT_RUNTIME, "x86_64")
HOST_TARGETS = [LayerTarget(runtime, "x86_64") for runtime in SUPPORTED_RUNTIMES]
TAG_TARGETS = [*HOST_TARGETS, LayerTarget(DEFAULT_RUNTIME, "arm64")]
BuildLayer = Callable[[LayerTarget], Built]
FindPython = Callable[[LayerTarget], Interpreter]
ELF_MACHINES = {"x86_64": 62, "aarch64": 183}  # e_machine: EM_X86_64, EM_AARCH64


def _files(root: Path) -> set[str]:
    return {p.relative_to(root).as_posix() for p in root.rglob("*")}


@pytest.mark.slow
def test_a_second_build_is_byte_identical(built_layer: BuildLayer, tmp_path: Path) -> None:
    first = built_layer(DEFAULT)
    second = build(DEFAULT, out=tmp_path)  # another staging dir, another output dir
    assert not second.reused
    assert second.archive.read_bytes() == first.archive.read_bytes()
    assert (second.directory / LAYER_MANIFEST).read_bytes() == (
        first.directory / LAYER_MANIFEST
    ).read_bytes()


@pytest.mark.slow
def test_an_unchanged_build_is_reused(built_layer: BuildLayer, layer_root: Path) -> None:
    first = built_layer(DEFAULT)
    again = build(DEFAULT, out=layer_root)
    assert again.reused
    assert again.manifest["sha256"] == first.manifest["sha256"]
    assert sha256_file(again.archive) == first.manifest["sha256"]


@pytest.mark.slow
def test_an_identical_build_elsewhere_is_used_where_it_is(
    built_layer: BuildLayer, layer_root: Path, tmp_path: Path
) -> None:
    """The bench's sides: the locked release `make layer` already built is served from
    build/layer, and nothing is built or written in the side's own root."""
    first = built_layer(DEFAULT)
    found = build(DEFAULT, out=tmp_path / "side", reuse_from=[tmp_path / "empty", layer_root])
    assert (found.directory, found.reused) == (first.directory, True)
    assert found.manifest == first.manifest
    assert not (tmp_path / "side").exists()


@pytest.mark.slow
def test_manifest_describes_the_zip(built_layer: BuildLayer) -> None:
    built = built_layer(DEFAULT)
    manifest = json.loads((built.directory / LAYER_MANIFEST).read_text())
    data = built.archive.read_bytes()
    assert manifest["sha256"] == hashlib.sha256(data).hexdigest()
    assert manifest["zippedBytes"] == len(data)
    with zipfile.ZipFile(built.archive) as zipped:
        infos = zipped.infolist()
        metadata = [
            HeaderParser().parsestr(zipped.read(i).decode())
            for i in infos
            if i.filename.endswith(".dist-info/METADATA")
        ]
    assert manifest["unzippedBytes"] == sum(i.file_size for i in infos)
    in_zip = {pins.canonical(m["Name"]): m["Version"] for m in metadata}
    assert manifest["packages"] == in_zip == pins.read_pins()
    assert manifest["sdk"] == {
        "name": "honeyhive", "version": pins.read_pins()["honeyhive"], "kind": "release",
        "spec": "", "wheelSha256": None, "treeSha256": None, "commit": None, "dirty": False,
    }  # fmt: skip
    expected = {"runtime": DEFAULT_RUNTIME, "arch": "x86_64", "bytecode": True, "recipe": "lambda"}
    assert {k: manifest[k] for k in expected} == expected
    assert manifest["platform"] == "manylinux2014_x86_64"
    assert manifest["interpreter"].startswith(f"{DEFAULT.python_version}.")


@pytest.mark.slow
def test_zip_layout_is_lambdas_with_metadata_and_valid_bytecode(
    built_layer: BuildLayer, find_python: FindPython
) -> None:
    built = built_layer(DEFAULT)
    with zipfile.ZipFile(built.archive) as zipped:
        infos = zipped.infolist()
        names = [i.filename for i in infos]
        sp = f"{DEFAULT.site_packages}/"
        assert names == sorted(names)
        assert all(sp.startswith(n) or n.startswith(sp) for n in names)
        assert {i.date_time for i in infos} == {(1980, 1, 1, 0, 0, 0)}
        assert {i.external_attr >> 16 for i in infos} == {0o100644, 0o40755}
        assert sum(n.endswith(".dist-info/") for n in names) == len(pins.read_pins())
        assert not [n for n in names if "/bin/" in n or n.endswith(".pyi") or "certifi/tests" in n]
        sources = [n for n in names if n.endswith(".py")]
        magic = _magic(str(find_python(DEFAULT).path))  # the runtime's interpreter compiled it
        for source in sources:
            folder, _, module = source.rpartition("/")
            header = zipped.read(
                f"{folder}/__pycache__/{module[:-3]}.cpython-{DEFAULT.cp_tag[2:]}.pyc"
            )[:8]
            # PEP 552: the target's magic, then flags 0b01 = hash-based, source not checked
            assert header == magic + b"\x01\x00\x00\x00", source
    assert len(sources) > 1000


def _magic(python: str) -> bytes:
    code = "import importlib.util,sys; sys.stdout.write(importlib.util.MAGIC_NUMBER.hex())"
    out = subprocess.run([python, "-c", code], capture_output=True, text=True, check=True)
    return bytes.fromhex(out.stdout)


def _elf_machine(data: bytes) -> int:
    assert data[:4] == b"\x7fELF" and data[4] == 2 and data[5] == 1, "not a 64-bit LE ELF"
    return int.from_bytes(data[18:20], "little")


@pytest.mark.slow
@pytest.mark.parametrize("target", TAG_TARGETS, ids=lambda t: t.name)
def test_native_modules_match_the_target(built_layer: BuildLayer, target: LayerTarget) -> None:
    """e.g. `_pydantic_core.cpython-313-x86_64-linux-gnu.so`, and every .so is built for the
    target's machine: its own CPython version's tag, or the stable ABI (abi3)."""
    built = built_layer(target)
    with zipfile.ZipFile(built.archive) as zipped:
        shared = {n: zipped.read(n) for n in zipped.namelist() if n.endswith(".so")}
    tag = f"cpython-{target.cp_tag[2:]}-{target.machine}-linux-gnu"
    assert f"{target.site_packages}/pydantic_core/_pydantic_core.{tag}.so" in shared
    assert len(shared) >= 5
    for name, data in shared.items():
        assert _elf_machine(data) == ELF_MACHINES[target.machine], name
        assert name.rsplit("/", 1)[1].split(".", 1)[1] in {f"{tag}.so", "abi3.so"}, name


@pytest.mark.slow
@pytest.mark.parametrize("target", HOST_TARGETS, ids=lambda t: t.name)
def test_smoke_import_uses_only_the_layer_and_its_bytecode(
    built_layer: BuildLayer, find_python: FindPython, target: LayerTarget, tmp_path: Path
) -> None:
    python = find_python(target)
    archive.unpack(built_layer(target).archive, tmp_path)
    before = _files(tmp_path)
    result = run_probe(python.path, tmp_path, target)
    assert result["version"] == python.version
    assert result["sysPath"][:2] == layer_sys_path(str(tmp_path), target)
    assert not [p for p in result["sysPath"][2:] if "site-packages" in p or str(tmp_path) in p]
    assert set(SDK_MODULES) <= set(result["layerModules"])
    assert len(result["layerModules"]) > 300
    assert result["honeyhiveVersion"] == "1.7.0"
    assert result["compiled"] == [], "modules were compiled from source during the import"
    assert _files(tmp_path) == before


@pytest.mark.slow
def test_smoke_check_catches_missing_bytecode(
    built_layer: BuildLayer, find_python: FindPython, tmp_path: Path
) -> None:
    """The proof above can fail: without pycs the same probe reports the compiles."""
    archive.unpack(built_layer(DEFAULT).archive, tmp_path)
    for cache in list(tmp_path.rglob("__pycache__")):
        shutil.rmtree(cache)
    result = run_probe(find_python(DEFAULT).path, tmp_path, DEFAULT)
    init = f"{tmp_path}/{DEFAULT.site_packages}/honeyhive/__init__.py"
    assert init in result["compiled"]


@pytest.mark.slow
def test_size_gate_refuses_a_reused_layer_and_leaves_it(
    built_layer: BuildLayer, layer_root: Path
) -> None:
    small = Limits(zipped=1_000_000, unzipped=300 * 1024 * 1024)
    reused = built_layer(DEFAULT)
    with pytest.raises(LayerTooLarge) as caught:
        build(DEFAULT, out=layer_root, limits=small)
    message = str(caught.value)
    assert f"{reused.manifest['zippedBytes']} bytes zipped" in message
    assert "limit < 1000000" in message and "pydantic-core" in message
    assert sha256_file(reused.archive) == reused.manifest["sha256"], "left as it was"


@pytest.mark.slow
def test_no_bytecode_build_is_gated_then_recorded(tmp_path: Path) -> None:
    """A fresh build the gate refuses publishes nothing; --no-bytecode shows in the manifest."""
    with pytest.raises(LayerTooLarge, match="bytes zipped"):
        build(DEFAULT, out=tmp_path, compiled=False, limits=Limits(zipped=1_000_000))
    assert list((tmp_path / DEFAULT.name).iterdir()) == []
    built = build(DEFAULT, out=tmp_path, compiled=False)
    assert not built.reused
    assert built.manifest["bytecode"] is False
    assert built.manifest["interpreter"] is None
    with zipfile.ZipFile(built.archive) as zipped:
        assert not [n for n in zipped.namelist() if n.endswith(".pyc")]


# --- what makes a build: its key and reuse ----------------------------------------------


def _key(
    target: LayerTarget = DEFAULT, *, packages: dict[str, str] | None = None,
    sdk: dict[str, object] | None = None, recipe: str = "lambda", compiled: bool = True,
    interpreter: str | None = "3.11.7", installer: str = "uv 0.13.9",
) -> str:  # fmt: skip
    inputs = BuildInputs("", packages or {"honeyhive": "1.7.0"}, sdk or {"kind": "release"})
    return build_key(
        target,
        inputs=inputs,
        recipe=recipe,
        compiled=compiled,
        interpreter=interpreter,
        installer=installer,
    )


def test_build_key_changes_with_every_input() -> None:
    assert _key() == _key()
    variants = {
        _key(LayerTarget("python3.12", "x86_64")),
        _key(LayerTarget(DEFAULT_RUNTIME, "arm64")),
        _key(packages={"honeyhive": "1.6.1"}),
        _key(sdk={"kind": "tree", "treeSha256": "a"}),
        _key(sdk={"kind": "tree", "treeSha256": "b"}),
        _key(recipe="seed"),
        _key(compiled=False),
        _key(interpreter="3.11.8"),
        _key(installer="uv 0.13.10"),
    }
    assert len(variants) == 9 and _key() not in variants


def test_reuse_needs_the_same_key_and_an_intact_zip(tmp_path: Path) -> None:
    (tmp_path / "layer.zip").write_bytes(b"zip")
    manifest = {"buildKey": "k", "sha256": sha256_file(tmp_path / "layer.zip")}
    assert reusable(tmp_path, "k") is None, "no manifest"
    (tmp_path / "manifest.json").write_text("{not json")
    assert reusable(tmp_path, "k") is None, "unreadable manifest"
    (tmp_path / "manifest.json").write_text(json.dumps(manifest))
    assert reusable(tmp_path, "k") == manifest
    assert reusable(tmp_path, "other") is None, "inputs changed"
    (tmp_path / "layer.zip").write_bytes(b"zip, damaged")
    assert reusable(tmp_path, "k") is None, "zip changed since the manifest"


def test_every_builder_module_is_classified_for_the_build_key() -> None:
    """A module that shapes the bytes but is left out of the key would let a changed builder
    reuse a stale artefact; one needlessly in it would rebuild every layer for nothing."""
    modules = {path.name for path in pins.LAYER_DIR.glob("*.py")}
    assert not set(SHAPES_THE_BYTES) & set(DOES_NOT_SHAPE_THE_BYTES)
    assert modules == set(SHAPES_THE_BYTES) | set(DOES_NOT_SHAPE_THE_BYTES)
