"""`python -m ARGV --help` for every ARGV on stdin (a JSON list), in this one interpreter.

Run by tests/docs/commands.py from the repository root; prints a JSON list of
[argv, exit code, output]. This repository's modules and pytest run as `python -m` runs them
(runpy, `__main__`), so one interpreter start and one import of the shared packages serve every
documented command; any other module (ruff's replaces the process with its binary) runs in a
process of its own.
"""

from __future__ import annotations

import contextlib
import io
import json
import runpy
import subprocess
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
IN_PROCESS_THIRD_PARTY = frozenset({"pytest"})


def _in_process(module: str) -> bool:
    top = module.partition(".")[0]
    return top in IN_PROCESS_THIRD_PARTY or (REPO_ROOT / top / "__init__.py").is_file()


def _help(argv: list[str]) -> tuple[int, str]:
    if not _in_process(argv[0]):
        ran = subprocess.run(
            [sys.executable, "-m", *argv, "--help"],
            capture_output=True,
            text=True,
            check=False,
            timeout=120,
        )
        return ran.returncode, ran.stdout + ran.stderr
    output = io.StringIO()
    sys.argv = [argv[0], *argv[1:], "--help"]
    code: int = 0
    with contextlib.redirect_stdout(output), contextlib.redirect_stderr(output):
        try:
            runpy.run_module(argv[0], run_name="__main__", alter_sys=True)
        except SystemExit as exit_:
            code = exit_.code if isinstance(exit_.code, int) else (0 if exit_.code is None else 1)
    return code, output.getvalue()


def main() -> int:
    sys.path[0] = str(REPO_ROOT)  # not tests/docs: run as the repository root runs it
    stdout = sys.stdout  # each help is captured; the answers go to the real one
    answers = [[argv, *_help(argv)] for argv in json.load(sys.stdin)]
    json.dump(answers, stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
