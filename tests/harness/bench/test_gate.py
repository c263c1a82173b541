"""The instruction verdict from counts (no valgrind here: counts as cachegrind would report),
the log and output parsers, and how bench.md shows the gate."""

from __future__ import annotations

from typing import Any

import pytest

from harness.bench import cachegrind, gate
from harness.bench.count_output import details, headline
from harness.bench.counting import Counted, SideResult
from harness.bench.errors import BenchError
from harness.bench.run import failed, regressions

PHASE = "import"
GUARD = {"events": [], "threadsAlive": ["MainThread"], "nativeThreads": 1,
         "modules": ["a", "b"], "rssBytes": 50 << 20, "pythonBlocks": 1000}  # fmt: skip


def side(*instructions: int, functions: dict[str, int] | None = None) -> SideResult:
    counted = [
        Counted(cachegrind.Counts({"Ir": n}, functions or {"f (x.c)": n}), {"openat": 100})
        for n in instructions
    ]
    return SideResult({PHASE: counted}, {PHASE: dict(GUARD)})


@pytest.mark.parametrize(
    ("head", "verdict"),
    [((1_020_000, 1_020_100, 1_019_900), "regression"),
     ((1_009_000, 1_009_000, 1_009_000), "no change"),
     ((980_000, 980_000, 980_000), "improvement")],
)  # fmt: skip
def test_the_median_ratio_decides_at_the_tolerance(head: tuple[int, ...], verdict: str) -> None:
    judged = gate.judge({"head": side(*head), "base": side(1_000_000, 1_000_000, 1_000_000)},
                        [PHASE], 0.01, [PHASE])  # fmt: skip
    assert judged["instructionVerdict"] == verdict == judged["verdict"]
    assert judged["phases"][0]["headOverBase"] == pytest.approx(sorted(head)[1] / 1_000_000)


def test_rounds_that_disagree_give_no_verdict_and_fail_the_run() -> None:
    judged = gate.judge({"head": side(1_000_000, 1_008_000), "base": side(1_000_000, 1_000_000)},
                        [PHASE], 0.01, [PHASE])  # fmt: skip
    assert judged["verdict"] is None
    assert "disagree by 0.800%, more than half the tolerance" in judged["phases"][0]["reason"]
    assert failed({"count": judged})[0].startswith("no instruction verdict: the rounds")


def test_a_gating_guard_makes_the_gate_a_regression_with_unchanged_instructions() -> None:
    head, base = side(1_000_000), side(1_000_000)
    event = {"kind": "network", "event": "socket.connect", "target": "10.0.0.1:443",
             "where": "honeyhive/_x.py:12"}  # fmt: skip
    head.guards[PHASE]["events"] = [event]
    judged = gate.judge({"head": head, "base": base}, [PHASE], 0.01, [PHASE])
    assert judged["instructionVerdict"] == "no change"
    assert judged["verdict"] == "regression"
    said = "head uses the network at import: socket.connect 10.0.0.1:443 from honeyhive/_x.py:12"
    assert regressions({"count": judged}) == [said]
    assert f"- **{said}**" in headline(judged)


def test_syscalls_and_memory_gate_beyond_their_slack_only() -> None:
    head, base = side(1_000_000), side(1_000_000)
    head.counted[PHASE] = [Counted(c.counts, {"openat": 104}) for c in head.counted[PHASE]]
    assert gate.guard_findings(head, base, PHASE) == []
    head.counted[PHASE] = [Counted(c.counts, {"openat": 140}) for c in head.counted[PHASE]]
    head.guards[PHASE]["rssBytes"] = (50 << 20) + (2 << 20)
    texts = [f["text"] for f in gate.guard_findings(head, base, PHASE) if f["gates"]]
    assert texts == [
        "head makes +40 openat system calls at import (140 vs 100)",
        "head holds +2.0 MiB resident memory at the end of import (52.0 vs 50.0 MiB)",
    ]


def test_the_attribution_ranks_functions_by_their_change() -> None:
    head = side(1_030_000, functions={"eval (ceval.c)": 900_000, "dict (d.c)": 130_000})
    base = side(1_000_000, functions={"eval (ceval.c)": 880_000, "dict (d.c)": 120_000})
    judged = gate.judge({"head": head, "base": base}, [PHASE], 0.01, [PHASE])
    ranked = [(f["function"], f["delta"]) for f in judged["attribution"][0]["functions"]]
    assert ranked == [("eval (ceval.c)", 20_000), ("dict (d.c)", 10_000)]
    markdown = "\n".join(details(judged))
    assert "| `eval (ceval.c)` | +20,000 | 900,000 | 880,000 |" in markdown
    assert 'x-axis ["+ eval", "+ dict"]' in markdown


COUNTS = """\
desc: I1 cache: 32768 B, 64 B, 8-way associative
cmd: python3.13 -c pass
events: Ir I1mr ILmr Dr D1mr DLmr Dw D1mw DLmw
fl=/src/Python/ceval.c
fn=_PyEval_EvalFrameDefault
10 100 1 0 50 2 1 20 1 0
11 50 0 0 0 0 0 0 0 0
fl=/src/Objects/dictobject.c
fn=_Py_dict_lookup
5 30 1 1 10 1 1 0 0 0
summary: 180 2 1 60 3 2 20 1 0
"""


def test_a_cachegrind_file_gives_totals_cycles_and_functions() -> None:
    counts = cachegrind.parse_counts(COUNTS)
    assert counts.instructions == 180
    assert counts.functions == {"_PyEval_EvalFrameDefault (ceval.c)": 150,
                                "_Py_dict_lookup (dictobject.c)": 30}  # fmt: skip
    assert counts.estimated_cycles == 180 + 10 * (2 + 3 + 1) + 100 * (1 + 2 + 0)
    assert cachegrind.parse_counts("events: Ir\nsummary: 7\n").estimated_cycles is None
    with pytest.raises(BenchError, match="no `summary:` line"):
        cachegrind.parse_counts("events: Ir\nfl=x\n")


def test_the_syscall_log_counts_the_main_threads_calls_less_timing_ones() -> None:
    log = """\
SYSCALL[10,1](257) sys_openat ( 4294967196, 0x1(/a), 524288 ) --> [async] ...
SYSCALL[10,1](257) ... [async] --> Success(0x4)
SYSCALL[10,1](  0) sys_read ( 4, 0x1ffefff2f8, 832 ) --> Success(0x340)
SYSCALL[10,1](228) sys_clock_gettime ( 1, 0x1 ) --> Success(0x0)
SYSCALL[10,1](202) sys_futex ( 0x1, 128, 0 ) --> Success(0x0)
SYSCALL[10,2](202) sys_futex ( 0x1, 128, 0 ) --> Success(0x0)
"""
    assert cachegrind.parse_syscalls(log) == {"openat": 1, "read": 1}


def test_no_count_is_said_and_a_failed_count_names_why() -> None:
    assert headline(None)[0].startswith("Instruction gate: **not run**")
    failed_count: dict[str, Any] = {"verdict": None, "reason": "head: counting import failed"}
    assert headline(failed_count)[0] == (
        "Instruction gate: **not measured**: head: counting import failed"
    )
    assert failed({"count": failed_count}) == [
        "no instruction verdict: head: counting import failed"
    ]
