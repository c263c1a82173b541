"""Entry point for `pulumi up` in bootstrap/.

The language host puts this directory first on sys.path; the `bootstrap` package (shared with
the tests and the repository's tooling) is imported from the repository root, one level up.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import pulumi

from bootstrap.settings import ConfigError, from_pulumi
from bootstrap.stack import build

try:
    settings = from_pulumi()
except ConfigError as exc:
    raise pulumi.RunError(str(exc)) from exc  # the CLI shows the message, not a traceback
for key, value in build(settings).items():
    pulumi.export(key, value)
