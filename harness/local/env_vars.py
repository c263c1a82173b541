"""The process environment of one execution environment, built from scratch (never inherited).

It follows AWS's table of the variables Lambda sets ("Defined runtime environment variables",
https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html#configuration-envvars-runtime),
with the values a real python3.13 function has where the table gives none (the AL2023 base
image, aws/aws-lambda-base-images `Dockerfile.python3.13`: PATH, LD_LIBRARY_PATH, LANG; a real
function's /proc/self/environ: TZ, the X-Ray variables). Three layers, as in Lambda:
1. the unreserved variables, which a function may override: LANG, PATH, LD_LIBRARY_PATH,
   PYTHONPATH, TZ, AWS_XRAY_CONTEXT_MISSING, AWS_XRAY_DAEMON_ADDRESS;
2. the function's own variables;
3. the reserved variables, which it cannot set (config.RESERVED_ENV).

Where the values come from here:
- paths: Lambda's own in the sandbox (/var/task, /opt, /var/runtime, /var/lang); the host's
  without it (sandbox.Paths);
- _HANDLER and AWS_LAMBDA_RUNTIME_API: the RIE sets them, and the runtime command points
  AWS_LAMBDA_RUNTIME_API at the Runtime API proxy (environment.py); _X_AMZN_TRACE_ID: set per
  invocation by awslambdaric from the trace header the proxy gives;
- credentials: placeholders, non-empty as Lambda's (the execution role's temporary
  credentials): an SDK finds credentials as it does in Lambda, and any AWS call is refused;
- X-Ray: the daemon address is 127.0.0.1:2000, where nothing listens (Lambda's is link-local,
  169.254.100.1:2000 today); tracing SDKs find the variables they expect;
- PYTHONPATH: Lambda's bootstrap sets sys.path itself; `python -m awslambdaric` needs it;
- PYTHONDONTWRITEBYTECODE: only without the sandbox, where the code and the shared layer cache
  are writable (in the sandbox, as in Lambda, they are read-only and nothing is written);
- PWD: /var/task, as in Lambda; HOME: Lambda sets none, and neither does this.

The RIE forwards its whole environment to the runtime. It also reads AWS_LAMBDA_FUNCTION_TIMEOUT,
which Lambda does not set: that one is in `rie_only()`, and the runtime command unsets it.
"""

from __future__ import annotations

from typing import Final

from harness.local.config import LATEST, PUBLISHED_VERSION, FunctionConfig
from harness.local.sandbox import Paths

RIE_TIMEOUT: Final = "AWS_LAMBDA_FUNCTION_TIMEOUT"
XRAY_DAEMON: Final = ("127.0.0.1", 2000)
# Recognisably fake, the shapes of an execution role's temporary credentials.
PLACEHOLDER_CREDENTIALS: Final = {
    "AWS_ACCESS_KEY_ID": "ASIALOCALRUNTIME0000",
    "AWS_SECRET_ACCESS_KEY": "local-runtime-placeholder-secret-not-a-credential",
    "AWS_SESSION_TOKEN": "local-runtime-placeholder-session-token",
}


def function_environment(spec: FunctionConfig, paths: Paths, *, log_stream: str) -> dict[str, str]:
    """What the function sees (the RIE adds _HANDLER and AWS_LAMBDA_RUNTIME_API)."""
    task, opt, runtime, lang = paths.task_root, paths.opt, paths.runtime_dir, paths.lang
    host, port = XRAY_DAEMON
    unreserved = {
        "LANG": "en_US.UTF-8",
        "PATH": f"{lang}/bin:/usr/local/bin:/usr/bin/:/bin:{opt}/bin",
        "LD_LIBRARY_PATH": (
            f"{lang}/lib:/lib64:/usr/lib64:{runtime}:{runtime}/lib:{task}:{task}/lib:{opt}/lib"
        ),
        "PYTHONPATH": ":".join(
            [
                task,
                f"{opt}/python/lib/python{spec.python_version}/site-packages",
                f"{opt}/python",
                runtime,
            ]
        ),
        "TZ": ":UTC",
        "AWS_XRAY_CONTEXT_MISSING": "LOG_ERROR",
        "AWS_XRAY_DAEMON_ADDRESS": f"{host}:{port}",
        "PWD": task,
    }
    if not paths.sandboxed:
        unreserved["PYTHONDONTWRITEBYTECODE"] = "1"
    reserved = {
        "LAMBDA_TASK_ROOT": task,
        "LAMBDA_RUNTIME_DIR": runtime,
        "AWS_EXECUTION_ENV": f"AWS_Lambda_{spec.runtime}",
        "AWS_LAMBDA_FUNCTION_NAME": spec.name,
        "AWS_LAMBDA_FUNCTION_VERSION": PUBLISHED_VERSION if spec.snap_start else LATEST,
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(spec.memory_size),
        "AWS_LAMBDA_LOG_GROUP_NAME": spec.log_group,
        "AWS_LAMBDA_LOG_STREAM_NAME": log_stream,
        "AWS_LAMBDA_INITIALIZATION_TYPE": "on-demand",
        "AWS_REGION": spec.region,
        "AWS_DEFAULT_REGION": spec.region,
        "_AWS_XRAY_DAEMON_ADDRESS": host,
        "_AWS_XRAY_DAEMON_PORT": str(port),
        **PLACEHOLDER_CREDENTIALS,
    }
    if spec.log_format == "JSON":
        reserved["AWS_LAMBDA_LOG_FORMAT"] = "JSON"
        # AWS_LAMBDA_LOG_LEVEL stays unset (awslambdaric then leaves the root logger at
        # WARNING): whether Lambda sets it to INFO by default for JSON is unverified
        # (docs/local-runtime.md, "What differs from Lambda": JSON log format: level).
    if spec.snap_start:
        # "The AWS_LAMBDA_LOG_GROUP_NAME and AWS_LAMBDA_LOG_STREAM_NAME environment variables are
        # not available in Lambda SnapStart functions" (snapstart-monitoring.html).
        del reserved["AWS_LAMBDA_LOG_GROUP_NAME"], reserved["AWS_LAMBDA_LOG_STREAM_NAME"]
    return {**unreserved, **spec.environment, **reserved}


def rie_only(timeout_s: int) -> dict[str, str]:
    """What only the RIE reads: its invoke timeout (a backstop; see environment.py)."""
    return {RIE_TIMEOUT: str(timeout_s)}
