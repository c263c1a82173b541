"""The SDK under test in the layer: any HoneyHive SDK (a release, a wheel, a source tree), and
every bad SPEC refused with one message naming it and the reason, the previous artefact intact.

The bad SPECs run `python -m layer` as a user does; those that need the package index (uv's
resolution) are marked slow, as are the real builds."""

from __future__ import annotations

import hashlib
import subprocess
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from packaging.version import Version

from infra.sdk import parse_sdk_spec
from infra.spec import DEFAULT_RUNTIME, MIN_SDK_VERSION, REPO_ROOT
from layer import pins
from layer import sdk as sdk_resolution
from layer.build import Built, build
from layer.targets import LayerTarget
from tests.conftest import write_fixture_artifact
from tests.layer.build_fixtures import unpacked_sdist

TARGET = LayerTarget(DEFAULT_RUNTIME, "x86_64")
OLDER_SUPPORTED = "1.6.1"
"""The oldest release of the 1.6 line with complete metadata (1.6.0's omits `requests`)."""


def layer(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "layer", *args],
        cwd=REPO_ROOT, capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip


@pytest.fixture
def previous(tmp_path: Path) -> tuple[Path, dict[str, bytes]]:
    """An artefact root holding a built layer, and its files' bytes before the next build."""
    root = tmp_path / "out"
    write_fixture_artifact(root, TARGET.runtime, TARGET.arch)
    directory = root / TARGET.name
    return root, {p.name: p.read_bytes() for p in directory.iterdir()}


def refused(spec: str, previous: tuple[Path, dict[str, bytes]]) -> str:
    """Build `spec` into the previous artefact's root: exit 2, one message, nothing lost."""
    root, before = previous
    done = layer("--sdk", spec, "--runtime", TARGET.runtime, "--arch", TARGET.arch,
                 "--out", str(root))  # fmt: skip
    assert done.returncode == 2, done.stdout + done.stderr
    assert done.stdout == ""
    errors = [line for line in done.stderr.splitlines() if line.startswith("python -m layer: ")]
    assert len(errors) == 1, done.stderr
    assert repr(spec) in errors[0] or spec in errors[0]
    directory = root / TARGET.name
    assert {p.name: p.read_bytes() for p in directory.iterdir()} == before, "artefact changed"
    return done.stderr


def wheel(directory: Path, filename: str, name: str, version: str, *requires: str) -> Path:
    """A minimal wheel file (only its metadata matters to the checks it is built for)."""
    path = directory / filename
    dist_info = f"{name}-{version}.dist-info"
    metadata = f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n"
    metadata += "".join(f"Requires-Dist: {r}\n" for r in requires)
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(f"{name}/__init__.py", f"__version__ = {version!r}\n")
        archive.writestr(f"{dist_info}/METADATA", metadata)
        archive.writestr(f"{dist_info}/WHEEL", "Wheel-Version: 1.0\nRoot-Is-Purelib: true\n")
        archive.writestr(f"{dist_info}/RECORD", "")
    return path


def tree(directory: Path, pyproject: str, **files: str) -> Path:
    directory.mkdir(parents=True)
    (directory / "pyproject.toml").write_text(pyproject)
    for name, text in files.items():
        (directory / name).write_text(text)
    return directory


# --- refused before anything is built ----------------------------------------------------------


def test_a_path_that_does_not_exist(previous: tuple[Path, dict[str, bytes]]) -> None:
    assert "does not exist" in refused("./no/such/python-sdk", previous)


def test_a_directory_without_pyproject(
    previous: tuple[Path, dict[str, bytes]], tmp_path: Path
) -> None:
    (tmp_path / "not-a-tree").mkdir()
    message = refused(str(tmp_path / "not-a-tree"), previous)
    assert "is a directory without pyproject.toml" in message


def test_a_wheel_of_another_distribution(
    previous: tuple[Path, dict[str, bytes]], tmp_path: Path
) -> None:
    other = wheel(tmp_path, "six-1.17.0-py3-none-any.whl", "six", "1.17.0")
    assert "the wheel holds the 'six' distribution (1.17.0), not honeyhive" in refused(
        str(other), previous
    )


