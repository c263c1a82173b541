"""Violations as the gate prints them."""

from __future__ import annotations

from harness.policy_gate.report import Violation


def test_violation_names_the_resource_by_type_and_logical_name() -> None:
    item = Violation(
        "p",
        "mandatory",
        "urn:pulumi:ci::proj::honeyhive:lambda:TestBed$aws:lambda/function:Function::baseline",
        "m",
    )
    assert item.resource == "aws:lambda/function:Function baseline"
