"""The SDK under SnapStart, on the local runtime with the real layer: environments restored from
one image draw the same trace and span ids (the SDK's behaviour today), and the hooked variant,
which reseeds `random` after restore, draws its own in each; so does the plain function on an SDK
patched to draw its ids from `os.urandom`, without hooks."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from harness.ingest import IngestServer
from harness.local.config import FunctionConfig
from harness.local.host import host_architecture
from harness.local.toolchain import Toolchain
from harness.postdeploy.snapstart import EnvironmentIds, uniqueness_problem
from infra.snapstart import HOOKED_HANDLER
from infra.spec import DEFAULT_RUNTIME, FUNCTIONS
from layer.interpreters import find_interpreter
from tests.harness.bench.synthetic import make_head
from tests.harness.local.fixtures import make_pool
from tests.lambda_functions.environments import MEMORY_MB, TASK_ROOT, TIMEOUT_S, sdk_env

pytestmark = pytest.mark.slow
ENVIRONMENTS = 3


def restored(
    handler: str,
    *,
    tools: Toolchain,
    sdk_layer: Path,
    layer_cache: Path,
    ingest: IngestServer,
    api_key: str,
    workdir: Path,
) -> tuple[list[dict[str, Any]], list[EnvironmentIds]]:
    """The first answer of ENVIRONMENTS environments restored at once, and their ids."""
    config = FunctionConfig(
        name=f"honeyhive-pytest-snap-{handler.split('.', maxsplit=1)[0].replace('_', '-')}",
        handler=handler,
        code=TASK_ROOT,
        runtime=DEFAULT_RUNTIME,
        architecture=host_architecture(),
        memory_size=MEMORY_MB,
        timeout=TIMEOUT_S,
        environment=sdk_env(api_key, ingest.url),
        layers=(sdk_layer,),
        snap_start=True,
    )
    pool = make_pool(config, tools, workdir, layer_cache=layer_cache)
    try:
        with ThreadPoolExecutor(ENVIRONMENTS) as executor:
            invocations = list(executor.map(lambda _: pool.invoke(b"{}"), range(ENVIRONMENTS)))
    finally:
        pool.close()
    assert len({i.log_stream for i in invocations}) == ENVIRONMENTS, "one environment each"
    bodies = [json.loads(json.loads(i.payload)["body"]) for i in invocations]
    ids = []
    for invocation, body in zip(invocations, bodies, strict=True):
        spans = ingest.spans(body["sessionId"])
        assert body["flushSuccess"] is True and spans, (body.get("error"), body)
        ids.append(
            EnvironmentIds(
                invocation.log_stream,
                tuple(s["traceId"] for s in spans),
                tuple(s["spanId"] for s in spans),
                (body["sessionId"],),
            )
        )
    assert all(b["initializationType"] == "snap-start" for b in bodies)
    return bodies, ids


@pytest.mark.parametrize(
    ("handler", "unique"),
    [(FUNCTIONS["working_sdk_test"].handler, False), (HOOKED_HANDLER, True)],
    ids=["plain", "hooked"],
)
def test_restored_environments_draw_their_own_ids_only_with_the_hooks(
    handler: str,
    unique: bool,
    tools: Toolchain,
    sdk_layer: Path,
    layer_cache: Path,
    ingest: IngestServer,
    api_key: str,
    tmp_path: Path,
) -> None:
    bodies, ids = restored(
        handler,
        tools=tools,
        sdk_layer=sdk_layer,
        layer_cache=layer_cache,
        ingest=ingest,
        api_key=api_key,
        workdir=tmp_path / "fn",
    )
    problem = uniqueness_problem(handler, ids)
    if unique:
        assert problem is None, problem
        hooks = [b["snapStartHooks"] for b in bodies]
        assert all(h["beforeSnapshot"] and h["afterRestore"] for h in hooks), hooks
        assert all(h["beforeFirstCall"] for h in hooks), "the hooks ran before the first call"
    else:
        assert problem is not None, "the locked release draws ids from the snapshot's state"
        shared = {t for env in ids for t in env.trace_ids}
        assert len(shared) == 1 and shared.pop() in problem, problem


def test_an_sdk_that_draws_its_ids_from_urandom_needs_no_hooks(
    tools: Toolchain,
    sdk_layer: Path,
    layer_cache: Path,
    ingest: IngestServer,
    api_key: str,
    tmp_path: Path,
) -> None:
    """The fix an SDK can ship: the locked release with OpenTelemetry's id generator drawing from
    `os.urandom` (its bytecode rebuilt), under the plain handler that registers no hooks."""
    version = DEFAULT_RUNTIME.removeprefix("python")
    patched = make_head(
        "urandom_ids",
        sdk_layer,
        tmp_path / "patched" / "layer.zip",
        find_interpreter(version).path,
        site_packages=f"python/lib/python{version}/site-packages",
    )
    handler = FUNCTIONS["working_sdk_test"].handler
    bodies, ids = restored(
        handler,
        tools=tools,
        sdk_layer=patched,
        layer_cache=layer_cache,
        ingest=ingest,
        api_key=api_key,
        workdir=tmp_path / "fn",
    )
    assert uniqueness_problem(handler, ids) is None, uniqueness_problem(handler, ids)
    assert not any("snapStartHooks" in b for b in bodies), "the plain handler registers no hooks"