def test_a_wheel_for_another_python_or_platform(
    previous: tuple[Path, dict[str, bytes]], tmp_path: Path
) -> None:
    foreign = wheel(
        tmp_path, "honeyhive-1.7.0-cp312-cp312-manylinux2014_aarch64.whl", "honeyhive", "1.7.0"
    )
    message = refused(str(foreign), previous)
    assert "is built for cp312-cp312-manylinux2014_aarch64, not for python3.13 on x86_64" in message


def test_a_requirement_on_another_distribution(previous: tuple[Path, dict[str, bytes]]) -> None:
    assert "asks for 'requests', not the honeyhive distribution" in refused(
        "requests==2.34.2", previous
    )


def test_a_tree_whose_build_backend_fails_shows_its_last_lines(
    previous: tuple[Path, dict[str, bytes]], tmp_path: Path
) -> None:
    source = tree(
        tmp_path / "broken-sdk",
        '[build-system]\nrequires = []\nbuild-backend = "backend"\nbackend-path = ["."]\n',
        **{
            "backend.py": "def build_wheel(*args, **kwargs):\n"
            "    raise RuntimeError('boom from the SDK backend')\n"
        },
    )
    message = refused(str(source), previous)
    assert "building the source tree" in message and "failed" in message
    assert "RuntimeError: boom from the SDK backend" in message


# --- refused by the package index --------------------------------------------------------------


@pytest.mark.slow
def test_a_version_that_does_not_exist(previous: tuple[Path, dict[str, bytes]]) -> None:
    message = refused("honeyhive==9.9.9", previous)
    assert "that version of the SDK does not exist on the package index" in message
    assert "there is no version of honeyhive==9.9.9" in message


@pytest.mark.slow
def test_an_sdk_whose_dependencies_do_not_resolve(
    previous: tuple[Path, dict[str, bytes]], tmp_path: Path
) -> None:
    unresolvable = wheel(
        tmp_path,
        "honeyhive-9.0.0-py3-none-any.whl",
        "honeyhive",
        "9.0.0",
        "honeyhive-lambda-test-no-such-package==1.0",
    )
    message = refused(str(unresolvable), previous)
    assert "its dependencies do not resolve to binary wheels for python3.13 on x86_64" in message
    assert "honeyhive-lambda-test-no-such-package" in message


@pytest.mark.slow
def test_an_sdk_older_than_the_oldest_supported(previous: tuple[Path, dict[str, bytes]]) -> None:
    message = refused("honeyhive==1.5.1", previous)
    assert f"is honeyhive 1.5.1, older than {MIN_SDK_VERSION}, the oldest" in message


@pytest.mark.slow
def test_a_tree_of_another_distribution(
    previous: tuple[Path, dict[str, bytes]], tmp_path: Path
) -> None:
    source = tree(
        tmp_path / "other",
        '[build-system]\nrequires = ["hatchling"]\nbuild-backend = "hatchling.build"\n'
        '[project]\nname = "not-the-sdk"\nversion = "0.1.0"\n'
        '[tool.hatch.build.targets.wheel]\npackages = ["not_the_sdk"]\n',
    )
    (source / "not_the_sdk").mkdir()
    (source / "not_the_sdk" / "__init__.py").write_text("")
    assert "the tree builds the 'not-the-sdk' distribution (0.1.0), not honeyhive" in refused(
        str(source), previous
    )


@pytest.mark.slow
def test_the_lock_is_preferred_and_only_what_the_sdk_excludes_moves(tmp_path: Path) -> None:
    """A lock holding older (not the newest) idna and certifi, and an SDK that needs an older
    click than the lock's: click moves, idna, certifi and every other pin stay."""
    locked = pins.read_pins()
    older = {"idna": "3.10", "certifi": "2025.8.3"}
    lock = tmp_path / "requirements.txt"
    lock.write_text("".join(f"{n}=={older.get(n, v)}\n" for n, v in sorted(locked.items())))
    sdk = wheel(
        tmp_path, "honeyhive-9.0.0-py3-none-any.whl", "honeyhive", "9.0.0",
        "click<" + locked["click"], "httpx",
    )  # fmt: skip
    prepared = sdk_resolution.prepare(parse_sdk_spec(str(sdk)))
    resolved = sdk_resolution.resolve(prepared, TARGET, lock).pins
    assert resolved["honeyhive"] == "9.0.0"
    assert Version(resolved["click"]) < Version(locked["click"])
    assert {n: resolved[n] for n in older} == older, "the lock's pins are kept, not the newest"
    expected = pins.read_pins(lock)
    moved = {name for name, version in resolved.items() if expected.get(name) != version}
    assert moved == {"honeyhive", "click"}, {n: (expected.get(n), resolved[n]) for n in moved}
    assert {"httpx", "openinference-instrumentation-openai"} <= set(resolved)


