"""The instruction verdict, the guards' findings and the per-function attribution.

Per phase: head's instructions over base's in each round, the median of those ratios, and the
verdict at `tolerance` (regression above 1 + t, improvement below 1 - t). Instructions (Ir),
not estimated cycles, decide: Ir repeats to 0.04-0.07% run to run and its meaning does not
depend on a simulated cache's geometry; the cycles estimate weighs memory traffic (an import is
mostly that) and is reported beside it. A phase whose own rounds disagree by more than half the
tolerance has no verdict: something in the environment was not fixed, and a verdict would be
noise.

Guards compare what the instructions cannot see, head against base, per phase: network use,
processes and threads started (any new one is named and gates), threads alive at the end, system
calls by kind and memory held (gate beyond their slack), modules loaded (named only: their cost
is in the instructions).
"""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Sequence
from typing import Any

from harness.bench.counting import SideResult

DEFAULT_COUNT_TOLERANCE = 0.01
"""1%: the largest A/A difference measured between two builds of the same tree was 0.13%, the
round-to-round spread 0.04-0.07%; 1% is 7x the first and a third of the 3% the gate must see."""
SYSCALL_SLACK = (5, 0.02)
"""A kind's count (the main thread's, less cachegrind.TIMING_CALLS) may move by this many calls
or this fraction of base's, whichever is more."""
MEMORY_SLACK = (1 << 20, 0.02)
"""Resident memory at the end of the phase: 1 MiB or 2%, whichever is more."""
TOP_FUNCTIONS = 15
MODULES_SHOWN = 8


def _phase_verdict(ratio: float, tolerance: float) -> str:
    if ratio > 1 + tolerance:
        return "regression"
    if ratio < 1 - tolerance:
        return "improvement"
    return "no change"


def _spread(values: Sequence[int]) -> float:
    return max(values) / min(values) - 1


def judge_phase(head: SideResult, base: SideResult, phase: str, tolerance: float) -> dict[str, Any]:
    """One phase's counts, ratio, noise and verdict."""
    heads, bases = head.counted[phase], base.counted[phase]
    ratios = [
        h.counts.instructions / b.counts.instructions for h, b in zip(heads, bases, strict=True)
    ]
    ratio = statistics.median(ratios)
    noise = max(_spread([c.counts.instructions for c in side]) for side in (heads, bases))
    cycles = heads[0].counts.estimated_cycles, bases[0].counts.estimated_cycles
    result: dict[str, Any] = {
        "phase": phase,
        "headInstructions": [c.counts.instructions for c in heads],
        "baseInstructions": [c.counts.instructions for c in bases],
        "ratios": [round(r, 6) for r in ratios],
        "headOverBase": round(ratio, 6),
        "roundSpread": round(noise, 6),
        "headEstimatedCycles": cycles[0],
        "baseEstimatedCycles": cycles[1],
        "cyclesHeadOverBase": (
            None if None in cycles else round(cycles[0] / cycles[1], 6)  # type: ignore[operator]
        ),
        "verdict": _phase_verdict(ratio, tolerance),
    }
    if len(ratios) > 1 and noise > tolerance / 2:
        result["verdict"] = None
        result["reason"] = (
            f"the rounds of one side disagree by {noise:.3%}, more than half the tolerance "
            f"({tolerance / 2:.3%}): the environment is not fixed (another valgrind, a changing "
            "file?); no verdict"
        )
    return result


def overall(phases: Sequence[dict[str, Any]]) -> str | None:
    verdicts = [p["verdict"] for p in phases]
    if None in verdicts:
        return None
    if "regression" in verdicts:
        return "regression"
    return "improvement" if "improvement" in verdicts else "no change"


def _finding(phase: str, guard: str, text: str, gates: bool) -> dict[str, Any]:
    return {"phase": phase, "guard": guard, "text": text, "gates": gates}


_VERBS = {"network": "uses the network", "process": "starts a process", "thread": "starts a thread"}


