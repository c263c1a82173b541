"""Fast, offline tests of the builder's parts on small inputs made here."""

from __future__ import annotations

import json
import os
import stat
import sys
import zipfile
from pathlib import Path

import pytest

from harness.interpreters import InterpreterNotFound, find_interpreter
from infra.artifact import sha256_file
from layer import archive, pins, prune
from layer.build import build_key, reusable
from layer.gate import LayerTooLarge, Limits, check_size, package_sizes
from layer.targets import Target, layer_sys_path

# --- targets -------------------------------------------------------------------------------


def test_target_paths() -> None:
    target = Target("python3.12", "arm64")
    assert target.name == "python3.12-arm64"
    assert target.pip_platform == "manylinux2014_aarch64"
    assert target.cp_tag == "cp312"
    assert target.site_packages == "python/lib/python3.12/site-packages"
    assert layer_sys_path("/opt", target) == [
        "/opt/python/lib/python3.12/site-packages",
        "/opt/python",
    ]


@pytest.mark.parametrize(
    ("runtime", "arch", "message"),
    [
        ("python3.10", "x86_64", "unknown runtime 'python3.10': use one of python3.11"),
        ("python3.11", "aarch64", "unknown arch 'aarch64' (Lambda calls it arm64)"),
    ],
)
def test_target_rejects_unknown_values(runtime: str, arch: str, message: str) -> None:
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        Target(runtime, arch)


# --- pins ----------------------------------------------------------------------------------


def test_committed_requirements_are_complete_pins() -> None:
    text = pins.REQUIREMENTS.read_text()
    pinned = pins.read_pins()
    assert pinned["honeyhive"] == "1.7.0"
    assert "openinference-instrumentation-openai" in pinned
    otel = tuple(int(x) for x in pinned["opentelemetry-sdk"].split(".")[:2])
    assert otel >= (1, 43), "OpenTelemetry < 1.43 fails to import without dist-info"
    assert pinned["opentelemetry-api"] == pinned["opentelemetry-sdk"]
    assert not {"boto3", "botocore"} & set(pinned)
    assert list(pinned) == sorted(pinned), "the lock writes sorted canonical names"
    assert all(name == pins.canonical(name) for name in pinned)
    assert "To bump" in text


def test_read_pins_rejects_unpinned_lines(tmp_path: Path) -> None:
    path = tmp_path / "requirements.txt"
    path.write_text("# comment\nhoneyhive==1.7.0\nrequests>=2\n")
    with pytest.raises(
        ValueError, match=r"requirements.txt:3: 'requests>=2' is not `name==version`"
    ):
        pins.read_pins(path)


def test_check_installed_names_each_difference() -> None:
    pinned = {"a": "1", "b": "2", "c": "3"}
    got = {"a": "1", "b": "2.1", "d": "4"}
    with pytest.raises(RuntimeError) as caught:
        pins.check_installed(pinned, got)
    message = str(caught.value)
    assert "d==4 was added by pip" in message
    assert "c is pinned but was not installed" in message
    assert "b is pinned to 2 but 2.1 was installed" in message
    assert "python -m layer.lock" in message
    pins.check_installed(pinned, dict(pinned))


def test_installed_reads_dist_info_metadata(tmp_path: Path) -> None:
    meta = tmp_path / "PyYAML-6.0.4.dist-info"
    meta.mkdir()
    (meta / "METADATA").write_text("Metadata-Version: 2.1\nName: PyYAML\nVersion: 6.0.4\n\nbody\n")
    assert pins.installed(tmp_path) == {"pyyaml": "6.0.4"}


# --- archive -------------------------------------------------------------------------------


def _tree(root: Path, mode: int, mtime: int) -> Path:
    files = {"python/b.py": b"B = 1\n", "python/a/x.so": b"\x7fELF", "python/a/__init__.py": b""}
    for rel, data in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        path.chmod(mode)
        os.utime(path, (mtime, mtime))
    return root


def test_zip_is_independent_of_location_mtime_and_mode(tmp_path: Path) -> None:
    first = _tree(tmp_path / "one", 0o755, 1_700_000_000)
    second = _tree(tmp_path / "two", 0o600, 1_600_000_000)
    archive.zip_tree(first, tmp_path / "one.zip")
    archive.zip_tree(second, tmp_path / "two.zip")
    assert (tmp_path / "one.zip").read_bytes() == (tmp_path / "two.zip").read_bytes()
    with zipfile.ZipFile(tmp_path / "one.zip") as zipped:
        infos = zipped.infolist()
    names = [i.filename for i in infos]
    assert names == sorted(names)
    assert names[0] == "python/"
    assert {i.date_time for i in infos} == {(1980, 1, 1, 0, 0, 0)}
    modes = {i.filename: stat.filemode(i.external_attr >> 16) for i in infos}
    assert modes["python/a/"] == "drwxr-xr-x"
    assert modes["python/a/x.so"] == "-rw-r--r--"


