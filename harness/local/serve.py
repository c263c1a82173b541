"""`python -m harness local serve`: the rendered stack's functions, served locally until stopped.

Steps (each prints a progress line): render the stack; turn its functions into local specs (the
layer artefacts must exist); start the HoneyHive-compatible ingest; point the SDK functions at
it (`HH_API_URL`, `HH_TEST_MODE=false`, and a local `HH_API_KEY` when the render had only its
offline placeholder); prepare each runtime; start the Lambda API; write the outputs file (the
stack outputs plus `endpointUrl` and `ingestUrl`) atomically; serve until SIGINT or SIGTERM;
then stop every environment, the API and the ingest, and remove the run directory and the
outputs file (its URLs are dead: a script waiting for the file must not find a stale one).
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from harness.ingest import IngestServer
from harness.local.api import LambdaApi
from harness.local.config import FunctionConfig
from harness.local.from_capture import specs_from_capture
from harness.local.layout import remove_tree
from harness.local.paths import LOCAL_BUILD
from harness.local.progress import progress
from harness.local.registry import DEFAULT_EVENT_RETRY_DELAYS_S, DEFAULT_UPDATE_DELAY_S, Registry
from harness.local.toolchain import Toolchain
from harness.program.capture import to_jsonable
from harness.program.render import render
from infra.spec import ENV_API_KEY, ENV_API_URL, ENV_TEST_MODE, SDK_ENV_PREFIX
from infra.stack_config import OFFLINE_SECRET_PLACEHOLDER


@dataclass(frozen=True)
class ServeOptions:
    stack: str
    outputs: Path
    program_dir: Path
    overrides: Mapping[str, str]
    host: str = "127.0.0.1"
    port: int = 0
    idle_ttl_s: float = 300.0
    max_environments: int = 32
    proactive_init: float = 0.0
    update_delay_s: float = DEFAULT_UPDATE_DELAY_S
    event_retry_delays_s: tuple[float, ...] = DEFAULT_EVENT_RETRY_DELAYS_S


def local_api_key(specs: list[FunctionConfig]) -> str:
    """The key the functions send: the rendered one (from `HH_API_KEY` or the stack's config),
    or a generated local key when the render had only its offline placeholder."""
    for spec in specs:
        key = spec.environment.get(ENV_API_KEY, "")
        if key and key != OFFLINE_SECRET_PLACEHOLDER:
            return key
    return f"hh_local_{secrets.token_hex(16)}"


def with_ingest(spec: FunctionConfig, ingest_url: str, api_key: str) -> FunctionConfig:
    """A function configured for the SDK (it has the SDK's HH_* variables: the program gives
    them to exactly the functions that use it) exports to the local ingest for real. Any
    program's functions are served this way, not only this repository's four."""
    env = dict(spec.environment)
    if not any(key.startswith(SDK_ENV_PREFIX) for key in env):
        return spec
    env[ENV_API_URL] = ingest_url
    env[ENV_TEST_MODE] = "false"
    env[ENV_API_KEY] = api_key
    return replace(spec, environment=env)


def serve(options: ServeOptions, stop: threading.Event | None = None) -> int:
    stop = stop or _stop_on_signals()
    progress(f"rendering stack {options.stack!r} of {options.program_dir}")
    capture = render(options.stack, program_dir=options.program_dir, overrides=options.overrides)
    specs = specs_from_capture(capture)
    progress(f"{len(specs)} functions: {', '.join(s.name for s in specs)}")
    api_key = local_api_key(specs)
    workdir = LOCAL_BUILD / "run" / f"{options.stack}-{os.getpid()}"
    registry: Registry | None = None
    with IngestServer(api_key=api_key, secret=api_key) as ingest:
        progress(f"ingest listening at {ingest.url}")
        try:
            registry = Registry(
                [with_ingest(spec, ingest.url, api_key) for spec in specs],
                runtime_root=LOCAL_BUILD / "runtime",
                workdir=workdir,
                layer_cache=LOCAL_BUILD / "layers",
                log_dir=LOCAL_BUILD / "logs" / options.stack,
                idle_ttl_s=options.idle_ttl_s,
                max_environments=options.max_environments,
                proactive_init=options.proactive_init,
                update_delay_s=options.update_delay_s,
                event_retry_delays_s=options.event_retry_delays_s,
            )
            region = str(capture.outputs.get("region") or "")
            with LambdaApi(registry, host=options.host, port=options.port, region=region) as api:
                outputs = {**to_jsonable(capture.outputs), "endpointUrl": api.url}
                outputs["ingestUrl"] = ingest.url
                outputs["localRuntimes"] = runtime_facts(registry.toolchains.values())
                _write_atomically(options.outputs, outputs)
                progress(f"Lambda API listening at {api.url}; wrote {options.outputs}")
                progress("serving until SIGINT or SIGTERM")
                stop.wait()
                progress("stopping")
        finally:
            if registry is not None:
                registry.close()
            remove_tree(workdir)
            options.outputs.unlink(missing_ok=True)
    progress("stopped: every environment, the Lambda API and the ingest are down")
    return 0


def runtime_facts(toolchains: Iterable[Toolchain]) -> dict[str, dict[str, object]]:
    """What the report says of each runtime it ran on: the interpreter (a Debian build is not
    AWS's) and, for the other architecture, the measured emulation factor."""
    return {
        f"{t.runtime}-{t.arch}": {
            "python": t.python_version,
            "interpreterBuild": t.interpreter_build or None,
            "emulated": t.emulated,
            "timeScale": round(t.time_scale, 1),
        }
        for t in toolchains
    }


def _stop_on_signals() -> threading.Event:
    stop = threading.Event()

    def handle(signum: int, frame: Any) -> None:
        stop.set()

    signal.signal(signal.SIGINT, handle)
    signal.signal(signal.SIGTERM, handle)
    return stop


def _write_atomically(path: Path, document: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    staging = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    staging.write_text(json.dumps(document, indent=2, sort_keys=True) + "\n")
    staging.replace(path)
