"""Two `up` runs of the program, fed different secrets, compared: what differs is computed from a
secret.

The gate runs the program twice as `pulumi up` runs it, with one value for every secret config
key and then another (longer) one. A deterministic program declares the same thing both times,
except where a value is computed from a secret. Every such difference is refused, except the one
place a secret belongs: a function's `HH_API_KEY`, holding exactly the run's secret, marked
secret. This catches a value derived from the key by any computation (a hash, XOR, one character
per tag, its length), which no search for the key's value can; and a stack output that carries
the secret mark is refused even when its value does not change. It cannot catch what differs in
neither run (code that reads the clock, the network, or the environment CI gives `up` and the
gate does not).

Each run is flattened at once, before the next run starts, so a file the program rewrites (an
archive it uploads) is fingerprinted as that run left it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from harness.program.capture import Capture
from harness.program.wire import (
    ARCHIVE_SIG,
    ASSET_SIG,
    OUTPUT_SIG,
    RESOURCE_SIG,
    SECRET_SIG,
    SIG_KEY,
    UNKNOWN_SENTINEL,
    to_json,
    wire,
)

FUNCTION: Final = "aws:lambda/function:Function"
KEY_PLACE: Final = ("inputs", "environment", "variables", "HH_API_KEY")
POLICY: Final = "gate-secret-flow"
OUTPUTS: Final = "(stack outputs)"
SHOWN_PATHS: Final = 5


@dataclass(frozen=True)
class Leaf:
    value: str
    """The value as canonical JSON (a file as the digest of its contents)."""
    secret: bool


Flat = dict[tuple[str, ...], Leaf]


def _digest(path: Path) -> str:
    digest = hashlib.sha256()
    files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
    for item in files:
        digest.update(str(item.relative_to(path) if path.is_dir() else "").encode())
        try:
            digest.update(item.read_bytes())
        except OSError as exc:
            digest.update(repr(exc).encode())
    return "sha256:" + digest.hexdigest()


def _walk(value: Any, path: tuple[str, ...], secret: bool, base: Path, out: Flat) -> None:
    if isinstance(value, dict):
        signature = value.get(SIG_KEY)
        if signature == SECRET_SIG:
            _walk(value.get("value"), path, True, base, out)
            return
        if signature == OUTPUT_SIG:
            inner = value.get("value", UNKNOWN_SENTINEL)
            _walk(inner, path, secret or bool(value.get("secret")), base, out)
            return
        if signature == RESOURCE_SIG:
            out[path] = Leaf(json.dumps(str(value.get("urn", ""))), secret)
            return
        if signature in (ARCHIVE_SIG, ASSET_SIG) and "path" in value:
            out[path] = Leaf(json.dumps(_digest(base / str(value["path"]))), secret)
            return
        for key, item in value.items():
            _walk(item, (*path, str(key)), secret, base, out)
        if not value:
            out[path] = Leaf("{}", secret)
        return
    if isinstance(value, list):
        for index, item in enumerate(value):
            _walk(item, (*path, str(index)), secret, base, out)
        if not value:
            out[path] = Leaf("[]", secret)
        return
    out[path] = Leaf(json.dumps(value, sort_keys=True), secret)


def flatten(capture: Capture) -> dict[str, Flat]:
    """Every resource (by URN) and the stack's outputs as path -> leaf."""
    base = capture.program_dir
    result: dict[str, Flat] = {}
    for resource in capture.resources:
        request = resource.request
        flat: Flat = {}
        _walk(to_json(request.object), ("inputs",), False, base, flat)
        options = {
            "custom": request.custom,
            "parent": request.parent,
            "provider": resource.provider_urn,
            "dependencies": sorted(request.dependencies),
            "protect": request.protect,
            "version": request.version,
            "ignoreChanges": list(request.ignoreChanges),
            "additionalSecretOutputs": list(request.additionalSecretOutputs),
        }
        for key, value in options.items():
            flat[("options", key)] = Leaf(json.dumps(value), False)
        result[resource.urn] = flat
    outputs: Flat = {}
    _walk(wire(capture.outputs), ("outputs",), False, base, outputs)
    result[OUTPUTS] = outputs
    return result


def _shown(path: tuple[str, ...]) -> str:
    return ".".join(path)


def _holds_the_key(
    before: Leaf | None, after: Leaf | None, secrets: tuple[frozenset[str], frozenset[str]]
) -> bool:
    """Whether each run's leaf is exactly that run's secret value."""
    return (
        before is not None
        and after is not None
        and json.loads(before.value) in secrets[0]
        and json.loads(after.value) in secrets[1]
    )


def _paths(paths: list[tuple[str, ...]]) -> str:
    """The paths, each without the list indices it ends in (`outputs.data`, not 40 items)."""
    trimmed: list[str] = []
    for path in paths:
        end = len(path)
        while end > 1 and path[end - 1].isdigit():
            end -= 1
        if (text := _shown(path[:end])) not in trimmed:
            trimmed.append(text)
    shown = ", ".join(trimmed[:SHOWN_PATHS])
    more = len(trimmed) - SHOWN_PATHS
    return shown + (f" and {more} more" if more > 0 else "")


def _resource_problems(
    urn: str, first: Flat, second: Flat, secrets: tuple[frozenset[str], frozenset[str]]
) -> list[str]:
    problems: list[str] = []
    is_function = urn.startswith("urn:") and urn.split("::")[2].endswith(FUNCTION)
    if urn == OUTPUTS and (marked := [p for p, leaf in sorted(first.items()) if leaf.secret]):
        problems.append(
            f"{_paths(marked)} computed from a secret (carrying the secret mark): no stack "
            "output may be; remove it"
        )
    differing: list[tuple[str, ...]] = []
    for path in sorted(set(first) | set(second)):
        before, after = first.get(path), second.get(path)
        if is_function and path == KEY_PLACE and _holds_the_key(before, after, secrets):
            if not (before and after and before.secret and after.secret):
                problems.append(
                    f"{_shown(path)} holds the key without the secret mark (Output.unsecret or "
                    "a plain copy): pass the config secret itself (config.require_secret)"
                )
        elif before != after:
            differing.append(path)
    if differing:
        problems.append(
            f"{_paths(differing)} differ(s) between two `up` runs given different secret "
            "values, so it is computed from a secret; a secret may only be a function's "
            "HH_API_KEY: remove it (also hashed, encoded or in pieces)"
        )
    return problems


def differences(
    first: Mapping[str, Flat],
    second: Mapping[str, Flat],
    secrets: tuple[frozenset[str], frozenset[str]],
) -> list[tuple[str, str]]:
    """(resource URN or OUTPUTS, message) for every difference between the two runs, and for
    the key without its secret mark or a secret-marked output."""
    problems: list[tuple[str, str]] = []
    for urn in sorted(set(first) | set(second)):
        if urn not in first or urn not in second:
            problems.append(
                (
                    urn,
                    "is declared in only one of two `up` runs given different secret values: "
                    "whether it exists is computed from a secret; declare it unconditionally",
                )
            )
            continue
        problems += [(urn, m) for m in _resource_problems(urn, first[urn], second[urn], secrets)]
    return problems
