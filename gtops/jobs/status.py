"""`gtops status`: where each of the spec's labeling jobs stands, from DescribeLabelingJob."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

from gtops.jobs import live as jl

if TYPE_CHECKING:
    from gtops.kinds.labeling_job import JobSpec

BAR_WIDTH = 20


@dataclass
class JobStatus:
    spec_name: str
    name: str
    status: str  # AWS status, or "NotCreated"
    labeled: int = 0
    human: int = 0
    machine: int = 0
    unlabeled: int = 0
    failed: int = 0
    created: str | None = None
    age_seconds: int | None = None
    failure_reason: str | None = None
    output_manifest: str | None = None
    streaming: bool = False  # an SNS input topic: no end, InProgress until stopped

    @property
    def total(self) -> int:
        return self.labeled + self.unlabeled + self.failed

    @property
    def progress(self) -> float:
        return (self.labeled + self.failed) / self.total if self.total else 0.0

    @property
    def finished(self) -> bool:
        """Nothing more to wait for (`status --watch`): a running streaming job never ends by itself."""
        running_stream = self.streaming and self.status == "InProgress"
        return self.status in jl.FINISHED or self.status == "NotCreated" or running_stream

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "total": self.total, "progress": round(self.progress, 4)}


def live_name(prepared_name: str | None, spec_job: JobSpec, listing: dict[str, dict]) -> str:
    """The live job a spec job stands for (relaunch: auto: the current configuration's, else the newest)."""
    if prepared_name and prepared_name.lower() in listing:
        return listing[prepared_name.lower()]["LabelingJobName"]
    if spec_job.relaunch == "auto":
        base = re.sub(r"-+$", "", spec_job.name[:54]).lower()
        versions = [s for k, s in listing.items() if re.fullmatch(re.escape(base) + r"-[0-9a-f]{8}", k)]
        if versions and not prepared_name:
            return max(versions, key=lambda s: str(s.get("CreationTime")))["LabelingJobName"]
    return prepared_name or spec_job.name


def _when(value: Any) -> dt.datetime | None:
    if isinstance(value, dt.datetime):
        return value if value.tzinfo else value.replace(tzinfo=dt.UTC)
    if isinstance(value, (int, float)):
        return dt.datetime.fromtimestamp(value, dt.UTC)
    return None


def job_status(
    spec_name: str, name: str, described: dict | None, now: dt.datetime | None = None
) -> JobStatus:
    if described is None:
        return JobStatus(spec_name, name, "NotCreated")
    counters = described.get("LabelCounters") or {}
    created = _when(described.get("CreationTime"))
    now = now or dt.datetime.now(dt.UTC)
    return JobStatus(
        spec_name=spec_name,
        name=described["LabelingJobName"],
        status=described.get("LabelingJobStatus", "?"),
        labeled=counters.get("TotalLabeled", 0),
        human=counters.get("HumanLabeled", 0),
        machine=counters.get("MachineLabeled", 0),
        unlabeled=counters.get("Unlabeled", 0),
        failed=counters.get("FailedNonRetryableError", 0),
        created=created.isoformat() if created else None,
        age_seconds=int((now - created).total_seconds()) if created else None,
        failure_reason=described.get("FailureReason"),
        output_manifest=(described.get("LabelingJobOutput") or {}).get("OutputDatasetS3Uri"),
        streaming=bool(((described.get("InputConfig") or {}).get("DataSource") or {}).get("SnsDataSource")),
    )


def bar(progress: float, width: int = BAR_WIDTH) -> str:
    filled = int(round(progress * width))
    return "[" + "#" * filled + "-" * (width - filled) + f"] {progress * 100:5.1f}%"


def age(seconds: int | None) -> str:
    if seconds is None:
        return "-"
    if seconds < 60:
        return f"{seconds}s"
    if seconds < 3600:
        return f"{seconds // 60}m"
    if seconds < 86400:
        return f"{seconds // 3600}h{(seconds % 3600) // 60:02d}m"
    return f"{seconds // 86400}d{(seconds % 86400) // 3600:02d}h"


def _progress(r: JobStatus) -> str:
    if r.streaming and r.status == "InProgress":
        return "running (streaming)"
    return bar(r.progress)


def render_text(rows: list[JobStatus]) -> str:
    if not rows:
        return "The spec has no labeling jobs."
    width = max(len(r.name) for r in rows)
    lines = [
        f"{'JOB'.ljust(width)}  {'STATUS':<12} {'LABELED':>7} {'UNLABELED':>9} {'FAILED':>6}  "
        f"{'PROGRESS':<29} AGE"
    ]
    for r in rows:
        lines.append(
            f"{r.name.ljust(width)}  {r.status:<12} {r.labeled:>7} {r.unlabeled:>9} {r.failed:>6}  "
            f"{_progress(r):<29} {age(r.age_seconds)}"
        )
        if r.failure_reason:
            lines.append(f"{''.ljust(width)}  failure: {r.failure_reason}")
    return "\n".join(lines)


def collect(sm, spec_jobs: list[tuple[JobSpec, str | None]]) -> list[JobStatus]:
    """Status of every spec job; `spec_jobs` pairs each spec job with its prepared name (if known)."""
    listing = jl.list_jobs(sm)
    rows = []
    for job, prepared_name in spec_jobs:
        name = live_name(prepared_name, job, listing)
        described = jl.describe(sm, name) if name.lower() in listing else None
        rows.append(job_status(job.name, name, described))
    return rows
