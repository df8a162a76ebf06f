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
    team_name,
    view_of,
)
from gtops.model import SETUP_TAG, Address
from gtops.plan import Action, Change, FieldChange
from gtops.spec.aws_rules import arn_account
from gtops.spec.validate import suggest

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
    if not offline:
        ids.team_arns.update(external_teams(aws, setup, ids.team_arns))
    return Context(
        confinement=confinement or ANYWHERE,
        setup=setup,
        region=aws.region,
        account=ids.account or aws.account,
        partition=aws.partition(),
        team_arns=dict(ids.team_arns),
        s3=None if offline else aws.client("s3"),
        sagemaker=None if offline else aws.client("sagemaker"),
    )


def external_teams(aws: AwsHandle, setup: Setup, known: dict[str, str]) -> dict[str, str]:
    """Teams the jobs name that the spec does not manage (by name or ARN): {name: ARN} of those that exist.

    A job may run on a team built by hand (or by another setup): it is looked up, never changed.
    """
    from gtops.aws import error_code
    from gtops.jobs.prepare import team_name

    managed = {t.name for t in setup.teams}
    wanted = sorted(
        {j.team for j in setup.jobs if j.team and not j.public and team_name(j.team) not in managed}
    )
    found: dict[str, str] = {}
    if not wanted:
        return found
    sm = aws.client("sagemaker")
    for team in wanted:
        name = team_name(team)
        if name in known:
            found[name] = known[name]
            continue
        try:
            arn = sm.describe_workteam(WorkteamName=name)["Workteam"]["WorkteamArn"]
        except Exception as err:
            if error_code(err) in ("ValidationException", "ResourceNotFound"):
                continue  # plan_jobs names it
            raise
        if team.startswith("arn:") and arn != team:
            continue  # a team of this name, but not the one the ARN names (another account)
        found[name] = arn
    return found


def prepare_all(aws: AwsHandle, spec: Spec, ids: LiveIds) -> list[Prepared]:
    """Every spec job prepared; a chained job after the job it is chained to (it needs that job's name,
    label attribute and output location)."""
    ctx = context(aws, spec.setup, ids, confinement=spec.confinement)
    jobs = list(enumerate(spec.setup.jobs))
    done: dict[int, Prepared] = {}
    while len(done) < len(jobs):
        progressed = False
        for i, job in jobs:
            source = (job.source_job or "").lower()
            waiting = any(j.name.lower() == source and k not in done for k, j in jobs)
            if i in done or waiting:
                continue
            done[i] = prepare(ctx, i, job, where(spec, i, job.name))
            ctx.sources[job.name.lower()] = done[i]
            progressed = True
        if not progressed:  # a loop (validate reports it): prepare the rest as they are
            for i, job in jobs:
                if i not in done:
                    done[i] = prepare(ctx, i, job, where(spec, i, job.name))
    return [done[i] for i, _ in jobs]


def differences(before: dict, after: dict) -> list[FieldChange]:
    out = []
    for key in sorted(set(before) | set(after)):
        if before.get(key) != after.get(key):
            out.append(FieldChange(key, before.get(key), after.get(key), forces_replacement=True))
    return out


