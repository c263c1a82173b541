"""Run a Pulumi program under Pulumi's own mock monitor and capture what it declares.

This is how the program is proven here, where there is no Pulumi CLI and no AWS: the program
runs exactly as the language host runs it (`run_in_stack` around its `__main__.py`, with the
stack's config and secret keys), but the resource monitor is a `MockMonitor` subclass that
records every `RegisterResourceRequest` and the root stack's outputs.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import logging
import os
import runpy
import sys
import threading
import traceback
from collections.abc import Iterator, Mapping
from contextlib import suppress
from pathlib import Path
from typing import Any

import pulumi
from google.protobuf import empty_pb2
from pulumi.runtime import Mocks
from pulumi.runtime import rpc as pulumi_rpc
from pulumi.runtime.config import set_all_config
from pulumi.runtime.mocks import MockEngine, MockMonitor, MockSettings
from pulumi.runtime.proto import resource_pb2
from pulumi.runtime.settings import configure, reset_options
from pulumi.runtime.stack import run_in_stack

from harness.program.aws_mocks import AwsMocks
from harness.program.capture import Archive, Capture, CapturedResource
from harness.program.errors import ProgramRefused
from harness.secret import Secret
from infra.spec import REPO_ROOT
from infra.stack_config import ConfigFileError, StackConfig, load_stack_config, offline_secret

DEFAULT_REGION = "us-east-1"


class _CaptureMonitor(MockMonitor):
    """The SDK's mock monitor, plus a record of every request the program sent."""

    def __init__(self, mocks: Mocks) -> None:
        super().__init__(mocks)
        self.requests: list[tuple[resource_pb2.RegisterResourceRequest, str]] = []
        self.stack_urn = ""
        self.stack_outputs: Any = None
        self._lock = threading.Lock()

    def RegisterResource(self, request: Any) -> Any:
        response = super().RegisterResource(request)  # type: ignore[no-untyped-call]
        with self._lock:
            if request.type == "pulumi:pulumi:Stack":
                self.stack_urn = response.urn
            else:
                self.requests.append((request, response.urn))
        return response

    def RegisterResourceOutputs(self, request: Any) -> Any:
        if request.urn == self.stack_urn:
            self.stack_outputs = pulumi_rpc.deserialize_properties(request.outputs)
        return empty_pb2.Empty()


class _LogRecorder(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(f"{record.levelname.lower()}: {record.getMessage()}")


def _plain(value: Any) -> Any:
    """Deserialized Pulumi values to plain Python: secrets and archives get our wrappers."""
    if pulumi_rpc.is_rpc_secret(value):
        return Secret(_plain(pulumi_rpc.unwrap_rpc_secret(value)))
    if isinstance(value, pulumi.FileArchive):
        return Archive(path=Path(value.path))
    if isinstance(value, pulumi.AssetArchive):
        return Archive(
            assets={
                name: Path(asset.path)
                for name, asset in value.assets.items()
                if isinstance(asset, pulumi.FileAsset)
            }
        )
    if isinstance(value, Mapping):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, float) and value.is_integer():
        return int(value)  # the wire format has only doubles; the engine prints 256, not 256.0
    return value


def _is_program_module(origin: str | None, program_dir: Path) -> bool:
    """A module from the program's own tree (not from a virtualenv that lives inside it)."""
    if not origin:
        return False
    path = Path(origin).resolve()
    return path.is_relative_to(program_dir) and not path.is_relative_to(Path(sys.prefix).resolve())


@contextlib.contextmanager
def _program_context(program_dir: Path) -> Iterator[None]:
    """cwd and `sys.path[0]` at the program, as the language host sets them; modules the
    program imported from its own directory are forgotten afterwards, so another program
    with the same module names can be rendered next."""
    before = set(sys.modules)
    old_cwd = Path.cwd()
    sys.path.insert(0, str(program_dir))
    os.chdir(program_dir)
    try:
        yield
    finally:
        os.chdir(old_cwd)
        with suppress(ValueError):
            sys.path.remove(str(program_dir))
        for name in set(sys.modules) - before:
            if _is_program_module(getattr(sys.modules[name], "__file__", None), program_dir):
                del sys.modules[name]


