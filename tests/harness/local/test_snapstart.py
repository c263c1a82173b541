"""The local SnapStart mode: init once, every new environment restored from that one image.

The fixture handler (fixtures/snapstart/snap.py) holds what an image holds: an id made at init,
Python's `random` state, a connection opened at init, a thread started at init, and hooks."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from harness.local.environment import Environment
from harness.local.errors import StartError
from harness.local.layout import lay_out
from harness.local.snapstart import SnapshotImage, SnapStartError
from harness.local.toolchain import Toolchain
from tests.harness.local.fixtures import FIXTURES, all_dead, spec

pytestmark = pytest.mark.slow
SNAP_CODE = FIXTURES / "snapstart"
ENVIRONMENTS = 3


def restored_answers(pools: Any, name: str, **settings: Any) -> list[dict[str, Any]]:
    """One invocation in each of ENVIRONMENTS environments started at once."""
    pool = pools(name, "snap.draw", code=SNAP_CODE, snap_start=True, **settings)
    with ThreadPoolExecutor(ENVIRONMENTS) as executor:
        invocations = list(executor.map(lambda _: pool.invoke(b"{}"), range(ENVIRONMENTS)))
    assert [i.function_error for i in invocations] == [None] * ENVIRONMENTS, invocations
    for invocation in invocations:  # in this environment's log, one event (its telemetry fd)
        records = [e.message for e in invocation.events if "restored record" in e.message]
        assert [record.split("\t")[-1] for record in records] == ["restored record\nof two lines"]
    answers = [json.loads(i.payload) for i in invocations]
    assert len({a["pid"] for a in answers}) == ENVIRONMENTS, "one environment each"
    pids = pool.pids()
    pool.close()
    assert all_dead(pids), "restored runtimes stop with their environments"
    return answers


def test_every_restored_environment_shares_the_images_state(pools: Any) -> None:
    answers = restored_answers(pools, "snap-fn")
    assert len({a["madeAtInit"] for a in answers}) == 1, "init ran once"
    assert len({a["random"] for a in answers}) == 1, (
        "random's state is the image's in every restored environment (nothing reseeds it)"
    )
    assert len({a["urandom"] for a in answers}) == ENVIRONMENTS, "os.urandom stays unique"
    before = {a["hooks"][0] for a in answers}
    assert len(before) == 1 and before.pop().startswith("before:"), "before-snapshot hooks: once"
    assert all(a["hooks"][1:] == ["after"] for a in answers), "after-restore hooks: each restore"
    assert all(a["initType"] == "snap-start" for a in answers)
    assert all(a["connection"] != "open" for a in answers), "init's connections do not survive"
    # AWS: "AWS_LAMBDA_LOG_GROUP_NAME and AWS_LAMBDA_LOG_STREAM_NAME ... are not available in
    # Lambda SnapStart functions", so awslambdaric's context has no log stream either.
    assert all(a["version"] == "1" and a["logStream"] is None for a in answers), answers


def test_an_after_restore_hook_that_reseeds_makes_each_environment_draw_its_own(
    pools: Any,
) -> None:
    answers = restored_answers(pools, "snap-reseed-fn", environment={"RESEED": "1"})
    assert len({a["random"] for a in answers}) == ENVIRONMENTS
    assert len({a["madeAtInit"] for a in answers}) == 1


def test_an_init_that_fails_is_reported_with_its_output(tools: Toolchain, tmp_path: Path) -> None:
    config = spec("snap-broken", "broken.handler", code=FIXTURES / "broken", snap_start=True)
    layout = lay_out(config.code, config.layers, tmp_path / "w", tmp_path / "cache")
    image = SnapshotImage(config, layout, tools)
    with pytest.raises(SnapStartError) as info:
        image.start()
    assert "the SnapStart image of snap-broken could not be made: its init failed" in str(
        info.value
    )
    assert "[ERROR] Runtime.ImportModuleError: Unable to import module 'broken'" in str(
        info.value
    )  # the error record awslambdaric framed on the image's telemetry log fd
    assert not image.alive


def test_a_restored_environment_refuses_the_sandbox(tools: Toolchain, tmp_path: Path) -> None:
    config = spec("snap-sandbox", "snap.draw", code=SNAP_CODE, snap_start=True)
    layout = lay_out(config.code, config.layers, tmp_path / "w", tmp_path / "cache")
    image = SnapshotImage(config, layout, tools)
    with pytest.raises(StartError, match="runs without the sandbox"):
        Environment(config, layout, tools, sandbox=True, image=image)
