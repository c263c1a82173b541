"""The doc-test: every command the README and docs show still runs as shown
(tests/docs/commands.py), and the checker does report a renamed target, variable, flag or key."""

from __future__ import annotations

import subprocess
from pathlib import Path

from bootstrap.settings import KEYS as BOOTSTRAP_SETTINGS
from harness.__main__ import COMMANDS
from infra.spec import REPO_ROOT
from tests.docs.commands import (
    BOOTSTRAP_KEYS,
    MAKEFILE,
    Command,
    check,
    collect_help,
    documented_commands,
    fenced_commands,
    flags_used,
    help_argv,
    inline_commands,
    read_makefile,
    the_makefile,
)


def test_every_documented_command_runs_as_shown() -> None:
    commands = documented_commands()
    shown = {command.text for command in commands}
    # The README's own promises, so an extractor that finds nothing cannot pass.
    assert {"make local", "make test", "make bench HEAD=../python-sdk"} <= shown
    assert any(text.startswith(".venv/bin/python -m harness") for text in shown)
    assert check(commands) == []


SNIPPET = """\
Prose quotes commands as code: `make bench-deploy STACK=S`, `make layer|render|policy`, and
`python -m harness bench --deployed S
--fail-on-regresion` (wrapped).

```bash
make benchmark HEAD=../python-sdk              # a renamed target
make bench HEAD_SDK=../python-sdk              # a renamed variable
make bench PY=python3                          # one the Makefile sets itself
.venv/bin/python -m harness bench --cold-start 3 --head ../python-sdk
.venv/bin/python -m harness render --stack ci --set memorySize=1024
python -m harness benchmark --head x           # a renamed command
python -m pytest tests/deployed --cold-start 3
pulumi config set logRetention 30
```
"""


def test_the_checker_reports_each_renamed_name() -> None:
    commands = fenced_commands(SNIPPET, "snippet.md") + inline_commands(SNIPPET, "snippet.md")
    problems = check(commands)
    expected = [
        "snippet.md:1: `make bench-deploy STACK=S`: `make bench-deploy`: the Makefile has no "
        "target 'bench-deploy'",
        "snippet.md:2: `python -m harness bench --deployed S --fail-on-regresion`: "
        "--fail-on-regresion is not an option of `python -m harness bench`",
        "snippet.md:6: `make benchmark HEAD=../python-sdk`: `make benchmark`: the Makefile has no "
        "target 'benchmark'",
        "snippet.md:7: `make bench HEAD_SDK=../python-sdk`: HEAD_SDK= is not a variable the "
        "Makefile reads",
        "snippet.md:8: `make bench PY=python3`: PY= is not a variable the Makefile reads",
        "snippet.md:9: `.venv/bin/python -m harness bench --cold-start 3 --head ../python-sdk`: "
        "--cold-start is not an option of `python -m harness bench`",
        "snippet.md:10: `.venv/bin/python -m harness render --stack ci --set memorySize=1024`: "
        "--set memorySize: not a stack setting (infra/settings.py KNOWN_KEYS)",
        "snippet.md:11: `python -m harness benchmark --head x`: `python -m harness benchmark "
        "--help` exits 2: python -m harness: unknown command 'benchmark'",
        "snippet.md:12: `python -m pytest tests/deployed --cold-start 3`: --cold-start is not an "
        "option of `python -m pytest tests/deployed`",
        "snippet.md:13: `pulumi config set logRetention 30`: logRetention is neither a stack "
        "setting nor a bootstrap setting",
    ]
    assert sorted(problems) == sorted(expected)


def test_a_flag_renamed_in_a_makefile_recipe_fails_the_make_line(tmp_path: Path) -> None:
    """`make bench` is checked through its recipe: the flags the Makefile passes are checked
    against the command's --help like the pages' own."""
    renamed = tmp_path / "Makefile"
    renamed.write_text(MAKEFILE.read_text().replace("--cold-starts $(", "--cold-runs $("))
    line = [Command("README.md", 1, "make bench HEAD=../python-sdk")]
    assert check(line) == []
    (problem,) = check(line, read_makefile(renamed))
    assert "--cold-runs is not an option of `python -m harness bench`" in problem
    assert "make -n" in problem


def test_a_fenced_line_is_read_as_a_shell_would() -> None:
    markdown = (
        "````markdown\n```\n$ make local SDK=../x \\\n    PYTEST_ARGS='-k a#b'   # comment\n"
        "````\nmake prose\n"
    )
    (command,) = fenced_commands(markdown, "x.md")
    assert (command.line, command.text) == (3, "make local SDK=../x PYTEST_ARGS='-k a#b'")
    text = ".venv/bin/python -m harness local invoke --code DIR [--event '{\"--x\": 1}'] -- --y"
    assert help_argv(text) == ("harness", "local", "invoke")
    assert flags_used(text) == ["--code", "--event"]
    assert help_argv("python -m pytest tests/deployed --outputs f") == ("pytest", "tests/deployed")
    # A build output in the argv would change it once another worker builds the file.
    assert help_argv("python -m tests.harness.bench.synthetic slower build/layer/a.zip x") == (
        "tests.harness.bench.synthetic",
        "slower",
    )
    assert help_argv("python -m harness bench README.md") == ("harness", "bench")


def test_the_makefile_is_read_for_what_callers_may_set() -> None:
    makefile = the_makefile()
    assert {"local", "bench", "bench-deployed", "help", "test"} <= makefile.targets
    assert {"SDK", "HEAD", "BASE", "STACK", "WORKERS", "REMOVE", "APPLY"} <= (
        makefile.caller_variables
    )
    assert not {"PY", "VENV", "STAMP"} & makefile.caller_variables
    assert {"test", "check"} <= makefile.remakes
    assert "local" not in makefile.remakes


def test_the_bootstrap_keys_copy_is_the_bootstrap_s() -> None:
    assert frozenset(BOOTSTRAP_SETTINGS) == BOOTSTRAP_KEYS


def test_every_harness_command_s_help_prints_cleanly() -> None:
    """argparse prints `%%` literally in a description: help text is written as it shows."""
    helps = collect_help([("harness",), *(("harness", name) for name in COMMANDS)])
    for argv, (code, text) in helps.items():
        assert code == 0, (argv, text)
        assert "%%" not in text, argv


def test_make_help_lists_every_target_with_its_line() -> None:
    """`make` alone prints `make help`: each target's `## ` line from the Makefile."""
    shown = subprocess.run(
        ["make", "--no-print-directory"], cwd=REPO_ROOT, capture_output=True, text=True, check=True
    ).stdout
    listed = {line.split()[0]: line for line in shown.splitlines() if line.strip()}
    assert set(listed) == set(the_makefile().targets)
    assert "the same on a STACK deployed with baseSdk" in listed["bench-deployed"]
