"""`python -m harness bench`: the cold-start benchmark of our layer against the seed's recipe.

On the local runtime, in one run: forced cold starts of working_sdk_test with our layer, of the
same function with the seed-recipe layer, and of baseline (no layer), interleaved so that a busy
moment on the machine lands on all three alike. `series` takes the samples (with the suite's
cold-start code), `output` writes build/bench/bench.json and bench.md, `cli` runs it.
"""