def _run_program(
    config: StackConfig, values: Mapping[str, str], secret_keys: set[str]
) -> tuple[_CaptureMonitor, list[str]]:
    region = values.get("aws:region", DEFAULT_REGION)
    monitor = _CaptureMonitor(AwsMocks(region))
    recorder = _LogRecorder()
    logger = logging.getLogger(f"harness.program.render.{config.stack}")
    logger.propagate = False
    logger.addHandler(recorder)

    def main() -> None:
        runpy.run_path(str(config.main), run_name="__main__")

    info = monitor.GetDeploymentInfo(empty_pb2.Empty())  # type: ignore[no-untyped-call]
    features = set(info.supportedFeatures)

    def run() -> None:
        reset_options(
            project=config.project,
            stack=config.stack,
            preview=False,
            root_directory=str(config.program_dir),
            organization="organization",
        )
        configure(
            MockSettings(  # type: ignore[no-untyped-call]
                monitor=monitor,
                monitor_features=features,
                engine=MockEngine(logger),
                project=config.project,
                stack=config.stack,
                dry_run=False,
                organization="organization",
                root_directory=str(config.program_dir),
                callbacks=None,
            )
        )
        set_all_config(dict(values), sorted(secret_keys))
        loop = asyncio.new_event_loop()
        try:
            with _program_context(config.program_dir):
                loop.run_until_complete(run_in_stack(main))
        finally:
            for task in asyncio.all_tasks(loop):
                task.cancel()
                with suppress(asyncio.CancelledError, Exception):
                    loop.run_until_complete(task)
            loop.close()

    try:
        contextvars.copy_context().run(run)
    except pulumi.RunError as exc:
        raise ProgramRefused(str(exc)) from exc
    except Exception as exc:
        # Not a refusal the program meant (those are RunErrors) but a crash: still a failed
        # run, reported with where it happened, as `pulumi up` would show it.
        raise ProgramRefused(
            f"the program failed: {type(exc).__name__}: {exc}\n{traceback.format_exc()}"
        ) from exc
    finally:
        logger.removeHandler(recorder)
    return monitor, recorder.messages


def _captured(
    request: resource_pb2.RegisterResourceRequest, urn: str, monitor: _CaptureMonitor
) -> CapturedResource:
    registration = monitor.resources.get(urn)
    return CapturedResource(
        urn=urn,
        type=request.type,
        name=request.name,
        custom=request.custom,
        parent=request.parent,
        provider=request.provider,
        dependencies=tuple(request.dependencies),
        property_dependencies={k: tuple(v.urns) for k, v in request.propertyDependencies.items()},
        inputs=_plain(pulumi_rpc.deserialize_properties(request.object)),
        state=_plain(registration.state) if registration else {},
        id=registration.id if registration else "",
        request=request,
    )


def render(
    stack: str,
    *,
    program_dir: Path = REPO_ROOT,
    overrides: Mapping[str, str] | None = None,
    supply_secrets: bool = True,
) -> Capture:
    """Run the program for `stack` under mocks and return what it declared.

    With `supply_secrets`, secret config that has no value here (a `secure:` value that cannot be
    decrypted offline, or a key `Pulumi.yaml` declares secret and the stack has not set) is
    filled in: the HoneyHive key from `HH_API_KEY`, else a placeholder. It stays a secret.
    """
    program_dir = program_dir.resolve()
    config = load_stack_config(program_dir, stack, overrides)
    values = dict(config.values)
    secret_keys = set(config.secret_keys)
    if supply_secrets:
        for key in config.secret_keys - set(values):
            values[key] = offline_secret(key)
    missing = sorted(config.required_keys - set(values))
    if missing:
        raise ConfigFileError(
            f"stack {stack!r} is missing configuration value(s) {', '.join(missing)} "
            f"(Pulumi.yaml declares them without a default, so the Pulumi CLI would refuse the "
            f"stack too); fix: `pulumi config set <key> <value> --stack {stack}`"
        )
    monitor, messages = _run_program(config, values, secret_keys)
    resources = tuple(_captured(request, urn, monitor) for request, urn in monitor.requests)
    outputs = _plain(monitor.stack_outputs or {})
    return Capture(
        project=config.project,
        stack=stack,
        program_dir=program_dir,
        config={k: ("[secret]" if k in secret_keys else v) for k, v in values.items()},
        resources=resources,
        outputs=outputs,
        messages=tuple(messages),
    )
