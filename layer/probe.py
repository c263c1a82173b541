"""Import probe for a fresh interpreter: stdlib only, run from its source text, not imported.

`python3.X -I -S -B -c "$(cat probe.py)" CONFIG` where CONFIG is JSON
`{"path": [...], "modules": [...], "root": DIR, "audit": bool}`: no site, no environment, no
project venv; `sys.path` = the given layer paths, then the stdlib. Prints one JSON object.
With audit on, a `sys.addaudithook` hook records each file under root that the import system
compiles (a `compile` event raised from importlib's `source_to_code`; other compile() calls,
such as anyio parsing its own source to an AST, are not imports). It does so only when no valid
pyc exists, so an empty list proves every module came from the layer's bytecode. `-B` keeps
the probe from writing pycs of its own.
"""

from __future__ import annotations

import importlib
import json
import sys
import time
from types import FrameType


def main() -> None:
    config = json.loads(sys.argv[1])
    root: str = config["root"]
    compiled: list[str] = []

    def hook(event: str, args: tuple[object, ...]) -> None:
        if event == "compile" and isinstance(args[1], str) and args[1].startswith(root):
            frame: FrameType | None = sys._getframe(1)
            while frame is not None and frame.f_code.co_name != "source_to_code":
                frame = frame.f_back
            if frame is not None:  # the import system compiling a module's source
                compiled.append(args[1])

    if config["audit"]:
        sys.addaudithook(hook)
    sys.path[:0] = config["path"]
    started = time.perf_counter()
    for name in config["modules"]:
        importlib.import_module(name)
    seconds = time.perf_counter() - started

    # Imported after timing: it is not part of what the layer's user imports.
    from importlib import metadata  # noqa: PLC0415

    try:
        version: str | None = metadata.version("honeyhive")
    except metadata.PackageNotFoundError:
        version = None
    from_layer = sorted(
        name
        for name, module in list(sys.modules.items())
        if str(getattr(module, "__file__", None) or "").startswith(root)
    )
    result = {
        "importSeconds": seconds,
        "compiled": compiled,
        "layerModules": from_layer,
        "honeyhiveVersion": version,
        "sysPath": sys.path,
        "version": sys.version.split()[0],
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
