"""`python -m harness policy`: the policy pack run over the rendered program, offline.

The pack is started as the Pulumi CLI starts it (`launcher`), the render capture is marshalled
as the engine marshals resources (`marshal`), the policy config is reconciled as the CLI does
(`config`), and `gate` speaks the Analyzer protocol; `cli` ties them together.
"""
