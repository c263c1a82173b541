"""The `honeyhive-lambda-guard` policy pack: the Pulumi CLI runs this file.

`pulumi preview --policy-pack policy` runs `python -u -m pulumi.policy <engine> .` in this
directory, which runs this file with the directory as `sys.path[0]`; so the rules are imported by
their top-level name `hhguard` (by name, because from the repository root, where mypy and the
tests run, the same package is `policy.hhguard`). Building the pack starts its gRPC server,
prints the port and blocks.
"""

from importlib import import_module

from pulumi_policy import EnforcementLevel, PolicyPack

PolicyPack(
    "honeyhive-lambda-guard",
    policies=import_module("hhguard").POLICIES,
    enforcement_level=EnforcementLevel.MANDATORY,
)
