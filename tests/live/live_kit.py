"""The live-AWS acceptance suite's tools (tests/live/test_live.py): a disposable copy of an example spec, the
data it needs, the cost estimate printed first, and the guard against an account that is not ours to use.

A disposable copy renames everything whose name AWS keeps unique (setup, pool, domain, topic, work teams,
jobs) with one run prefix, points every S3 URI at the run's own bucket, lets gtops create the job roles
(`role: managed`: a named role is the account owner's), and suppresses invitation e-mails (no mail to the
examples' addresses; Cognito's default e-mail sends only 50 a day). Public-crowd jobs (Mechanical Turk
workers are paid per task) are dropped unless GTOPS_LIVE_PUBLIC=1.
"""

from __future__ import annotations

import json
import os
import shutil
import struct
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = sorted(p.name for p in (REPO / "specs").iterdir() if p.is_dir())
PRICING = "https://aws.amazon.com/sagemaker/groundtruth/pricing/"


def mode() -> str:
    """'aws' (GTOPS_LIVE_AWS=1), 'sandbox' (GTOPS_LIVE_AWS=sandbox), or '' (the suite is skipped)."""
    value = os.environ.get("GTOPS_LIVE_AWS", "").strip().lower()
    return {"1": "aws", "true": "aws", "yes": "aws", "sandbox": "sandbox"}.get(value, "")


def public_jobs_kept() -> bool:
    """Public-crowd jobs run in the sandbox, and on AWS only when asked (GTOPS_LIVE_PUBLIC=1)."""
    return mode() == "sandbox" or os.environ.get("GTOPS_LIVE_PUBLIC") == "1"


