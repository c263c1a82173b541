"""What the post-deploy suite and the benchmark measure, and how they report it.

One code path for both targets: a `Target` comes from stack outputs (a file, or `pulumi stack
output --json`); when the outputs carry `endpointUrl` (the local runtime's) it becomes boto3's
`endpoint_url`, and nothing else differs. Modules, one job each:

- `target`: the outputs -> Target; `client`: the boto3 Lambda client for it;
- `events`: the payloads sent (the seed's, and bad ones);
- `invoke`: one invoke with `LogType=Tail` -> Invocation (response, body, REPORT metrics);
- `coldstart`: forced cold starts (an env nonce) and the configuration restored in `finally`;
- `measure`: the suite's measurements, taken once per run; `checks`: what they must satisfy;
- `spans`: where a session's spans are read back (local ingest, HoneyHive's API);
- `stats`, `cost`: percentiles, and dollars from billed duration;
- `report`, `markdown`: report.json and report.md (and the GitHub job summary);
- `secret`: the API key, kept out of every repr, message and report;
- `local_serve`: `python -m harness local serve` as a subprocess (bench and tests).
"""
