"""`gtops drift`: the plan read as "what changed outside gtops", plus what a plan alone does not show.

Report-only, like Terraform's -refresh-only and unlike ACK or Crossplane, which revert drift silently. Two
kinds of drift are not plan changes and are added here as changes of their own:
- workers added to the pool by hand (the roster's unmanaged users, kept because prune.members is off);
- labeling jobs of the spec that failed (a job is immutable, so the plan treats it as history).
"""

from __future__ import annotations

from gtops.model import Address
from gtops.plan import Action, Change, FieldChange, Plan

HAND_ADDED = "added outside gtops and not in the roster (kept: prune.members is off)"


def _worker_change(worker) -> Change:
    before = {"email": worker.email, "username": worker.username, "enabled": worker.enabled}
    if worker.status:
        before["status"] = worker.status
    if worker.groups:
        before["groups"] = sorted(worker.groups)
    name = worker.key or worker.username
    return Change(Address("cognito_user", name), Action.DELETE, before, None, reason=HAND_ADDED)


def _failed_jobs(aws, plan: Plan) -> list[Change]:
    from gtops.jobs import live as jl

    jobs = [c for c in plan.changes if c.address.kind == "labeling_job" and c.action is Action.NOOP]
    if not jobs:
        return []
    sm = aws.client("sagemaker")
    out = []
    for change in jobs:
        described = jl.describe(sm, change.address.name) or {}
        if described.get("LabelingJobStatus") != "Failed":
            continue
        reason = described.get("FailureReason") or "no reason given"
        fields = [FieldChange("status", "Failed", "InProgress or Completed")]
        out.append(
            Change(
                change.address,
                Action.UPDATE,
                {"status": "Failed", "failure_reason": reason},
                {"status": "InProgress or Completed"},
                fields,
                reason=f"the labeling job failed: {reason}",
            )
        )
    return out


def drift_plan(planned) -> Plan:
    """The plan of `planned` with hand-added workers and failed jobs added as drift."""
    plan = planned.plan
    present = {c.address for c in plan.actionable}
    extra: list[Change] = []
    for worker in planned.live.ids.unmanaged_workers:
        change = _worker_change(worker)
        if change.address not in present:
            extra.append(change)
    failed = _failed_jobs(planned.aws, plan)
    failed_addresses = {c.address for c in failed}
    plan.changes = [c for c in plan.changes if c.address not in failed_addresses]
    plan.extend(extra + failed)
    return plan
