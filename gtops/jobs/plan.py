"""Plan labeling jobs, their managed execution role and deployed Lambdas.

Jobs are immutable on AWS (no update, no delete, a name is never reusable), so the rules differ from the
rest of the setup:
- a spec job that does not exist is created (with its files uploaded and CORS set first);
- a spec job that exists and matches is a no-op, whatever its status: finished jobs are history and are
  never proposed for re-creation;
- a spec job that exists but differs cannot be planned: `plan_jobs` raises `JobChangeError` naming every
  such job at its spec file:line and the way out (a new name, or `relaunch: auto`);
- a running job of this setup that left the spec is stopped when `prune.jobs` is on (stopping keeps the
  partial results), else reported; with `relaunch: auto`, the previous version of a changed job is stopped.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from gtops.errors import GtopsError
from gtops.files import ANYWHERE
from gtops.jobs import live as jl
from gtops.jobs import roles
from gtops.jobs.prepare import (
    Context,
    LocalLambda,
    Prepared,
    managed_role_name,
    prepare,
    role_arn,
    view_of,
)
from gtops.model import SETUP_TAG, Address
from gtops.plan import Action, Change, FieldChange
from gtops.spec.aws_rules import arn_account

if TYPE_CHECKING:
    from gtops.kinds.base import AwsHandle
    from gtops.live import LiveIds, LiveState
    from gtops.setup import Setup
    from gtops.spec import Spec

CHANGE_HELP = (
    "AWS cannot update or delete a labeling job, and never reuses a job name. To launch the changed job, "
    "give it a new name, or set `relaunch: auto` so gtops derives the name from a hash of the job's "
    "configuration (the changed job then runs as a new job, and the old one is stopped if still running)."
)


class JobChangeError(GtopsError):
    """A spec change to a job that already exists: AWS cannot apply it."""


def where(spec: Any, index: int, name: str) -> str:
    locate = getattr(spec, "locate", None)
    if locate is None:
        return f"jobs[{index}] ({name})"
    file, line, _ = locate(("jobs", index))
    return f"{file}:{line}: jobs[{index}] ({name})" if line else f"{file}: jobs[{index}] ({name})"


def context(
    aws: AwsHandle, setup: Setup, ids: LiveIds, offline: bool = False, confinement: Any = None
) -> Context:
    return Context(
        confinement=confinement or ANYWHERE,
        setup=setup,
        region=aws.region,
        account=ids.account or aws.account,
        partition=aws.partition(),
        team_arns=dict(ids.team_arns),
        s3=None if offline else aws.client("s3"),
    )


def prepare_all(aws: AwsHandle, spec: Spec, ids: LiveIds) -> list[Prepared]:
    ctx = context(aws, spec.setup, ids, confinement=spec.confinement)
    return [prepare(ctx, i, job, where(spec, i, job.name)) for i, job in enumerate(spec.setup.jobs)]


def differences(before: dict, after: dict) -> list[FieldChange]:
    out = []
    for key in sorted(set(before) | set(after)):
        if before.get(key) != after.get(key):
            out.append(FieldChange(key, before.get(key), after.get(key), forces_replacement=True))
    return out


def _cors_notes(s3, prepared: Prepared) -> list[str]:
    from gtops.jobs import s3 as s3u

    notes = []
    for bucket in prepared.cors_buckets:
        try:
            present = s3u.has_gt_rule(s3u.cors_rules(s3, bucket))
        except Exception as err:
            if s3u.missing(err):
                notes.append(f"{bucket}: bucket does not exist")
                continue
            raise
        notes.append(
            f"{bucket}: "
            + ("already allows GET from workers" if present else "add GET rule (kept with existing rules)")
        )
    return notes


def job_after(prepared: Prepared, cors: list[str]) -> dict:
    after: dict[str, Any] = {"name": prepared.name, **prepared.view}
    after["objects"] = prepared.objects if prepared.objects is not None else "(manifest not readable yet)"
    after["uploads"] = [f"{u.uri} ({u.what}, {len(u.body)} bytes)" for u in prepared.uploads]
    if cors:
        after["cors"] = cors
    after["tags"] = {t["Key"]: t["Value"] for t in prepared.request.get("Tags") or []}
    return after


def plan_jobs(aws: AwsHandle, spec: Spec, live: LiveState) -> tuple[list[Change], list[str]]:
    setup: Setup = spec.setup
    ids = live.ids
    prepared = prepare_all(aws, spec, ids)
    ids.job_prepared = {p.name.lower(): p for p in prepared}  # reused by the apply steps
    sm = aws.client("sagemaker")
    s3 = aws.client("s3")
    listing = jl.list_jobs(sm)
    names_by_arn = {arn: name for name, arn in ids.team_arns.items()}
    changes: list[Change] = []
    warnings: list[str] = []
    problems: list[str] = []

    account = ids.account or aws.account
    for p in prepared:
        owner = arn_account(p.request.get("RoleArn") or "")
        if owner and owner != account and p.spec.role != "managed":
            problems.append(
                f"{p.where}: role {p.request['RoleArn']} belongs to account {owner}, not {account}; "
                "SageMaker can only be passed a role of the job's own account (iam:PassRole does not "
                "cross accounts)"
            )
    if problems:
        raise GtopsError("\n".join(problems))
    for p in prepared:
        warnings += p.warnings
        address = Address("labeling_job", p.name)
        if p.name.lower() not in listing:
            changes.append(Change(address, Action.CREATE, None, job_after(p, _cors_notes(s3, p))))
            continue
        described = jl.describe(sm, p.name) or listing[p.name.lower()]
        before = view_of(described, names_by_arn)
        fields = differences(before, p.view)
        status = described.get("LabelingJobStatus", "?")
        if fields:
            shown = ", ".join(_explain(s3, f, p) for f in fields)
            problems.append(
                f"{p.where}: job {p.name} already exists ({status}) and the spec differs in {shown}"
            )
            continue
        after = {"name": p.name, **p.view}
        changes.append(Change(address, Action.NOOP, {"name": described["LabelingJobName"], **before}, after))

    if problems:
        raise JobChangeError(
            "labeling jobs cannot be changed once created:\n"
            + "\n".join(f"  {line}" for line in problems)
            + "\n"
            + CHANGE_HELP
        )

    stops, notes = _removed(sm, listing, prepared, setup)
    changes += stops
    warnings += notes
    changes += _role_changes(aws, ids, setup, prepared)
    return changes, warnings


def _explain(s3, change: FieldChange, prepared: Prepared) -> str:
    """One differing field in words; label files are compared by their labels, not their S3 keys."""
    if change.path == "labels_file":
        from gtops.jobs import s3 as s3u
        from gtops.jobs.prepare import label_names
        from gtops.jobs.results import label_categories

        before = "none"
        if change.before:
            try:
                before = ", ".join(label_categories(s3u.read(s3, change.before))) or "none"
            except Exception as err:
                if not s3u.missing(err):
                    raise
                before = "unreadable"
        after = ", ".join(label_names(prepared.spec)) or "none"
        if before != after:
            return f"labels ([{before}] -> [{after}])"
        return "label file (labels as before, instructions differ)"
    return f"{change.path} ({_short(change.before)} -> {_short(change.after)})"


def _short(value: Any) -> str:
    text = str(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _removed(sm, listing: dict, prepared: list[Prepared], setup: Setup) -> tuple[list[Change], list[str]]:
    """Running jobs of this setup that are not in the spec: stop (prune / relaunch) or report."""
    wanted = {p.name.lower() for p in prepared}
    auto_bases = {
        re.sub(r"-+$", "", p.spec.name[:54]).lower(): p for p in prepared if p.spec.relaunch == "auto"
    }
    prune = setup.prune.jobs
    changes, notes = [], []
    for key, summary in sorted(listing.items()):
        if key in wanted or summary.get("LabelingJobStatus") not in jl.RUNNING:
            continue
        job = jl.describe(sm, summary["LabelingJobName"])
        if job is None or jl.tags_of(job).get(SETUP_TAG) != setup.name:
            continue
        name = job["LabelingJobName"]
        base = re.match(r"^(.*)-[0-9a-f]{8}$", key)
        newer = auto_bases.get(base.group(1)) if base else None
        if (newer is not None or prune) and job.get("LabelingJobStatus") != "InProgress":
            # AWS stops only InProgress jobs; an initializing one is stopped by a later apply.
            notes.append(
                f"labeling job {name} is still {job.get('LabelingJobStatus')}; run apply again once "
                "it is InProgress to stop it"
            )
            continue
        if newer is not None:
            reason = f"relaunch: auto replaces it with {newer.name}; stopping keeps its partial results"
        elif prune:
            reason = "not in the spec, and prune.jobs is on; stopping keeps its partial results"
        else:
            notes.append(
                f"labeling job {name} is not in the spec and still {summary['LabelingJobStatus']}; "
                "set prune.jobs: true to stop it"
            )
            continue
        before = {"name": name, "status": job.get("LabelingJobStatus")}
        changes.append(Change(Address("labeling_job", name), Action.DELETE, before, None, reason=reason))
    return changes, notes


# -- managed role and deployed Lambdas ----------------------------------------------------------------


def _role_view(name: str, service: str, policy: dict | None, boundary: str | None = None) -> dict:
    view = {"name": name, "trusted_service": service, "policy": roles.normalized(policy) if policy else None}
    if boundary:
        view["permissions_boundary"] = boundary
    return view


def _live_role_view(found: dict | None, name: str, boundary: str | None = None) -> dict | None:
    """The live role as _role_view shows it. Its boundary is compared only when the spec names one: without
    `permissions_boundary`, gtops leaves a role's boundary alone (it never removes one)."""
    if found is None:
        return None
    statements = (found["trust"] or {}).get("Statement") or []
    services = sorted({s for st in statements for s in _as_list((st.get("Principal") or {}).get("Service"))})
    service = services[0] if len(services) == 1 else services
    view = {
        "name": name,
        "trusted_service": service,
        "policy": roles.normalized(found["policy"]) if found["policy"] else None,
    }
    if boundary:
        view["permissions_boundary"] = found.get("boundary")
    return view