def _cors_notes(s3, prepared: Prepared) -> list[str]:
    from gtops.jobs import s3 as s3u

    notes = []
    wanted = s3u.rule_of(prepared.spec.cors)
    for bucket in prepared.cors_buckets:
        try:
            state = s3u.cors_state(s3u.cors_rules(s3, bucket), wanted)
        except Exception as err:
            if s3u.missing(err):
                notes.append(f"{bucket}: bucket does not exist")
                continue
            raise
        notes.append(
            f"{bucket}: "
            + {
                "present": "already allows GET from workers",
                "add": f"add rule {wanted['ID']} (kept with existing rules)",
                "replace": f"update rule {wanted['ID']} (other rules kept)",
            }[state]
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
    managed_teams = {t.name for t in setup.teams}
    for p in prepared:
        owner = arn_account(p.request.get("RoleArn") or "")
        if owner and owner != account and p.spec.role != "managed":
            problems.append(
                f"{p.where}: role {p.request['RoleArn']} belongs to account {owner}, not {account}; "
                "SageMaker can only be passed a role of the job's own account (iam:PassRole does not "
                "cross accounts)"
            )
        team = team_name(p.spec.team or "")
        if not p.spec.public and team not in managed_teams and team not in ids.team_arns:
            hint = suggest(team, sorted(managed_teams | set(ids.team_arns)))
            problems.append(
                f"{p.where}: work team '{p.spec.team}' is not in the spec's teams and does not exist in "
                f"{account} / {aws.region}{hint}"
            )
    problems += _cors_conflicts(prepared)
    if problems:
        raise GtopsError("\n".join(problems))
    for p in prepared:
        warnings += p.warnings
        address = Address("labeling_job", p.name)
        if p.name.lower() not in listing:
            if p.waits_for is not None:  # chained: created by an apply once its source has finished
                state = p.source_status or "not created yet"
                warnings.append(
                    f"{p.where}: waits for job {p.waits_for} ({state}): its input is that job's output "
                    "manifest, so it is created by an apply after that job has completed or was stopped"
                )
                continue
            changes.append(Change(address, Action.CREATE, None, job_after(p, _cors_notes(s3, p))))
            continue
        described = jl.describe(sm, p.name) or listing[p.name.lower()]
        before = view_of(described, names_by_arn)
        fields = [f for f in differences(before, p.view) if not _same_content(s3, f, p)]
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


# Fields that name an S3 object: a job is the same when what the objects hold is the same, wherever they
# are (a template copied byte for byte, a label file written by hand, the same manifest under another key).
CONTENT_FIELDS = ("labels_file", "ui", "input")


def _live_bytes(s3, uri: Any) -> bytes | None:
    """What a live job's file holds; None when it cannot be read (missing, no access)."""
    from gtops.aws import error_code
    from gtops.jobs import s3 as s3u

    if not (isinstance(uri, str) and uri.startswith("s3://")):
        return None
    try:
        return s3u.read_bounded(s3, uri, 256 * 1024 * 1024, "a live job's file")
    except GtopsError:
        return None
    except Exception as err:
        if s3u.missing(err) or error_code(err) in ("AccessDenied", "403"):
            return None
        raise


def _content_key(field: str, body: bytes | None) -> Any:
    """A comparable form of a file: label files and manifests as parsed JSON, templates byte for byte."""
    import hashlib
    import json

    if body is None:
        return None
    if field == "labels_file":
        try:
            return json.loads(body)
        except ValueError:
            return hashlib.sha256(body).hexdigest()
    if field == "input":
        try:
            return [json.loads(line) for line in body.decode("utf-8").splitlines() if line.strip()]
        except (ValueError, UnicodeDecodeError):
            return hashlib.sha256(body).hexdigest()
    return hashlib.sha256(body).hexdigest()


def _same_content(s3, change: FieldChange, prepared: Prepared) -> bool:
    if change.path not in CONTENT_FIELDS:
        return False
    wanted = prepared.contents.get(change.path)
    if wanted is None:
        return False
    live_uri = change.before
    if change.path == "ui" and isinstance(live_uri, str) and live_uri.startswith("built-in "):
        return False  # a built-in template of another version or task type: compared by key already
    live = _live_bytes(s3, live_uri)
    return live is not None and _content_key(change.path, live) == _content_key(change.path, wanted)


def _explain(s3, change: FieldChange, prepared: Prepared) -> str:
    """One differing field in words; files are described by what they hold, not only by their S3 keys."""
    if change.path == "labels_file":
        return _explain_labels(s3, change, prepared)
    if change.path in ("ui", "input"):
        live = _live_bytes(s3, change.before)
        what = {"ui": "worker UI template", "input": "input manifest"}[change.path]
        if live is None and isinstance(change.before, str) and change.before.startswith("s3://"):
            how = f"the live job's {what} cannot be read"
        elif change.path == "input" and live is not None and prepared.contents.get("input") is not None:
            before = _content_key("input", live)
            after = _content_key("input", prepared.contents["input"])
            counts = (len(before), len(after)) if isinstance(before, list) and isinstance(after, list) else ()
            how = (
                f"its objects differ: {counts[0]} -> {counts[1]} objects" if counts else "its content differs"
            )
        else:
            how = f"the {what}'s content differs"
        return f"{change.path} ({_short(change.before)} -> {_short(change.after)}; {how})"
    return f"{change.path} ({_short(change.before)} -> {_short(change.after)})"


def _explain_labels(s3, change: FieldChange, prepared: Prepared) -> str:
    import json

    live = _live_bytes(s3, change.before) if change.before else b"{}"
    if live is None:
        return f"label file ({_short(change.before)} cannot be read)"
    wanted = prepared.contents.get("labels_file")
    try:
        before = json.loads(live) if live else {}
        after = json.loads(wanted) if wanted else {}
    except ValueError:
        return "label file (its content differs)"
    if not isinstance(before, dict) or not isinstance(after, dict):
        return "label file (its content differs)"

    def names(doc: dict) -> str:
        return (
            ", ".join(str(x.get("label")) for x in doc.get("labels") or [] if isinstance(x, dict)) or "none"
        )

    parts = []
    if names(before) != names(after):
        parts.append(f"labels ([{names(before)}] -> [{names(after)}])")
    if (before.get("labels") or []) != (after.get("labels") or []) and names(before) == names(after):
        parts.append("label file (label settings such as short names differ)")
    if (before.get("instructions") or {}) != (after.get("instructions") or {}):
        gone = "none" if not before.get("instructions") else "set"
        now = "none" if not after.get("instructions") else "set"
        parts.append(
            f"label file instructions ({gone} -> {now})" if gone != now else "label file instructions"
        )
    others = sorted(
        k
        for k in set(before) | set(after)
        if k not in ("labels", "instructions") and before.get(k) != after.get(k)
    )
    if others:
        parts.append(f"label file ({', '.join(others)} differ)")
    return ", ".join(parts) or "label file (its content differs)"


def _cors_conflicts(prepared: list[Prepared]) -> list[str]:
    """Two jobs asking one bucket for different rules under one id would undo each other at every apply."""
    seen: dict[tuple[str, str], tuple[Prepared, Any]] = {}
    out = []
    for p in prepared:
        rule = p.spec.cors
        for bucket in p.cors_buckets:
            first = seen.setdefault((bucket, rule.id), (p, rule))
            if first[1] != rule:
                out.append(
                    f"{p.where}: bucket {bucket} gets the CORS rule '{rule.id}' from two jobs with different "
                    f"settings ({first[0].where} and this one); give them one rule"
                )
    return out


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
    gtops_role = [fn for fn in local if fn.execution_role is None]
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
        name = managed_role_name(setup.name)
        topics = sorted(
            {
                arn
                for p in managed
                for arn in (
                    ((p.request["InputConfig"]["DataSource"].get("SnsDataSource") or {}).get("SnsTopicArn")),
                    p.request["OutputConfig"].get("SnsTopicArn"),
                )
                if arn
            }
        )
        auto = any("LabelingJobAlgorithmsConfig" in p.request for p in managed)
        policy = roles.labeling_policy(
            partition,
            region,
            account,
            reads,
            writes,
            lambdas,
            topics=topics,
            pass_self=f"arn:{partition}:iam::{account}:role/{name}" if auto else None,
        )
        out.append(_role_change(iam, name, roles.LABELING_SERVICE, roles.POLICY_NAME, policy, tags, boundary))
    if gtops_role:
        users = [p for p in prepared if any(fn.execution_role is None for fn in p.local_lambdas)]
        reads = sorted({r for p in users for r in p.reads + p.writes})
        policy = roles.lambda_policy(partition, region, account, reads)
        name = managed_role_name(setup.name, "lambda")
        out.append(
            _role_change(iam, name, roles.LAMBDA_SERVICE, roles.LAMBDA_POLICY_NAME, policy, tags, boundary)
        )
    if local:
        lambda_role = role_arn(
            context(aws, setup, ids, offline=True), managed_role_name(setup.name, "lambda")
        )
        out += _lambda_changes(aws.client("lambda"), local, lambda_role, tags)
    return out


def lambda_view(fn: LocalLambda, role: str) -> dict:
    from pathlib import Path

    from gtops.jobs.package import RUNTIME, build_zip, code_sha256, handler_of

    path = Path(fn.path)
    view: dict[str, Any] = {
        "name": fn.function_name,
        "runtime": fn.runtime or RUNTIME,
        "handler": handler_of(path),
        "role": fn.execution_role or role,
        "memory": fn.memory,
        "timeout": fn.timeout,
        "code_sha256": code_sha256(build_zip(path)),
    }
    if fn.environment is not None:  # absent: unmanaged
        view["environment"] = dict(sorted(fn.environment.items()))
    return view


SETTINGS = ("runtime", "handler", "role", "memory", "timeout", "environment")


def _lambda_changes(lam, local: list[LocalLambda], role: str, tags: dict) -> list[Change]:
    from gtops.planner import field_changes

    out: list[Change] = []
    seen: dict[str, dict] = {}
    for fn in local:
        if fn.function_name in seen:
            if lambda_view(fn, role) != seen[fn.function_name]:
                raise GtopsError(
                    f"Lambda function {fn.function_name} is deployed twice with different code or settings "
                    f"({fn.path}); give each its own name"
                )
            continue
        seen[fn.function_name] = lambda_view(fn, role)
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
            "memory": config.get("MemorySize"),
            "timeout": config.get("Timeout"),
            "code_sha256": config.get("CodeSha256"),
        }
        if "environment" in after:
            before["environment"] = dict(
                sorted(((config.get("Environment") or {}).get("Variables") or {}).items())
            )
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