def png() -> bytes:
    """A 2x2 PNG: what Ground Truth's workers would see instead of the examples' photos."""
    raw = b"".join(b"\x00" + b"\x80\x80\x80" * 2 for _ in range(2))

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        return struct.pack(">I", len(data)) + kind + data + crc

    header = struct.pack(">IIBBBBB", 2, 2, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


@dataclass
class Copy:
    """A disposable example: its folder, and what the run must provide and check."""

    example: str
    root: Path
    teams: list[str] = field(default_factory=list)
    jobs: list[str] = field(default_factory=list)
    objects: dict[str, int] = field(default_factory=dict)  # job -> data objects
    public: dict[str, float] = field(default_factory=dict)  # public-crowd job -> max USD
    dropped: list[str] = field(default_factory=list)  # public-crowd jobs left out
    data: list[str] = field(default_factory=list)  # S3 keys (in the run's bucket) to upload first
    live_jobs: list[str] = field(default_factory=list)  # the jobs' names on AWS, once applied


def _uri(value: str, bucket: str, example: str) -> str:
    """s3://ANY/key -> s3://BUCKET/EXAMPLE/key (the bucket part may be a spec variable)."""
    rest = value[len("s3://") :]
    key = rest.split("/", 1)[1] if "/" in rest else ""
    return f"s3://{bucket}/{example}/{key}"


def _walk(value: Any, bucket: str, example: str) -> Any:
    if isinstance(value, dict):
        return {k: _walk(v, bucket, example) for k, v in value.items()}
    if isinstance(value, list):
        return [_walk(v, bucket, example) for v in value]
    if isinstance(value, str) and value.startswith("s3://"):
        return _uri(value, bucket, example)
    return value


def _named(prefix: str, name: str) -> str:
    return f"{prefix}-{name}"[:63].rstrip("-")


def disposable(example: str, dest: Path, prefix: str, bucket: str, public: bool = False) -> Copy:
    """Copy specs/EXAMPLE to DEST with every AWS-unique name under PREFIX and its data in BUCKET."""
    shutil.copytree(REPO / "specs" / example, dest)
    copy = Copy(example, dest)
    teams: dict[str, str] = {}
    docs: dict[Path, dict[str, Any]] = {}
    for path in sorted(dest.rglob("*.yaml")):
        loaded = yaml.safe_load(path.read_text())
        if isinstance(loaded, dict):
            docs[path] = loaded
    for doc in docs.values():
        for team in doc.get("teams") or []:
            teams[team["name"]] = _named(prefix, team["name"])
    copy.teams = sorted(teams.values())
    for path, doc in docs.items():
        doc = _walk(doc, bucket, example)
        for key in ("name", "domain"):
            if isinstance(doc.get(key), str):
                doc[key] = _named(prefix, doc[key])
        if isinstance(doc.get("pool"), dict):
            doc["pool"]["name"] = _named(prefix, doc["pool"]["name"])
        if isinstance(doc.get("notifications"), dict) and doc["notifications"].get("topic"):
            doc["notifications"]["topic"] = _named(prefix, doc["notifications"]["topic"])
        for team in doc.get("teams") or []:
            team["name"] = teams[team["name"]]
        if isinstance(doc.get("members"), dict):
            doc["members"]["invitation"] = "suppress"
        kept = []
        for job in doc.get("jobs") or []:
            name = _named(prefix, job["name"])
            if job.get("workforce") == "public" and not public:
                copy.dropped.append(name)
                continue
            job["name"] = name
            if job.get("team") in teams:
                job["team"] = teams[job["team"]]
            if job.get("role") != "managed":
                job["role"] = "managed"
            copy.jobs.append(name)
            copy.objects[name] = _objects(dest, path.parent, job, copy)
            if job.get("workforce") == "public":
                price = float(job.get("price_per_task") or 0)
                copy.public[name] = price * int(job.get("workers_per_object") or 1) * copy.objects[name]
            kept.append(job)
        if "jobs" in doc:
            doc["jobs"] = kept
        path.write_text(yaml.safe_dump(doc, sort_keys=False, allow_unicode=True))
    for manifest in dest.rglob("*.manifest"):
        lines = []
        for line in manifest.read_text().splitlines():
            if not line.strip():
                continue
            record = json.loads(line)
            ref = record.get("source-ref")
            if isinstance(ref, str) and ref.startswith("s3://"):
                record["source-ref"] = _uri(ref, bucket, example)
                copy.data.append(record["source-ref"].split("/", 3)[3])
            lines.append(json.dumps(record))
        manifest.write_text("\n".join(lines) + "\n")
    copy.data = sorted(set(copy.data))
    return copy


def _objects(root: Path, here: Path, job: dict[str, Any], copy: Copy) -> int:
    """How many data objects the job gets; an `s3_prefix` input gets three uploaded pictures."""
    source = job.get("input") or {}
    if source.get("folder"):
        return sum(1 for p in (here / source["folder"]).rglob("*") if p.is_file())
    if source.get("manifest_file"):
        text = (here / source["manifest_file"]).read_text()
        return sum(1 for line in text.splitlines() if line.strip())
    if source.get("s3_prefix"):
        key = source["s3_prefix"].split("/", 3)[3]
        copy.data += [f"{key}live-{i}.png" for i in range(3)]
        return 3
    return 0


def estimate(copies: list[Copy]) -> list[str]:
    """The lines printed before anything is created: what the run makes, and what it may cost."""
    objects = sum(sum(c.objects.values()) for c in copies)
    public = sum(sum(c.public.values()) for c in copies)
    dropped = [n for c in copies for n in c.dropped]
    lines = [
        f"gtops live suite: {len(copies)} example setups, one at a time, each destroyed after its checks; "
        f"{sum(len(c.jobs) for c in copies)} labeling jobs with {objects} data objects in all.",
        "Cost estimate: Ground Truth bills per data object labeled; the private work teams here have no "
        "worker who labels, and every job is stopped at the end, so expect no labeling charge (at most "
        f"{objects} objects at the per-object price of {PRICING}, the first 500 a month free in the first "
        "two months).",
    ]
    if public:
        lines.append(
            f"Public-crowd jobs: at most ${public:.2f} for Mechanical Turk workers, plus the per-object fee."
        )
    if dropped:
        lines.append(
            f"Left out (public crowd, paid per task; GTOPS_LIVE_PUBLIC=1 keeps them): {', '.join(dropped)}."
        )
    lines.append(
        "Cognito, SNS, S3, Lambda and IAM use stays within their free tiers for a run this size; invitations "
        "are suppressed, so no e-mail is sent."
    )
    return lines


def foreign_workforces(sagemaker: Any) -> list[str]:
    """The Region's workforces, described (AWS allows one per account and Region; the examples need their
    own, so a run refuses to start when one exists, gtops's or not)."""
    found = []
    for workforce in sagemaker.list_workforces().get("Workforces") or []:
        pool = (workforce.get("CognitoConfig") or {}).get("UserPool") or "no Cognito pool"
        found.append(f"{workforce['WorkforceName']} ({workforce.get('WorkforceArn')}, {pool})")
    return found
