"""Synthetic heads for the instruction gate: a layer zip with one change to a package's
`__init__.py`, its bytecode rebuilt (a layer's pycs are unchecked-hash: an edited `.py` with its
old pyc would change nothing).

Kinds: `slower` (imports a module that runs a pure-Python loop of PERCENT of the base import's
instructions, calibrated under cachegrind), `version` (the same tree, another version string of
the same length), `socket` (opens a socket and connects it), `process` (starts `true`), `thread`
(starts a thread that outlives the import), `urandom_ids` (OpenTelemetry's ids drawn from
`os.urandom` instead of `random`: an SDK whose ids SnapStart's restores cannot share).

    python -m tests.harness.bench.synthetic KIND BASE_ZIP OUT_ZIP [--package honeyhive]
        [--percent 3] [--base-instructions N]
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tempfile
from pathlib import Path

from harness.bench import cachegrind
from layer import archive

KINDS = ("slower", "version", "socket", "process", "thread", "urandom_ids")
MODULE = "_synthetic_head"
LOOP = """\
_total = 0
for _i in range({iterations}):
    _total += _i
"""
EFFECTS = {
    "socket": """\
import socket as _socket

_sock = _socket.socket(_socket.AF_INET, _socket.SOCK_STREAM)
try:
    _sock.connect(("127.0.0.1", 9))
except OSError:
    pass
_sock.close()
""",
    "process": """\
import subprocess as _subprocess

_subprocess.run(["true"], check=False)
""",
    "thread": """\
import threading as _threading
import time as _time

_threading.Thread(target=_time.sleep, args=(60,), name="synthetic-head", daemon=True).start()
""",
    "urandom_ids": """\
import os as _os

from opentelemetry.sdk.trace import id_generator as _ids


def _span_id(self):
    return int.from_bytes(_os.urandom(8), "big") or 1


def _trace_id(self):
    return int.from_bytes(_os.urandom(16), "big") or 1


_ids.RandomIdGenerator.generate_span_id = _span_id
_ids.RandomIdGenerator.generate_trace_id = _trace_id
""",
}


def _compile(python: Path, source: Path, dfile: str) -> None:
    """Rebuild one module's pyc as the layer builder does (unchecked-hash, Lambda's path)."""
    code = (
        "import py_compile, sys\n"
        "py_compile.compile(sys.argv[1], dfile=sys.argv[2], doraise=True,\n"
        "    invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH)\n"
    )
    subprocess.run(
        [str(python), "-S", "-c", code, str(source), dfile],
        check=True, env={"PYTHONHASHSEED": "0"},
    )  # fmt: skip


def instructions_per_iteration(python: Path, work: Path, iterations: int = 200_000) -> float:
    """Ir of one iteration of LOOP, measured: two runs under cachegrind, `iterations` apart."""
    tools = cachegrind.require_tools()
    counts = []
    for iterations_run in (0, iterations):
        out, log = (
            work / f"calibrate-{iterations_run}.out",
            work / f"calibrate-{iterations_run}.log",
        )
        command = cachegrind.command(tools, out, log, cache_sim=False)
        source = LOOP.format(iterations=iterations_run)
        subprocess.run([*command, str(python), "-S", "-c", source], check=True, env={})
        counts.append(cachegrind.parse_counts(out.read_text()).instructions)
    return (counts[1] - counts[0]) / iterations


def make_head(
    kind: str,
    base_zip: Path,
    out_zip: Path,
    python: Path,
    *,
    package: str = "honeyhive",
    site_packages: str = "python/lib/python3.13/site-packages",
    extra_instructions: int = 0,
) -> Path:
    """`base_zip` with `kind`'s change to `package`, its bytecode rebuilt, as `out_zip`."""
    with tempfile.TemporaryDirectory(prefix="synthetic-head-") as tmp:
        tree = Path(tmp, "tree")
        archive.unpack(base_zip, tree)
        root = tree / site_packages
        init = root / package / "__init__.py"
        dfile_dir = f"/opt/{site_packages}/{package}"
        if kind == "version":
            text = init.read_text()
            version = re.search(r'__version__ = "([^"]+)"', text)
            if version is None:
                raise ValueError(f"{init} sets no __version__")
            old = version.group(1)
            new = old[:-1] + ("1" if old[-1] != "1" else "2")
            init.write_text(text.replace(f'__version__ = "{old}"', f'__version__ = "{new}"'))
            for info in root.glob(f"{package}-{old}.dist-info"):
                metadata = info / "METADATA"
                metadata.write_text(
                    metadata.read_text().replace(f"Version: {old}", f"Version: {new}")
                )
                info.rename(root / f"{package}-{new}.dist-info")
        else:
            loop = LOOP.format(iterations=extra_instructions)
            body = loop if kind == "slower" else EFFECTS[kind]
            module = root / package / f"{MODULE}.py"
            module.write_text(body)
            _compile(python, module, f"{dfile_dir}/{MODULE}.py")
            init.write_text(f"from {package} import {MODULE}  # noqa: F401\n" + init.read_text())
        _compile(python, init, f"{dfile_dir}/__init__.py")
        out_zip.parent.mkdir(parents=True, exist_ok=True)
        archive.zip_tree(tree, out_zip)
    return out_zip


def main(argv: list[str]) -> int:
    from layer.interpreters import find_interpreter

    parser = argparse.ArgumentParser(prog="python -m tests.harness.bench.synthetic")
    parser.add_argument("kind", choices=KINDS)
    parser.add_argument("base_zip", type=Path)
    parser.add_argument("out_zip", type=Path)
    parser.add_argument("--package", default="honeyhive")
    parser.add_argument("--python-version", default="3.13")
    parser.add_argument("--percent", type=float, default=3.0)
    parser.add_argument(
        "--base-instructions", type=int, default=0, help="slower: Ir of the base's counted phase"
    )
    args = parser.parse_args(argv)
    python = find_interpreter(args.python_version).path
    extra = 0
    if args.kind == "slower":
        if args.base_instructions <= 0:
            parser.error("slower needs --base-instructions (the base import's Ir)")
        with tempfile.TemporaryDirectory() as tmp:
            per_iteration = instructions_per_iteration(python, Path(tmp))
        extra = round(args.base_instructions * args.percent / 100 / per_iteration)
        print(
            f"{per_iteration:.1f} instructions per iteration: {extra} iterations", file=sys.stderr
        )
    site = f"python/lib/python{args.python_version}/site-packages"
    make_head(
        args.kind, args.base_zip, args.out_zip, python,
        package=args.package, site_packages=site, extra_instructions=extra,
    )  # fmt: skip
    print(args.out_zip)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
