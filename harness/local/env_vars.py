"""The process environment of one execution environment, built from scratch (never inherited).

Three layers, as in Lambda:
1. defaults a function may override: PATH, LANG, TZ, LD_LIBRARY_PATH, PYTHONPATH (Lambda's
   order: task root, the layer's site-packages, the layer's python/, then the runtime dir),
   PYTHONDONTWRITEBYTECODE (Lambda's /var/task and /opt are read-only: nothing is written),
   HOME (a per-environment directory);
2. the function's own variables;
3. the reserved variables Lambda sets and a function cannot.

The RIE forwards its whole environment to the runtime and adds AWS_LAMBDA_RUNTIME_API, _HANDLER,
the (empty) AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY/AWS_SESSION_TOKEN and its metadata endpoint;
it defaults AWS_LAMBDA_FUNCTION_NAME/VERSION/MEMORY_SIZE and the log group and stream only when
they are unset (internal/lambda/rie/handlers.go `InitHandler`), so setting them here is what the
runtime sees. It reads AWS_LAMBDA_FUNCTION_TIMEOUT for the invoke deadline; Lambda does not
expose that variable, but the RIE has no other way to learn the timeout.
"""

from __future__ import annotations

from pathlib import Path

from harness.local.config import LATEST, FunctionConfig
from harness.local.layout import Layout


def function_environment(
    spec: FunctionConfig,
    layout: Layout,
    *,
    interpreter: Path,
    runtime_dir: Path,
    log_stream: str,
    home: Path,
) -> dict[str, str]:
    task, opt = layout.task_root, layout.opt
    version = spec.python_version
    defaults = {
        "PATH": f"{interpreter.parent}:/usr/local/bin:/usr/bin:/bin:{opt}/bin",
        "LANG": "C.UTF-8",
        "TZ": ":UTC",
        "LD_LIBRARY_PATH": f"{runtime_dir}:{runtime_dir}/lib:{task}:{task}/lib:{opt}/lib",
        "PYTHONPATH": ":".join(
            [
                str(task),
                f"{opt}/python/lib/python{version}/site-packages",
                f"{opt}/python",
                str(runtime_dir),
            ]
        ),
        "PYTHONDONTWRITEBYTECODE": "1",
        "HOME": str(home),
    }
    reserved = {
        "LAMBDA_TASK_ROOT": str(task),
        "LAMBDA_RUNTIME_DIR": str(runtime_dir),
        "AWS_EXECUTION_ENV": f"AWS_Lambda_{spec.runtime}",
        "AWS_LAMBDA_FUNCTION_NAME": spec.name,
        "AWS_LAMBDA_FUNCTION_VERSION": LATEST,
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(spec.memory_size),
        "AWS_LAMBDA_FUNCTION_TIMEOUT": str(spec.timeout),
        "AWS_LAMBDA_LOG_GROUP_NAME": spec.log_group,
        "AWS_LAMBDA_LOG_STREAM_NAME": log_stream,
        "AWS_LAMBDA_INITIALIZATION_TYPE": "on-demand",
        "AWS_REGION": spec.region,
        "AWS_DEFAULT_REGION": spec.region,
    }
    if spec.log_format == "JSON":
        reserved["AWS_LAMBDA_LOG_FORMAT"] = "JSON"
    return {**defaults, **spec.environment, **reserved}
