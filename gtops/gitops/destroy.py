"""`gtops destroy`: delete what the spec owns, in reverse dependency order, as an ordinary plan.

The destroy plan uses the planner's Change/Plan types (DELETE actions) and runs through the same applier as
apply, so ordering (jobs, teams, the workforce, the domain, the client, groups, the pool, the topic), failure
handling and reporting are the same. Protected deletions need --force: the pool (it takes every worker's
account with it, and may have deletion protection), the workforce (one per region, shared by every team), and
anything not tagged as managed by this setup.
"""

from __future__ import annotations

from gtops.errors import GtopsError, NotConverged
from gtops.model import OWNER_TAG, SETUP_TAG, Address
from gtops.plan import Action, Change, Plan

# Sub-resources that go with their parent (no delete of their own).
WITH_PARENT = {"cognito_client_oauth": "the app client", "cognito_invitation": "the user pool"}
TAGGED = frozenset({"sns_topic", "cognito_user_pool", "sagemaker_workforce", "sagemaker_workteam"})


def _count_users(aws, pool_id: str) -> int:
    from gtops.members.read import list_users

    return len(list_users(aws, pool_id))


def _not_owned(res, setup: str) -> bool:
    tags = res.attrs.get("tags") or {}
    return res.kind in TAGGED and not (tags.get(OWNER_TAG) == "true" and tags.get(SETUP_TAG) == setup)


def _force_reason(res, setup: str, users: int) -> str | None:
    reasons = []
    if res.kind == "cognito_user_pool":
        reasons.append(f"deleting the user pool deletes its {users} user account(s) for good")
        if res.attrs.get("deletion_protection"):
            reasons.append("the pool has deletion protection")
    if res.kind == "sagemaker_workforce":
        reasons.append("the workforce is the region's only private workforce")
    if _not_owned(res, setup):
        reasons.append(f"it is not tagged as managed by setup {setup!r}")
    return "; ".join(reasons) or None


def _running_jobs(aws, setup: str) -> list[Change]:
    from gtops.jobs import live as jl

    sm = aws.client("sagemaker")
    out = []
    for summary in jl.list_jobs(sm).values():
        if summary.get("LabelingJobStatus") not in jl.RUNNING:
            continue
        job = jl.describe(sm, summary["LabelingJobName"])
        if job is None or jl.tags_of(job).get(SETUP_TAG) != setup:
            continue
        before = {"name": job["LabelingJobName"], "status": job.get("LabelingJobStatus")}
        out.append(
            Change(
                Address("labeling_job", job["LabelingJobName"]),
                Action.DELETE,
                before,
                None,
                reason="running: it is stopped (AWS keeps a job's record and partial results)",
            )
        )
    return out


def destroy_plan(spec, aws, targets: list[Address] | None = None):
    """A Planned whose plan deletes every live resource the spec declares (or the targeted ones)."""
    from gtops.desired import build, setup_name
    from gtops.engine import Planned
    from gtops.gitops.target import closure
    from gtops.live import read_live

    data = spec.data
    setup = setup_name(data)
    desired = build(data)
    live = read_live(aws, data, desired)
    existing_topic = bool((data.get("notifications") or {}).get("topic_arn"))
    pool_id = live.ids.get("pool_id")
    users = _count_users(aws, pool_id) if pool_id else 0
    changes: list[Change] = []
    notes: list[str] = []
    for res in desired:
        have = live.get(res.address)
        if have is None or res.kind in WITH_PARENT:
            continue
        if res.kind == "sns_topic" and existing_topic:
            notes.append(f"{res.address} is an existing topic (notifications.topic_arn): it is kept")
            continue
        changes.append(
            Change(
                res.address,
                Action.DELETE,
                have.attrs,
                None,
                reason="destroy: the spec owns it",
                needs_force=_force_reason(have, setup, users),
            )
        )
    changes += _running_jobs(aws, setup)
    if targets:
        keep = set(targets)
        # Destroying something takes what depends on it too: keep a target's dependants, not its needs.
        for res in desired:
            if closure([res.address], desired) & keep:
                keep.add(res.address)
        changes = [c for c in changes if c.address in keep]
    _refuse_blocked(changes, live)
    plan = Plan(changes, region=aws.region, account=live.ids.get("account", ""), warnings=notes)
    plan.fingerprints = live.fingerprints()
    return Planned(spec, aws, desired, live, plan)


def _refuse_blocked(changes: list[Change], live) -> None:
    """Check what AWS would refuse before the first delete, not after half the setup is gone: a workforce
    cannot be deleted while any work team uses it (DeleteWorkforce: ResourceInUse), and the region's teams
    outside this spec are not gtops's to delete."""
    deleting = {c.address for c in changes}
    if not any(a.kind == "sagemaker_workforce" for a in deleting):
        return
    others = sorted(a.name for a in live.resources if a.kind == "sagemaker_workteam" and a not in deleting)
    if others:
        raise GtopsError(
            f"destroy cannot delete the workforce: the work team(s) {', '.join(others)} use it and are not "
            "in this spec (AWS refuses to delete a workforce that has teams). Nothing was deleted. Delete "
            "those teams first, or destroy the rest with --target (e.g. --target sagemaker_workteam.<name>)."
        )


def check_gone(planned) -> None:
    """After destroy: nothing it deleted may still exist (stopped jobs stay as history by design)."""
    from gtops.live import read_live

    live = read_live(planned.aws, planned.spec.data, planned.desired)
    left = [
        str(c.address)
        for c in planned.plan.actionable
        if c.address.kind != "labeling_job" and live.get(c.address)
    ]
    if left:
        raise NotConverged(f"destroy did not finish: still present after destroy: {', '.join(left)}")


def refuse_empty_spec(spec) -> None:
    if not any(spec.data.get(k) for k in ("pool", "workforce", "teams", "notifications", "jobs")):
        raise GtopsError("the spec declares nothing gtops could destroy")
