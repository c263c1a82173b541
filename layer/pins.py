"""The pinned requirements file and the distributions an installed tree actually holds."""

from __future__ import annotations

import re
from email.parser import HeaderParser
from pathlib import Path

from layer.errors import LayerError

LAYER_DIR = Path(__file__).resolve().parent
REQUIREMENTS = LAYER_DIR / "requirements.txt"
_PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([A-Za-z0-9.+!_-]+)$")


def canonical(name: str) -> str:
    """PEP 503 normalised name: `PyYAML` and `pyyaml` are one package."""
    return re.sub(r"[-_.]+", "-", name).lower()


def parse_pin(line: str) -> tuple[str, str] | None:
    """`(canonical name, version)` of a `name==version` line, else None."""
    match = _PIN.match(line.strip())
    return (canonical(match[1]), match[2]) if match else None


def read_pins(path: Path = REQUIREMENTS) -> dict[str, str]:
    """`{canonical name: version}`; only `name==version` lines (the lock writes nothing else)."""
    pins: dict[str, str] = {}
    for number, raw in enumerate(path.read_text().splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        pin = parse_pin(line)
        if pin is None:
            raise LayerError(
                f"{path}:{number}: {raw.strip()!r} is not `name==version`; the layer's "
                "requirements must be fully pinned. Fix: regenerate with `python -m layer.lock`."
            )
        pins[pin[0]] = pin[1]
    return pins


def installed(tree: Path) -> dict[str, str]:
    """`{canonical name: version}` from the `*.dist-info/METADATA` files directly in tree."""
    found: dict[str, str] = {}
    for metadata in sorted(tree.glob("*.dist-info/METADATA")):
        headers = HeaderParser().parsestr(metadata.read_text(encoding="utf-8"))
        found[canonical(headers["Name"])] = headers["Version"]
    return found


def check_installed(pins: dict[str, str], got: dict[str, str]) -> None:
    """The tree holds exactly the pinned set; anything else means the requirements file is stale."""
    problems = [
        f"{n}=={v} was added by the installer" for n, v in sorted(got.items()) if n not in pins
    ]
    problems += [f"{n} is pinned but was not installed" for n in sorted(pins) if n not in got]
    problems += [
        f"{n} is pinned to {pins[n]} but {got[n]} was installed"
        for n in sorted(pins)
        if n in got and got[n] != pins[n]
    ]
    if problems:
        raise LayerError(
            "the installed packages differ from layer/requirements.txt: "
            + "; ".join(problems)
            + ". Fix: regenerate the pins with `python -m layer.lock`."
        )