# --- real builds of another SDK ----------------------------------------------------------------


@pytest.fixture(scope="session")
def sdist_tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """honeyhive's own source distribution, unpacked: a source tree as the SDK ships it."""
    return unpacked_sdist(OLDER_SUPPORTED, tmp_path_factory.mktemp("sdist"))


@pytest.fixture(scope="session")
def built_for(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], Built]:
    """build(default target, sdk=SPEC) into a root of its own, once per SPEC per session.
    Without bytecode: these tests are about which SDK the layer holds, and compiling it is
    tested with the locked release (tests/layer/test_build.py)."""
    cache: dict[str, Built] = {}

    def get(spec: str) -> Built:
        if spec not in cache:
            out = tmp_path_factory.mktemp("sdk-layer")
            cache[spec] = build(TARGET, out=out, sdk=parse_sdk_spec(spec), compiled=False)
        return cache[spec]

    return get


def _honeyhive_version_in(built: Built) -> str:
    with zipfile.ZipFile(built.archive) as archive:
        init = archive.read(f"{TARGET.site_packages}/honeyhive/__init__.py").decode()
    return init.split("__version__ = ", 1)[1].split("\n", 1)[0].strip("\"'")


@pytest.mark.slow
def test_a_requirement_builds_a_layer_that_names_it(built_for: Callable[[str], Built]) -> None:
    built = built_for(f"honeyhive=={OLDER_SUPPORTED}")
    sdk = built.manifest["sdk"]
    assert (sdk["kind"], sdk["version"], sdk["spec"]) == (
        "requirement", OLDER_SUPPORTED, f"honeyhive=={OLDER_SUPPORTED}",
    )  # fmt: skip
    assert built.manifest["packages"]["honeyhive"] == OLDER_SUPPORTED
    assert _honeyhive_version_in(built) == OLDER_SUPPORTED
    # Resolved for Lambda's platform, preferring the lock: 1.6.1 allows every other pin.
    others = {k: v for k, v in built.manifest["packages"].items() if k != "honeyhive"}
    assert others == {k: v for k, v in pins.read_pins().items() if k != "honeyhive"}


@pytest.mark.slow
def test_a_source_tree_is_built_into_a_wheel_first(
    built_for: Callable[[str], Built], sdist_tree: Path
) -> None:
    built = built_for(str(sdist_tree))
    sdk = built.manifest["sdk"]
    assert (sdk["kind"], sdk["version"]) == ("tree", OLDER_SUPPORTED)
    assert sdk["treeSha256"] and sdk["wheelSha256"]
    assert (sdk["commit"], sdk["dirty"]) == (None, False), "an unpacked sdist is no checkout"
    assert _honeyhive_version_in(built) == OLDER_SUPPORTED


@pytest.mark.slow
def test_a_wheel_builds_the_same_sdk_as_its_requirement(
    built_for: Callable[[str], Built], tmp_path: Path
) -> None:
    subprocess.run(
        [sys.executable, "-m", "pip", "download", "--quiet", "--disable-pip-version-check",
         f"honeyhive=={OLDER_SUPPORTED}", "--no-deps", "--only-binary", ":all:",
         "-d", str(tmp_path)],
        check=True, timeout=300,
    )  # fmt: skip
    (downloaded,) = tmp_path.glob("*.whl")
    built = built_for(str(downloaded))
    sdk = built.manifest["sdk"]
    assert (sdk["kind"], sdk["version"]) == ("wheel", OLDER_SUPPORTED)
    assert sdk["wheelSha256"] == hashlib.sha256(downloaded.read_bytes()).hexdigest()
    by_requirement = built_for(f"honeyhive=={OLDER_SUPPORTED}")
    assert built.manifest["packages"] == by_requirement.manifest["packages"]
