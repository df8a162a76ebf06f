"""Turn a valid merged spec into `Spec.data`: local paths made absolute (relative to the file naming them).

Defaults are the kinds' business (each kind's `parse` builds its typed spec from this data); absent keys stay
absent, which later stages read as "unmanaged".
"""

from __future__ import annotations

from typing import Any

from gtops.spec.checks import dicts, resolve_file
from gtops.spec.locations import Locations


def normalize(raw: dict[str, Any], locations: Locations) -> dict[str, Any]:
    """A copy of the merged spec with every local path made absolute (each kind's `parse` fills defaults).
    Only what changes is copied; the rest (a roster of 50,000 workers, say) is shared with `raw`."""
    data = dict(raw)
    data.pop("vars", None)
    data.pop("root", None)  # applied while loading (Spec.confinement)
    members = data.get("members")
    if isinstance(members, dict):
        data["members"] = members = dict(members)
        _members(members, locations)
    if isinstance(data.get("jobs"), list):
        data["jobs"] = [_copied(job) for job in data["jobs"]]
    for i, job in dicts(data.get("jobs")):
        _job(i, job, locations)
    return data


def _copied(job: Any) -> Any:
    """A job mapping and the mappings in it that `_job` changes, copied."""
    if not isinstance(job, dict):
        return job
    job = dict(job)
    for key in ("input", "lambdas"):
        if isinstance(job.get(key), dict):
            job[key] = dict(job[key])
    return job


def _members(members: dict, locations: Locations) -> None:
    csv_value = members.get("csv")
    if isinstance(csv_value, str):
        members["csv"] = str(resolve_file(locations, ("members", "csv"), csv_value))
    elif isinstance(csv_value, list):
        members["csv"] = [
            str(resolve_file(locations, ("members", "csv", i), v)) for i, v in enumerate(csv_value)
        ]


def _job(i: int, job: dict[str, Any], locations: Locations) -> None:
    """Local files become absolute paths; the job's defaults are filled in by gtops.kinds.labeling_job."""
    p = ("jobs", i)
    if "template" in job and not job["template"].startswith("s3://"):  # an S3 template is used as it is
        job["template"] = str(resolve_file(locations, p + ("template",), job["template"]))
    inputs = job.get("input", {})
    for key in ("manifest_file", "folder"):
        if key in inputs:
            inputs[key] = str(resolve_file(locations, p + ("input", key), inputs[key]))
    for key, value in job.get("lambdas", {}).items():
        if isinstance(value, dict):  # {file: ..., settings}
            value["file"] = str(resolve_file(locations, p + ("lambdas", key, "file"), value["file"]))
        elif not value.startswith("arn:"):
            job["lambdas"][key] = str(resolve_file(locations, p + ("lambdas", key), value))
