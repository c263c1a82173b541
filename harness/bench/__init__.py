"""`python -m harness bench`: two SDKs compared by instruction counts (the gate) and cold starts.

The instruction gate: `counting` runs both layers' import and inits under cachegrind and the
guard probe (`count_probe`, `cachegrind`), `gate` judges, `count_output` renders.

On the local runtime, in one run: forced cold starts of working_sdk_test with our layer, of the
same function with the seed-recipe layer, and of baseline (no layer), interleaved so that a busy
moment on the machine lands on all three alike. `series` takes the samples (with the suite's
cold-start code), `output` writes build/bench/bench.json and bench.md, `cli` runs it.

`--snapstart`: one SDK, on demand against SnapStart (`snapstart`, `snapstart_output`).
"""
