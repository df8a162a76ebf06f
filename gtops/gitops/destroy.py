"""`gtops destroy`: delete what the spec owns, in reverse dependency order, as an ordinary plan.

The destroy plan uses the planner's Change/Plan types (DELETE actions) and runs through the same applier as
apply, so ordering (jobs, teams, the workforce, the domain, the client, groups, the pool, the topic), failure
handling and reporting are the same. Protected deletions need --force: the pool (it takes every worker's
account with it, and may have deletion protection), the workforce (one per region, shared by every team), and
anything not tagged as managed by this setup.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from gtops import kinds
from gtops.errors import GtopsError, NotConverged
from gtops.model import SETUP_TAG, Address, Resource
from gtops.plan import Action, Change, Plan

if TYPE_CHECKING:
    from gtops.engine import Planned
    from gtops.kinds.base import AwsHandle
    from gtops.live import LiveState
    from gtops.setup import Setup
    from gtops.spec import Spec


def _force_reason(res: Resource, setup: Setup, aws: AwsHandle, live: LiveState) -> str | None:
    kind = kinds.get(res.kind)
    reasons = list(kind.destroy_risks(res, aws, live)) if kind and kind.destroy_risks else []
    if kind and kind.tagged and not setup.owns(res.attrs.get("tags")):
        reasons.append(f"it is not tagged as managed by setup {setup.name!r}")
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


def destroy_plan(spec: Spec, aws: AwsHandle, targets: list[Address] | None = None) -> Planned:
    """A Planned whose plan deletes every live resource the spec declares (or the targeted ones)."""
    from gtops.desired import build
    from gtops.engine import Planned
    from gtops.gitops.target import closure
    from gtops.live import read_live

    setup = spec.setup
    desired = build(setup)
    live = read_live(aws, setup)
    changes: list[Change] = []
    notes: list[str] = []
    for res in desired:
        have = live.get(res.address)
        kind = kinds.get(res.kind)
        if have is None or kind is None or kind.with_parent:
            continue
        kept = kind.destroy_keeps(setup) if kind.destroy_keeps else None
        if kept:
            notes.append(f"{res.address} is {kept}")
            continue
        changes.append(
            Change(
                res.address,
                Action.DELETE,
                have.attrs,
                None,
                reason="destroy: the spec owns it",
                needs_force=_force_reason(have, setup, aws, live),
            )
        )
    changes += _running_jobs(aws, setup.name)
    if targets:
        keep = set(targets)
        # Destroying something takes what depends on it too: keep a target's dependants, not its needs.
        for res in desired:
            if closure([res.address], desired) & keep:
                keep.add(res.address)
        changes = [c for c in changes if c.address in keep]
    _refuse_blocked(changes, live)
    plan = Plan(changes, region=aws.region, account=live.ids.account, warnings=notes)
    plan.fingerprints = live.fingerprints()
    return Planned(spec, aws, desired, live, plan)


def _refuse_blocked(changes: list[Change], live: LiveState) -> None:
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


def check_gone(planned: Planned) -> None:
    """After destroy: nothing it deleted may still exist (stopped jobs stay as history by design)."""
    from gtops.live import read_live

    live = read_live(planned.aws, planned.setup)
    left = [
        str(c.address)
        for c in planned.plan.actionable
        if c.address.kind != "labeling_job" and live.get(c.address)
    ]
    if left:
        raise NotConverged(f"destroy did not finish: still present after destroy: {', '.join(left)}")


def refuse_empty_spec(spec: Spec) -> None:
    if not spec.setup.declares_anything:
        raise GtopsError("the spec declares nothing gtops could destroy")
