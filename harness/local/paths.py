"""Where the local runtime keeps its files: `build/local/` of this repository.

- `runtime/<runtime>-<arch>/`: the runtime dirs (kept between runs);
- `layers/<digest>/`: unpacked layer zips, by content (an `opt`, shared read-only);
- `run/<name>-<pid>/`: one run's unpacked code (removed at exit);
- `logs/<stack>/<function>.log`: `serve`'s execution logs (CloudWatch's stand-in).
"""

from __future__ import annotations

from infra.spec import REPO_ROOT

LOCAL_BUILD = REPO_ROOT / "build" / "local"
