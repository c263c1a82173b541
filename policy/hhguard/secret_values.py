"""secret-values: the HoneyHive key (any secret config value) appears nowhere but where it must.

The pack is given the stack's config (the CLI decrypts it for policy packs; the offline gate
passes the values it fed the program). The only place a secret's value may appear is the
`HH_API_KEY` variable of a function's environment. Anywhere else (another variable, a tag, a
description, a name, a provider setting, a stack output, a file in an archive the stack uploads)
it would leave the function: it is found by its value, also reversed, base64-, base32-, hex- or
percent-encoded, ROT13'd, or split (any `minFragment`-character piece of it in a string).

What this cannot see: a value computed from the secret by anything else (a hash, XOR, one
character per tag). The offline gate closes that by rendering the program twice with different
secrets and refusing any difference outside `HH_API_KEY` (harness/policy_gate/differential.py).
"""

from __future__ import annotations

import base64
import codecs
import json
import os
import zipfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final
from urllib.parse import quote

import pulumi

from . import aws_types as t
from .archives import resolve
from .framework import Settings, StackResource, stack_policy
from .limits import SECRETS_SCHEMA

ALLOWED_PLACE: Final = ("environment", "variables", "HH_API_KEY")
MIN_SECRET_LENGTH: Final = 8
MAX_SCAN_BYTES: Final = 512 * 1024 * 1024
_ENCODINGS: Final = ("base64", "urlsafe base64", "base32")


def secret_values(settings: Settings, environ: Mapping[str, str] | None = None) -> list[str]:
    """The values of the stack's secret config: keys named in `secretConfigKeys` (by the part
    after `namespace:`) and those the CLI lists in PULUMI_CONFIG_SECRET_KEYS."""
    env = os.environ if environ is None else environ
    try:
        config = json.loads(env.get("PULUMI_CONFIG") or "{}")
        listed = json.loads(env.get("PULUMI_CONFIG_SECRET_KEYS") or "[]")
    except ValueError:
        return []
    names = {str(k) for k in settings["secretConfigKeys"]}
    keys = {k for k in config if k.rpartition(":")[2] in names} | {str(k) for k in listed}
    values = {config[k] for k in keys if isinstance(config.get(k), str)}
    return sorted(v for v in values if len(v) >= MIN_SECRET_LENGTH)


def _encoded(value: bytes, name: str) -> Iterator[str]:
    """The part of `value`'s encoding that does not depend on what surrounds it: the encoding
    at each alignment, without the characters the neighbouring bytes would change."""
    block, chars = (5, 8) if name == "base32" else (3, 4)
    for pad in range(block):
        data = b"\0" * pad + value
        if name == "base32":
            text = base64.b32encode(data).decode()
        elif name == "base64":
            text = base64.b64encode(data).decode()
        else:
            text = base64.urlsafe_b64encode(data).decode()
        start = chars if pad else 0
        end = (len(data) // block) * chars
        if end - start >= MIN_SECRET_LENGTH:
            yield text[start:end]


@dataclass(frozen=True)
class Needle:
    text: str
    how: str


def needles(value: str) -> list[Needle]:
    """`value` and its simple transforms, as they would appear inside other text."""
    raw = value.encode()
    found = [
        Needle(value, "the value"),
        Needle(value[::-1], "reversed"),
        Needle(raw.hex(), "hex"),
        Needle(raw.hex().upper(), "hex"),
        Needle(quote(value, safe=""), "percent-encoded"),
        Needle(codecs.encode(value, "rot13"), "ROT13"),
    ]
    found += [Needle(e, name) for name in _ENCODINGS for e in _encoded(raw, name)]
    unique: dict[str, Needle] = {}
    for needle in found:
        unique.setdefault(needle.text, needle)
    return list(unique.values())


def fragment(text: str, value: str, size: int) -> str | None:
    """A `size`-character piece of `value` (or of it reversed) inside `text`, if any."""
    if len(value) < size:
        return None
    pieces = {value[i : i + size] for i in range(len(value) - size + 1)}
    pieces |= {p[::-1] for p in pieces}
    windows = (text[i : i + size] for i in range(len(text) - size + 1))
    return next((w for w in windows if w in pieces), None)


def _leaves(value: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], Any]]:
    if isinstance(value, Mapping):
        for key, item in value.items():
            yield (*path, f"<key {key}>"), str(key)
            yield from _leaves(item, (*path, str(key)))
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            yield from _leaves(item, (*path, str(index)))
    else:
        yield path, value


