"""Import a built layer in a fresh interpreter of its runtime, the way Lambda's runtime would.

`layer/probe.py` runs from its source text (stdlib only) in `python3.X -I -S -B`, with only the
unpacked layer and the stdlib on `sys.path`; it reports the import time, the SDK's version
(through `importlib.metadata`, which needs the kept `*.dist-info`) and every module the import
system had to compile (none, when the layer's bytecode is used).
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

from layer.errors import LayerError
from layer.targets import LayerTarget, layer_sys_path

PROBE = Path(__file__).with_name("probe.py")
SDK_MODULES = ("honeyhive", "opentelemetry.sdk.trace", "openinference.instrumentation.openai")
PROBE_TIMEOUT_S = 120


class ProbeFailed(LayerError):
    """The layer does not import on its runtime; the message carries the interpreter's error."""


def run_probe(
    python: Path,
    root: Path,
    target: LayerTarget,
    modules: tuple[str, ...] = SDK_MODULES,
    *,
    audit: bool = True,
    timeout: float = PROBE_TIMEOUT_S,
) -> dict[str, Any]:
    """Import `modules` in a fresh interpreter whose sys.path holds only the layer (unpacked at
    root, which stands for /opt) and the stdlib; return the probe's JSON."""
    config = {
        "path": layer_sys_path(str(root), target),
        "modules": list(modules),
        "root": str(root),
        "audit": audit,
    }
    result = subprocess.run(
        [str(python), "-I", "-S", "-B", "-c", PROBE.read_text(), json.dumps(config)],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
        cwd=root,
    )
    if result.returncode != 0:
        raise ProbeFailed(
            f"importing {', '.join(modules)} from the layer at {root} with {python} failed:\n"
            f"{result.stderr.strip()[-3000:]}"
        )
    data: dict[str, Any] = json.loads(result.stdout)
    return data
