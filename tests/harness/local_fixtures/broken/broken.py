"""A handler module whose import fails: Lambda's Runtime.ImportModuleError."""

from typing import Any

import a_module_that_does_not_exist  # type: ignore[import-not-found]  # noqa: F401


def handler(event: Any, context: Any) -> dict[str, bool]:
    return {"unreachable": True}