def _event_key(event: dict[str, str]) -> tuple[str, str, str, str]:
    """What makes two events the same: kind, event, file that caused it and, except for a
    thread (whose name may carry a counter), its target. Line numbers move between versions."""
    target = "" if event["kind"] == "thread" else event["target"]
    return event["kind"], event["event"], target, event["where"].rsplit(":", 1)[0]


def _event_findings(phase: str, head: dict[str, Any], base: dict[str, Any]) -> list[dict[str, Any]]:
    """Each kind of event one side has and the other has not (how often it happens may vary:
    a thread pool starts as many threads as the timing asks for)."""
    findings = []
    for events, others, added in ((head["events"], base["events"], True),
                                  (base["events"], head["events"], False)):  # fmt: skip
        other_keys = {_event_key(e) for e in others}
        shown: dict[tuple[str, str, str, str], list[str]] = {}
        for e in events:
            if _event_key(e) not in other_keys:
                shown.setdefault(_event_key(e), []).append(f"{e['target']} from {e['where']}")
        for (kind, event, _, _), details in shown.items():
            text = ", ".join(dict.fromkeys(details))
            if added:
                findings.append(
                    _finding(phase, kind, f"head {_VERBS[kind]} at {phase}: {event} {text}", True)
                )
            else:
                findings.append(
                    _finding(phase, kind, f"head no longer does {event} {text} at {phase}", False)
                )
    return findings


def _thread_findings(
    phase: str, head: dict[str, Any], base: dict[str, Any]
) -> list[dict[str, Any]]:
    alive = (len(head["threadsAlive"]), len(base["threadsAlive"]))
    native = (head["nativeThreads"], base["nativeThreads"])
    if alive[0] == alive[1] and native[0] == native[1]:
        return []
    names = sorted((Counter(head["threadsAlive"]) - Counter(base["threadsAlive"])).elements())
    text = (
        f"head leaves {native[0]} threads alive at the end of {phase} (base {native[1]}; "
        f"Python threads {alive[0]} vs {alive[1]}"
        + (f", new: {', '.join(names)}" if names else "")
        + ")"
    )
    return [_finding(phase, "threads", text, gates=native[0] > native[1] or alive[0] > alive[1])]


def _module_findings(
    phase: str, head: dict[str, Any], base: dict[str, Any]
) -> list[dict[str, Any]]:
    added = sorted(set(head["modules"]) - set(base["modules"]))
    removed = sorted(set(base["modules"]) - set(head["modules"]))
    findings = []
    for names, word in ((added, "more"), (removed, "fewer")):
        if names:
            shown = ", ".join(names[:MODULES_SHOWN]) + (
                ", ..." if len(names) > MODULES_SHOWN else ""
            )
            text = f"head loads {len(names)} {word} modules at {phase}: {shown}"
            findings.append(_finding(phase, "modules", text, gates=False))
    return findings


def _beyond(delta: float, base: float, slack: tuple[float, float]) -> bool:
    return abs(delta) > max(slack[0], slack[1] * base)


def _memory_findings(
    phase: str, head: dict[str, Any], base: dict[str, Any]
) -> list[dict[str, Any]]:
    delta = head["rssBytes"] - base["rssBytes"]
    if not _beyond(delta, base["rssBytes"], MEMORY_SLACK):
        return []
    text = (
        f"head holds {delta / 2**20:+.1f} MiB resident memory at the end of {phase} "
        f"({head['rssBytes'] / 2**20:.1f} vs {base['rssBytes'] / 2**20:.1f} MiB)"
    )
    return [_finding(phase, "memory", text, gates=delta > 0)]


def median_syscalls(side: SideResult, phase: str) -> dict[str, int]:
    runs = [c.syscalls for c in side.counted[phase]]
    kinds = sorted({kind for run in runs for kind in run})
    return {kind: int(statistics.median(run.get(kind, 0) for run in runs)) for kind in kinds}


