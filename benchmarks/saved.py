"""Where a job benchmark's figures go: `benchmarks/results/<name>-<UTC time>.json`, and stdout."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

# MATJOBS_BENCH_RESULTS sends results elsewhere: the smoke test's tiny runs are not figures to keep.
RESULTS = Path(os.environ.get("MATJOBS_BENCH_RESULTS") or Path(__file__).resolve().parent / "results")


def save(name: str, figures: dict[str, Any]) -> Path:
    now = datetime.now(UTC)
    result = {"timestamp": now.strftime("%Y-%m-%dT%H:%M:%SZ"), **figures}
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{name}-{now.strftime('%Y%m%dT%H%M%SZ')}.json"
    path.write_text(json.dumps(result, indent=2))
    print(json.dumps(result, indent=2))
    return path