def _as_list(value: Any) -> list:
    return value if isinstance(value, list) else [value] if value else []


def _role_change(
    iam, name: str, service: str, policy_name: str, policy: dict, tags: dict, boundary: str | None
) -> Change:
    from gtops.planner import field_changes

    address = Address("iam_role", name)
    after = _role_view(name, service, policy, boundary)
    before = _live_role_view(jl.get_role(iam, name, policy_name), name, boundary)
    after_shown = {**after, "tags": tags}
    if before is None:
        return Change(address, Action.CREATE, None, after_shown)
    fields = field_changes("iam_role", before, after)
    if not fields:
        return Change(address, Action.NOOP, before, after_shown)
    paths = {f.path.split(".", 1)[0] for f in fields}
    reasons = []
    if "permissions_boundary" in paths:
        reasons.append("its permissions boundary is not the spec's permissions_boundary")
    if paths - {"permissions_boundary"}:
        reasons.append("the jobs' locations changed")
    return Change(address, Action.UPDATE, before, after_shown, fields, reason="; ".join(reasons))


def _role_changes(aws: AwsHandle, ids: LiveIds, setup: Setup, prepared: list[Prepared]) -> list[Change]:
    managed = [p for p in prepared if p.spec.role == "managed"]
    local = [fn for p in prepared for fn in p.local_lambdas]
    if not managed and not local:
        return []
    iam = aws.client("iam")
    region, partition = aws.region, aws.partition()
    account = ids.account or aws.account
    tags = setup.ownership_tags()
    boundary = setup.permissions_boundary
    out: list[Change] = []
    if managed:
        reads = sorted({r for p in managed for r in p.reads})
        writes = sorted({w for p in managed for w in p.writes})
        lambdas = sorted({arn for p in managed for arn in p.lambdas})
        policy = roles.labeling_policy(partition, region, account, reads, writes, lambdas)
        name = managed_role_name(setup.name)
        out.append(_role_change(iam, name, roles.LABELING_SERVICE, roles.POLICY_NAME, policy, tags, boundary))
    if local:
        users = [p for p in prepared if p.local_lambdas]
        reads = sorted({r for p in users for r in p.reads + p.writes})
        policy = roles.lambda_policy(partition, region, account, reads)
        name = managed_role_name(setup.name, "lambda")
        out.append(
            _role_change(iam, name, roles.LAMBDA_SERVICE, roles.LAMBDA_POLICY_NAME, policy, tags, boundary)
        )
        lambda_role = role_arn(context(aws, setup, ids, offline=True), name)
        out += _lambda_changes(aws.client("lambda"), local, lambda_role, tags)
    return out