def test_zip_refuses_symlinks(tmp_path: Path) -> None:
    root = _tree(tmp_path / "t", 0o644, 0)
    (root / "python" / "link").symlink_to(root / "python" / "b.py")
    with pytest.raises(RuntimeError, match="link is a symlink"):
        archive.zip_tree(root, tmp_path / "t.zip")


def test_unpack_applies_modes_and_confines_paths(tmp_path: Path) -> None:
    archive.zip_tree(_tree(tmp_path / "t", 0o700, 0), tmp_path / "t.zip")
    archive.unpack(tmp_path / "t.zip", tmp_path / "out")
    assert stat.S_IMODE((tmp_path / "out/python/b.py").stat().st_mode) == 0o644
    assert stat.S_IMODE((tmp_path / "out/python/a").stat().st_mode) == 0o755
    with zipfile.ZipFile(tmp_path / "evil.zip", "w") as evil:
        evil.writestr("../escape.py", b"")
    with pytest.raises(RuntimeError, match=r"'\.\./escape\.py' escapes the layer"):
        archive.unpack(tmp_path / "evil.zip", tmp_path / "out2")
    assert not (tmp_path / "escape.py").exists()


# --- size gate -----------------------------------------------------------------------------


def _fake_layer(path: Path) -> Path:
    """A layer with two distributions: `big` (a source, its pyc, metadata) and `small`."""
    sp = "python/lib/python3.11/site-packages/"
    record = "big/__init__.py,,\nbig/data.bin,,\nbig-1.0.dist-info/RECORD,,\n"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zipped:
        zipped.writestr(sp + "big/__init__.py", b"x" * 3000)
        zipped.writestr(sp + "big/__pycache__/__init__.cpython-311.pyc", b"y" * 2000)
        zipped.writestr(sp + "big/data.bin", os.urandom(5000))
        zipped.writestr(sp + "big-1.0.dist-info/RECORD", record)
        zipped.writestr(sp + "small/__init__.py", b"z" * 10)
    return path


def test_package_sizes_attribute_pycs_and_unowned_files(tmp_path: Path) -> None:
    sizes = package_sizes(_fake_layer(tmp_path / "l.zip"))
    assert [name for name, _, _ in sizes] == ["big", "small"]
    big = sizes[0]
    assert big[1] == 3000 + 2000 + 5000 + len(
        "big/__init__.py,,\nbig/data.bin,,\nbig-1.0.dist-info/RECORD,,\n"
    )
    assert big[2] < big[1]


def test_size_gate_refuses_with_sizes_and_largest_packages(tmp_path: Path) -> None:
    layer = _fake_layer(tmp_path / "l.zip")
    check_size(layer, Limits(), "fake")  # far below Lambda's limits
    with pytest.raises(LayerTooLarge) as caught:
        check_size(layer, Limits(zipped=10**9, unzipped=1000), "python3.11-x86_64")
    message = str(caught.value)
    assert "layer python3.11-x86_64 is too large for Lambda" in message
    unzipped = archive.unzipped_bytes(layer)
    assert f"{unzipped} bytes unzipped (0.0 MiB; limit < 1000)" in message
    assert "bytes zipped" not in message, "only the exceeded limit is named"
    assert "Largest packages: big " in message
    assert "layer/requirements.in" in message
    with pytest.raises(LayerTooLarge, match=r"bytes zipped \(0.0 MiB; limit < 100\)"):
        check_size(layer, Limits(zipped=100), "x")


def test_default_limits_are_lambdas_byte_limits() -> None:
    assert Limits().zipped == 52_428_800
    assert Limits().unzipped == 262_144_000


# --- prune ---------------------------------------------------------------------------------