def _round_range(side: SideResult, phase: str, kind: str) -> int:
    values = [c.syscalls.get(kind, 0) for c in side.counted[phase]]
    return max(values) - min(values)


def _syscall_findings(head: SideResult, base: SideResult, phase: str) -> list[dict[str, Any]]:
    """Kinds whose median count moved beyond SYSCALL_SLACK and beyond twice what the kind
    moved between one side's own rounds."""
    medians = median_syscalls(head, phase), median_syscalls(base, phase)
    findings = []
    for kind in sorted(set(medians[0]) | set(medians[1])):
        h, b = medians[0].get(kind, 0), medians[1].get(kind, 0)
        own = 2 * max(_round_range(head, phase, kind), _round_range(base, phase, kind))
        if _beyond(h - b, b, SYSCALL_SLACK) and abs(h - b) > own:
            text = f"head makes {h - b:+d} {kind} system calls at {phase} ({h} vs {b})"
            findings.append(_finding(phase, "syscalls", text, gates=h > b))
    return findings


def guard_findings(head: SideResult, base: SideResult, phase: str) -> list[dict[str, Any]]:
    h, b = head.guards[phase], base.guards[phase]
    return [
        *_event_findings(phase, h, b),
        *_thread_findings(phase, h, b),
        *_syscall_findings(head, base, phase),
        *_memory_findings(phase, h, b),
        *_module_findings(phase, h, b),
    ]


def attribution(head: SideResult, base: SideResult, phase: str) -> dict[str, Any]:
    """The functions whose own instructions moved most, head minus base (round 1)."""
    h, b = head.counted[phase][0].counts, base.counted[phase][0].counts
    deltas = {
        name: h.functions.get(name, 0) - b.functions.get(name, 0)
        for name in set(h.functions) | set(b.functions)
    }
    ranked = sorted(
        (item for item in deltas.items() if item[1]), key=lambda kv: (-abs(kv[1]), kv[0])
    )
    return {
        "phase": phase,
        "totalDelta": h.instructions - b.instructions,
        "functions": [
            {
                "function": name,
                "delta": delta,
                "head": h.functions.get(name, 0),
                "base": b.functions.get(name, 0),
            }
            for name, delta in ranked[:TOP_FUNCTIONS]
        ],
    }


def _guard_summary(side: SideResult, phase: str) -> dict[str, Any]:
    report = side.guards[phase]
    return {
        "events": report["events"],
        "threadsAlive": report["threadsAlive"],
        "nativeThreads": report["nativeThreads"],
        "modules": len(report["modules"]),
        "rssBytes": report["rssBytes"],
        "pythonBlocks": report["pythonBlocks"],
        "syscalls": median_syscalls(side, phase),
    }


def judge(
    results: dict[str, SideResult],
    phases: Sequence[str],
    tolerance: float,
    attributed: Sequence[str],
) -> dict[str, Any]:
    """The `count` part of bench.json: per-phase verdicts, guard findings, attribution, and the
    gate's verdict (regression when the instructions regress or a gating guard fired)."""
    head, base = results["head"], results["base"]
    judged = [judge_phase(head, base, phase, tolerance) for phase in phases]
    findings = [f for phase in phases for f in guard_findings(head, base, phase)]
    instructions = overall(judged)
    gating = [f["text"] for f in findings if f["gates"]]
    verdict = "regression" if instructions == "regression" or gating else instructions
    return {
        "metric": "instructions (cachegrind Ir)",
        "tolerance": tolerance,
        "rounds": len(head.counted[phases[0]]),
        "roundSpread": max(p["roundSpread"] for p in judged),
        "phases": judged,
        "instructionVerdict": instructions,
        "guardFindings": findings,
        "verdict": verdict,
        "guards": {
            label: {phase: _guard_summary(side, phase) for phase in phases}
            for label, side in results.items()
        },
        "attribution": [attribution(head, base, phase) for phase in attributed],
    }