def _archive_files(value: Any) -> Iterator[Path]:
    if isinstance(value, pulumi.FileArchive | pulumi.FileAsset):
        found = resolve(str(value.path), (Path.cwd(), Path.cwd().parent))
        if found is not None:
            yield from ([found] if found.is_file() else sorted(found.rglob("*")))
    elif isinstance(value, pulumi.AssetArchive):
        for item in value.assets.values():
            yield from _archive_files(item)


def _file_contents(path: Path) -> Iterator[bytes]:
    """A file's bytes; a zip's members decompressed (a layer or code archive)."""
    if not path.is_file():
        return
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as archive:
            for info in archive.infolist():
                if not info.is_dir():
                    yield archive.read(info)
    else:
        yield path.read_bytes()


@dataclass(frozen=True)
class Finder:
    values: Sequence[str]
    min_fragment: int

    def in_text(self, text: str) -> str | None:
        for value in self.values:
            for needle in needles(value):
                if needle.text in text:
                    return needle.how
            if piece := fragment(text, value, self.min_fragment):
                return f"a piece of it ({len(piece)} characters)"
        return None

    def in_files(self, paths: Iterable[Path]) -> tuple[str, str] | None:
        patterns = [(n.text.encode(), n.how) for v in self.values for n in needles(v)]
        scanned = 0
        for path in paths:
            for data in _file_contents(path):
                scanned += len(data)
                if scanned > MAX_SCAN_BYTES:
                    return str(path), "too large to scan for the secret"
                for pattern, how in patterns:
                    if pattern in data:
                        return str(path), how
        return None


def _where(path: tuple[str, ...]) -> str:
    return ".".join(path) or "(the value)"


def resource_findings(resource: StackResource, finder: Finder) -> Iterator[str]:
    function_env = resource.type == t.FUNCTION
    for path, leaf in _leaves(resource.props):
        if function_env and path == ALLOWED_PLACE:
            continue
        if isinstance(leaf, str) and (how := finder.in_text(leaf)):
            yield f"{_where(path)} holds a secret's value ({how})"
        elif (files := list(_archive_files(leaf))) and (hit := finder.in_files(files)):
            yield f"{_where(path)}: file {hit[0]} holds a secret's value ({hit[1]})"
    if resource.provider_name.startswith("default"):
        for path, leaf in _leaves(resource.provider_props or {}):
            if isinstance(leaf, str) and (how := finder.in_text(leaf)):
                yield f"its default provider's {_where(path)} holds a secret's value ({how})"


def check_secret_values(
    resources: Sequence[StackResource], settings: Settings
) -> Iterator[tuple[str, str]]:
    values = secret_values(settings)
    if not values:
        return
    finder = Finder(values, int(settings["minFragment"]))
    for resource in resources:
        where = "stack output" if resource.type == t.ROOT_STACK else "property"
        for finding in resource_findings(resource, finder):
            yield (
                resource.urn,
                (
                    f"{resource.type} {resource.name!r}: {where} {finding}; a secret may only be a "
                    "function's HH_API_KEY: remove it (never export or copy a value computed from "
                    "the key)"
                ),
            )


POLICIES: Final = [
    stack_policy(
        "secret-values",
        "A secret's value (the HoneyHive key) appears only in a function's HH_API_KEY, in no "
        "other property, output or uploaded file, also not encoded or in pieces",
        check_secret_values,
        config=SECRETS_SCHEMA,
    ),
]
