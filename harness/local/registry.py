"""The local functions: one pool each, looked up by name or ARN, with their Lambda metadata.

Owns the pools' life: prepares each runtime's toolchain once, reaps idle environments in the
background, writes each invocation's execution log to `<log_dir>/<function>.log` (CloudWatch's
stand-in), and on `close()` stops every environment it started.
"""

from __future__ import annotations

import base64
import hashlib
import threading
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from harness.local.config import LATEST, FunctionConfig
from harness.local.invocation import EmulatedInvocation
from harness.local.layout import lay_out
from harness.local.pool import DEFAULT_IDLE_TTL_S, DEFAULT_MAX_ENVIRONMENTS, FunctionPool
from harness.local.progress import progress
from harness.local.toolchain import Toolchain, prepare


@dataclass
class FunctionRecord:
    pool: FunctionPool
    revision_id: str
    last_modified: datetime
    code_sha256: str
    code_size: int

    @property
    def spec(self) -> FunctionConfig:
        return self.pool.spec


class Registry:
    def __init__(
        self,
        specs: list[FunctionConfig],
        *,
        runtime_root: Path,
        workdir: Path,
        layer_cache: Path,
        log_dir: Path | None = None,
        idle_ttl_s: float = DEFAULT_IDLE_TTL_S,
        max_environments: int = DEFAULT_MAX_ENVIRONMENTS,
    ) -> None:
        workdir, layer_cache = workdir.resolve(), layer_cache.resolve()
        self._log_dir = log_dir
        self._log_lock = threading.Lock()
        self._functions: dict[str, FunctionRecord] = {}
        self._closed = threading.Event()
        toolchains: dict[tuple[str, str], Toolchain] = {}
        try:
            for spec in specs:
                key = (spec.runtime, spec.architecture)
                if key not in toolchains:
                    progress(f"preparing the {spec.runtime}-{spec.architecture} runtime")
                    toolchains[key] = prepare(spec.runtime, spec.architecture, runtime_root)
                if spec.layers:
                    progress(f"laying out {spec.name} and its {len(spec.layers)} layer(s)")
                layout = lay_out(spec.code, spec.layers, workdir / spec.name, layer_cache)
                pool = FunctionPool(
                    spec,
                    toolchains[key],
                    layout,
                    workdir / spec.name,
                    idle_ttl_s=idle_ttl_s,
                    max_environments=max_environments,
                )
                sha, size = _code_digest(layout.task_root)
                self._functions[spec.name] = FunctionRecord(
                    pool, str(uuid.uuid4()), datetime.now(UTC), sha, size
                )
        except BaseException:
            self.close()
            raise
        self._reaper = threading.Thread(
            target=self._reap, args=(max(1.0, idle_ttl_s / 4),), name="reaper", daemon=True
        )
        self._reaper.start()

    def functions(self) -> list[FunctionRecord]:
        return list(self._functions.values())

    def lookup(self, name_or_arn: str, qualifier: str | None = None) -> FunctionRecord | None:
        """Lambda's FunctionName forms: name, name:qualifier, partial ARN
        (`<account>:function:<name>`), full ARN; only the $LATEST version exists locally."""
        name, arn_qualifier, arn = _split_function_name(name_or_arn)
        record = self._functions.get(name)
        if record is None or (arn is not None and arn != record.spec.arn):
            return None
        qualifiers = {q for q in (arn_qualifier, qualifier) if q}
        if qualifiers - {LATEST}:
            return None
        return record

    def invoke(
        self, record: FunctionRecord, payload: bytes, client_context: str | None = None
    ) -> EmulatedInvocation:
        invocation = record.pool.invoke(payload, client_context)
        self._write_log(record.spec, invocation)
        return invocation

    def update(self, record: FunctionRecord, spec: FunctionConfig) -> None:
        record.pool.update(spec)
        record.revision_id = str(uuid.uuid4())
        record.last_modified = datetime.now(UTC)

    def close(self) -> None:
        self._closed.set()
        for record in self._functions.values():
            record.pool.close()

    def _reap(self, interval_s: float) -> None:
        while not self._closed.wait(interval_s):
            for record in self._functions.values():
                record.pool.reap()

    def _write_log(self, spec: FunctionConfig, invocation: EmulatedInvocation) -> None:
        if self._log_dir is None:
            return
        with self._log_lock:
            self._log_dir.mkdir(parents=True, exist_ok=True)
            with (self._log_dir / f"{spec.name}.log").open("a") as log:
                log.write(invocation.log)


def _split_function_name(value: str) -> tuple[str, str | None, str | None]:
    """-> (name, qualifier from the string, the unqualified full ARN when one was given)."""
    parts = value.split(":")
    if value.startswith("arn:") and len(parts) >= 7 and parts[5] == "function":
        qualifier = parts[7] if len(parts) > 7 else None
        return parts[6], qualifier, ":".join(parts[:7])
    if len(parts) >= 3 and parts[1] == "function":
        return parts[2], parts[3] if len(parts) > 3 else None, None
    if len(parts) == 2:
        return parts[0], parts[1], None
    return value, None, None


def _code_digest(task_root: Path) -> tuple[str, int]:
    """A stand-in for CodeSha256/CodeSize: the base64 SHA-256 over the task root's files."""
    digest = hashlib.sha256()
    size = 0
    for path in sorted(p for p in task_root.rglob("*") if p.is_file()):
        data = path.read_bytes()
        digest.update(path.relative_to(task_root).as_posix().encode() + b"\0" + data)
        size += len(data)
    return base64.b64encode(digest.digest()).decode(), size