def lambda_view(fn: LocalLambda, role: str) -> dict:
    from pathlib import Path

    from gtops.jobs.package import RUNTIME, build_zip, code_sha256, handler_of

    path = Path(fn.path)
    return {
        "name": fn.function_name,
        "runtime": RUNTIME,
        "handler": handler_of(path),
        "role": role,
        "code_sha256": code_sha256(build_zip(path)),
    }


def _lambda_changes(lam, local: list[LocalLambda], role: str, tags: dict) -> list[Change]:
    from gtops.planner import field_changes

    out: list[Change] = []
    seen: set[str] = set()
    for fn in local:
        if fn.function_name in seen:
            continue
        seen.add(fn.function_name)
        address = Address("lambda_function", fn.function_name)
        after = lambda_view(fn, role)
        shown = {**after, "source": fn.path, "tags": tags}
        config = jl.get_function(lam, fn.function_name)
        if config is None:
            out.append(Change(address, Action.CREATE, None, shown))
            continue
        before = {
            "name": fn.function_name,
            "runtime": config.get("Runtime"),
            "handler": config.get("Handler"),
            "role": config.get("Role"),
            "code_sha256": config.get("CodeSha256"),
        }
        fields = field_changes("lambda_function", before, after)
        if fields:
            why = (
                "the code changed"
                if before["code_sha256"] != after["code_sha256"]
                else "its settings changed"
            )
            out.append(Change(address, Action.UPDATE, before, shown, fields, reason=why))
        else:
            out.append(Change(address, Action.NOOP, before, shown))
    return out