def _site(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    record = "".join(f"{rel},sha256=x,1\n" for rel in files if not rel.endswith("RECORD"))
    (root / "pkg-1.0.dist-info" / "RECORD").write_text(record + "../../bin/tool,sha256=y,2\n")
    return root


def test_prune_removes_rule_matches_and_their_record_entries(tmp_path: Path) -> None:
    site = _site(
        tmp_path,
        {
            "pkg/__init__.py": "from . import core\n",
            "pkg/core.py": "",
            "pkg/tests/__init__.py": "",
            "pkg/tests/test_core.py": "import pkg\n",
            "pkg-stubs/__init__.pyi": "",
            "bin/tool": "#!/build/host/python\n",
            "pkg-1.0.dist-info/RECORD": "",
        },
    )
    rules = (prune.Rule("bin", "r"), prune.Rule("pkg/tests", "r"), prune.Rule("**/*.pyi", "r"))
    removed = prune.prune(site, rules)
    assert removed == [
        "bin/tool",
        "pkg-stubs/__init__.pyi",
        "pkg/tests/__init__.py",
        "pkg/tests/test_core.py",
    ]
    assert sorted(p.relative_to(site).as_posix() for p in site.rglob("*")) == [
        "pkg", "pkg-1.0.dist-info", "pkg-1.0.dist-info/RECORD", "pkg/__init__.py", "pkg/core.py",
    ]  # fmt: skip
    record = (site / "pkg-1.0.dist-info" / "RECORD").read_text()
    assert record == "pkg/__init__.py,sha256=x,1\npkg/core.py,sha256=x,1\n"


@pytest.mark.parametrize(
    "importer",
    ["from .tests import helpers\n", "from . import core, tests\n", "import pkg.tests.helpers\n"],
)
def test_prune_refuses_to_remove_a_package_that_is_imported(tmp_path: Path, importer: str) -> None:
    site = _site(
        tmp_path,
        {"pkg/__init__.py": importer, "pkg/tests/__init__.py": "", "pkg-1.0.dist-info/RECORD": ""},
    )
    with pytest.raises(
        RuntimeError, match=r"pkg/__init__.py references pkg.tests.*delete that rule"
    ):
        prune.prune(site, (prune.Rule("pkg/tests", "r"),))


def test_prune_rule_that_matches_nothing_fails(tmp_path: Path) -> None:
    site = _site(tmp_path, {"pkg/__init__.py": "", "pkg-1.0.dist-info/RECORD": ""})
    with pytest.raises(RuntimeError, match=r"prune rule 'docs' matched nothing"):
        prune.prune(site, (prune.Rule("docs", "r"),))


def test_every_rule_states_a_reason() -> None:
    assert all(len(rule.reason) > 20 for rule in prune.RULES)


def test_seed_strip_is_the_seeds_find_commands(tmp_path: Path) -> None:
    for rel in [
        "a/__pycache__/m.pyc",
        "a/tests/t.py",
        "a-1.dist-info/METADATA",
        "a/m.py",
        "b/x/tests/y.py",
    ]:
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text("")
    prune.seed_strip(tmp_path)
    left = sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*") if p.is_file())
    assert left == ["a/m.py"]


# --- interpreter ---------------------------------------------------------------------------


def test_finder_skips_a_broken_shim_and_finds_pyenv(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    minor = f"{sys.version_info[0]}.{sys.version_info[1]}"
    shims = tmp_path / "shims"
    shims.mkdir()
    shim = shims / f"python{minor}"
    shim.write_text("#!/bin/sh\necho 'pyenv: command not found' >&2\nexit 127\n")
    shim.chmod(0o755)
    for version in (f"{minor}.99", f"{minor}.100t"):  # a free-threaded build is not a match
        real = tmp_path / "pyenv" / "versions" / version / "bin" / f"python{minor}"
        real.parent.mkdir(parents=True)
        real.symlink_to(sys.executable if version.endswith("99") else "/bin/false")
    monkeypatch.setenv("PATH", str(shims))
    monkeypatch.setenv("PYENV_ROOT", str(tmp_path / "pyenv"))
    found = find_interpreter(minor)
    assert found.version.startswith(minor + ".")


def test_finder_names_what_it_tried_and_the_fix(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setenv("PYENV_ROOT", str(tmp_path))
    with pytest.raises(InterpreterNotFound, match=r"no working python3.12 .*pyenv install 3.12"):
        find_interpreter("3.12")


# --- cache key -----------------------------------------------------------------------------


PY311 = Target("python3.11", "x86_64")


def _key(
    target: Target = PY311, *, requirements_sha256: str = "r",
    recipe: str = "lambda", compiled: bool = True, interpreter: str | None = "3.11.7",
    pip: str = "26.3",
) -> str:  # fmt: skip
    return build_key(
        target, requirements_sha256=requirements_sha256, recipe=recipe, compiled=compiled,
        interpreter=interpreter, pip=pip,
    )  # fmt: skip


def test_build_key_changes_with_every_input() -> None:
    assert _key() == _key()
    variants = {
        _key(Target("python3.12", "x86_64")),
        _key(Target("python3.11", "arm64")),
        _key(requirements_sha256="s"),
        _key(recipe="seed"),
        _key(compiled=False),
        _key(interpreter="3.11.8"),
        _key(pip="26.4"),
    }
    assert len(variants) == 7 and _key() not in variants


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
