"""The local Lambda runtime: AWS's Runtime Interface Emulator running `awslambdaric` on the host.

- `spec`: what a function is (`FunctionConfig`) and the limits Lambda enforces on it.
- `host`, `runtime_dir`, `layout`: the interpreter, the runtime dir (awslambdaric + boto3) and
  the unpacked code and layers, laid out where Lambda puts them.
- `environment`: one execution environment (one RIE process); `rie_output` reads what it prints.
- `invocation`: an RIE result turned into what Lambda returns and logs (START/END/REPORT).
- `pool`: environments per function (warm reuse, cold when busy, TTL reaping, replacement).
- `api`: the front HTTP endpoint speaking Lambda's REST API for boto3.
- `serve`, `oneshot`, `cli`: `python -m harness local serve|invoke`.
"""
