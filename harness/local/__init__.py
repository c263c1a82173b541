"""The local Lambda runtime: AWS's Runtime Interface Emulator running `awslambdaric` on the host.

- `config`: what a function is (`FunctionConfig`) and the limits Lambda enforces on it.
- `host`, `runtime_dir`, `toolchain`, `layout`: the interpreter, the runtime dir (awslambdaric
  + boto3), the RIE, and the unpacked code and layers.
- `sandbox`: Lambda's file system for each environment (user, mount and PID namespaces).
- `env_vars`: the variables a function gets (AWS's table).
- `environment`: one execution environment (one RIE and its runtime); `runtime_api`: the
  Runtime API proxy between them (request ids, deadlines, freeze); `tree`: its processes
  (freeze, thaw, stop); `watch`: what an invocation may use (memory, init, timeout);
  `output_reader`, `rie_output`: what they print.
- `invocation`: a result turned into what Lambda returns and logs (INIT_START ... REPORT).
- `pool`: environments per function (warm reuse, cold when busy, TTL reaping, replacement).
- `registry`: the functions, their updates (InProgress, then applied) and Event invocations.
- `api`, `api_shapes`: the front HTTP endpoint speaking Lambda's REST API for boto3.
- `serve`, `oneshot`, `cli`: `python -m harness local serve|invoke`.
"""
