"""Figures the reliability tests measure (faults injected, runs, converged, lost), kept for the README.

Set GTOPS_RELIABILITY_FIGURES=/path/figures.json to collect them; `python tests/reliability/figures.py
figures.json` prints the README's "Reliability" section from them. Without the variable nothing is written.
"""

from __future__ import annotations

import fcntl
import json
import os
import sys
from pathlib import Path

ENV = "GTOPS_RELIABILITY_FIGURES"


def record(name: str, **figures: object) -> None:
    target = os.environ.get(ENV)
    if not target:
        return
    path = Path(target)
    with open(path.with_name(path.name + ".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # pytest-xdist workers may record at the same time
        data = json.loads(path.read_text()) if path.exists() else {}
        data[name] = figures
        path.write_text(json.dumps(data, indent=2, sort_keys=True))


def section(data: dict) -> str:
    rows = []
    order = ("transient", "persistent", "random", "crash")
    for name, f in sorted(
        data.items(), key=lambda kv: ([kv[0].startswith(o) for o in order].index(True), kv[0])
    ):
        rows.append(
            f"| {f.get('scenario', name)} | {f.get('faults', 0)} | {f.get('runs', 0)} | "
            f"{f.get('converged', '')} | {f.get('lost', 0)} | {f.get('duplicated', 0)} |"
        )
    return "\n".join(
        [
            "## Reliability",
            "",
            "gtops is tested against injected faults on the sandbox (`tests/reliability/`): throttling, "
            "HTTP 500s and dropped connections on every mutating call, random faults over a 300-worker "
            "roster, and applies killed with SIGKILL at random points. Transient faults are retried with "
            "bounded, jittered backoff (botocore's standard mode, 6 attempts; the members writer, 10 "
            "attempts capped at 10 s); a persistent failure stops the apply with a report of what was done, "
            "failed and skipped, and nothing is rolled back: the next `gtops apply` converges.",
            "",
            "| Scenario | Faults injected | Apply runs | Converged | Lost | Duplicated |",
            "|---|---|---|---|---|---|",
            *rows,
            "",
            "Converged means the apply exited 0 after its own re-read of AWS found nothing left to do (the "
            "fault and roster rows then also check `gtops plan --detailed-exitcode` exits 0); for the "
            "injected-fault rows the live setup read back "
            "through the AWS API also equals a clean apply's (ids, dates and generated portal hosts aside). "
            "Lost and duplicated count workers (and pools, clients, teams, topics) compared with the spec.",
        ]
    )


if __name__ == "__main__":
    print(section(json.loads(Path(sys.argv[1]).read_text())))
