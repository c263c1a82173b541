"""`-X importtime` lines, as CPython writes them, parsed and compared: the culprit of a slower
import is the module whose own time grew."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from harness.postdeploy import importtime

BUSY = """\
import time
_end = time.process_time() + {seconds}
while time.process_time() < _end:
    pass
"""


def sdk_tree(root: Path, slow_seconds: float = 0.0) -> Path:
    """A package named like the SDK: honeyhive imports honeyhive.api, which imports
    honeyhive.api.models; with `slow_seconds`, honeyhive.api.slow burns that much CPU."""
    package = root / "honeyhive"
    (package / "api").mkdir(parents=True)
    (package / "__init__.py").write_text("from honeyhive import api\n")
    imports = "from honeyhive.api import models\n"
    if slow_seconds:
        imports += "from honeyhive.api import slow\n"
        (package / "api" / "slow.py").write_text(BUSY.format(seconds=slow_seconds))
    (package / "api" / "__init__.py").write_text(imports)
    (package / "api" / "models.py").write_text("import json\nimport decimal\n")
    return root


def profiled_import(path: Path) -> list[str]:
    """What a runtime with PYTHONPROFILEIMPORTTIME=1 writes to stderr, importing the SDK."""
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", "import honeyhive"],
        env={"PYTHONPATH": str(path), "PATH": "/usr/bin:/bin"},
        capture_output=True, text=True, check=True, timeout=60,
    )  # fmt: skip
    return done.stderr.splitlines()


def test_a_real_profile_is_parsed_with_its_nesting_and_the_sdk_total(tmp_path: Path) -> None:
    lines = ["START RequestId: x", *profiled_import(sdk_tree(tmp_path)), "END RequestId: x"]
    profile = importtime.parse(lines)
    sdk = profile.modules["honeyhive"]
    api, models = profile.modules["honeyhive.api"], profile.modules["honeyhive.api.models"]
    assert (sdk.depth, api.depth, models.depth) == (0, 1, 2)
    assert sdk.cumulative_ms >= api.cumulative_ms >= models.cumulative_ms >= models.self_ms
    assert profile.sdk_total_ms == sdk.cumulative_ms
    top = [m.cumulative_ms for m in profile.top()]
    assert len(top) == min(importtime.TOP_MODULES, len(profile.modules))
    assert top == sorted(top, reverse=True) and top[0] >= sdk.cumulative_ms
    assert "decimal" in profile.modules, "the SDK's imports of the standard library count too"


def test_json_format_log_lines_are_read_from_their_message() -> None:
    line = "import time:       524 |    1243841 | honeyhive"
    profile = importtime.parse([json.dumps({"timestamp": "t", "message": line})])
    assert profile.sdk_total_ms == pytest.approx(1243.841)


def test_no_profile_is_an_empty_profile() -> None:
    profile = importtime.parse(["START RequestId: x", "REPORT RequestId: x Duration: 1.0 ms"])
    assert (dict(profile.modules), profile.sdk_total_ms) == ({}, None)


def test_the_culprit_of_a_slower_import_tops_the_diff(tmp_path: Path) -> None:
    base = importtime.parse(profiled_import(sdk_tree(tmp_path / "base")))
    head = importtime.parse(profiled_import(sdk_tree(tmp_path / "head", slow_seconds=0.2)))
    changes = importtime.diff(base, head)
    top = changes[0]
    assert (top.module, top.status) == ("honeyhive.api.slow", "new")
    assert top.self_delta_ms >= 150
    assert head.sdk_total_ms is not None and base.sdk_total_ms is not None
    assert head.sdk_total_ms - base.sdk_total_ms >= 150
    importers = {c.module: c for c in changes if c.module in {"honeyhive", "honeyhive.api"}}
    assert all(c.cumulative_delta_ms >= 150 for c in importers.values()), "their cumulative grew"
    assert all(abs(c.self_delta_ms) < top.self_delta_ms / 2 for c in importers.values())


def test_merged_profiles_take_each_modules_median() -> None:
    def one(self_us: int, total_us: int) -> importtime.ImportProfile:
        return importtime.parse([f"import time: {self_us:>9} | {total_us:>10} | honeyhive"])

    merged = importtime.merged([one(100, 1000), one(300, 3000), one(200, 2000)])
    assert (merged.modules["honeyhive"].self_ms, merged.sdk_total_ms) == (0.2, 2.0)


def test_by_package_sums_own_time_per_top_level_package() -> None:
    profile = importtime.parse([
        "import time:      1000 |       1000 |     pydantic.main",
        "import time:      2000 |       3000 |   pydantic",
        "import time:       500 |       3500 | honeyhive",
    ])  # fmt: skip
    assert importtime.by_package(profile) == {"pydantic": 3.0, "honeyhive": 0.5}
