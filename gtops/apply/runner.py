"""Run a plan's changes as ordered steps; stop dependants of a failure and report done/failed/skipped.

No rollback: what was done stays done, and the next plan shows what is left (as Terraform and octoDNS do).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from gtops.apply.context import ApplyContext
from gtops.apply.steps import STEPS
from gtops.aws import error_code, error_message
from gtops.errors import GtopsError
from gtops.model import KIND_RANK, Address, Resource
from gtops.plan import Action, Change, Plan

VERBS = {
    "create": ("Creating...", "Creation complete"),
    "update": ("Modifying...", "Modifications complete"),
    "delete": ("Destroying...", "Destruction complete"),
}


@dataclass
class ApplyReport:
    done: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=lambda: {"added": 0, "changed": 0, "destroyed": 0})
    command: str = "apply"  # what to run again to finish (apply or destroy)

    @property
    def ok(self) -> bool:
        return not self.failed and not self.skipped

    def summary(self) -> str:
        c = self.counts
        head = f"Resources: {c['added']} added, {c['changed']} changed, {c['destroyed']} destroyed."
        if self.ok:
            return f"Apply complete! {head}"
        lines = [f"Apply stopped. {head}"]
        lines += [f"  done:    {d}" for d in self.done]
        lines += [f"  failed:  {a}: {why}" for a, why in self.failed]
        lines += [f"  skipped: {a}: {why}" for a, why in self.skipped]
        lines.append(
            f"Nothing was rolled back; run `gtops {self.command}` again to finish once the cause is fixed."
        )
        return "\n".join(lines)


def _describe_error(err: Exception) -> str:
    code = error_code(err)
    if code:
        return f"{code}: {error_message(err)}"
    if isinstance(err, GtopsError):
        return str(err)
    return f"{type(err).__name__}: {err}"


def _dependents(addresses: set[Address], desired: dict[Address, Resource]) -> set[Address]:
    """Everything in `desired` that (transitively) depends on one of `addresses`."""
    out = set(addresses)
    grew = True
    while grew:
        grew = False
        for res in desired.values():
            if res.address not in out and any(d in out for d in res.depends_on):
                out.add(res.address)
                grew = True
    return out


# Kinds whose plain deletes wait until every update has run: a team still lists a pruned group until its
# update takes the group out, and Cognito refuses to delete a group a work team uses. When the kind they
# live in goes too (destroy), they keep their place before it.
DELETE_AFTER_UPDATES = {"cognito_user_group": "cognito_user_pool"}


def phases(plan: Plan) -> list[tuple[str, Change]]:
    """Deletes (and the delete half of replacements) in reverse dependency order, then the rest in order,
    then the deletes that must wait for updates (DELETE_AFTER_UPDATES)."""

    parents_going = {c.address.kind for c in plan.actionable if c.action in (Action.DELETE, Action.REPLACE)}

    def late(c: Change) -> bool:
        parent = DELETE_AFTER_UPDATES.get(c.address.kind)
        return c.action is Action.DELETE and parent is not None and parent not in parents_going

    deletes = [c for c in plan.actionable if c.action in (Action.DELETE, Action.REPLACE) and not late(c)]
    deletes.sort(key=lambda c: (-KIND_RANK.get(c.address.kind, 99), c.address.name))
    forward = [c for c in plan.actionable if c.action is not Action.DELETE]
    forward.sort(key=lambda c: c.address.sort_key())
    out = [("delete", c) for c in deletes]
    for c in forward:
        out.append(("update" if c.action is Action.UPDATE else "create", c))
    out += [("delete", c) for c in sorted(plan.actionable, key=lambda c: c.address.name) if late(c)]
    return out


def _step_for(kind: str, phase: str):
    """Core steps, then the job module's (imported only when a plan has job resources)."""
    step = STEPS.get((kind, phase))
    if step is None and kind in ("iam_role", "lambda_function", "labeling_job"):
        from gtops.jobs.apply import JOB_STEPS

        step = JOB_STEPS.get((kind, phase))
    return step


def _run_members(ctx: ApplyContext, changes: list[Change], report: ApplyReport, broken: set[Address]) -> None:
    """Workers are written in one concurrent, rate-limited batch rather than one step each."""
    if any(a.kind in ("cognito_user_pool", "cognito_user_group") for a in broken):
        for c in changes:
            report.skipped.append((str(c.address), "the pool or a group did not complete"))
        return
    from gtops.members.apply import apply_members

    result = apply_members(ctx, changes)
    for address, phase in result.done:
        report.done.append(f"{address} ({phase})")
        report.counts[{"create": "added", "update": "changed", "delete": "destroyed"}[phase]] += 1
    report.failed += result.failed


def run(plan: Plan, ctx: ApplyContext, desired: list[Resource]) -> ApplyReport:
    report = ApplyReport()
    by_address = {r.address: r for r in desired}
    broken: set[Address] = set()  # failed or skipped: their dependants must not run
    failed_deletes: set[Address] = set()
    members = [c for c in plan.actionable if c.address.kind == "cognito_user"]
    for phase, change in phases(plan):
        address = change.address
        if address.kind == "cognito_user":
            continue  # written in one batch below
        if phase == "delete":
            # A failed delete of something that depends on this resource blocks deleting it.
            blockers = [
                b
                for b in failed_deletes
                if address in by_address.get(b, Resource(b, {})).depends_on
                or KIND_RANK.get(b.kind, 0) > KIND_RANK.get(address.kind, 0)
            ]
            if blockers:
                report.skipped.append((str(address), f"{blockers[0]} could not be deleted first"))
                failed_deletes.add(address)
                broken.add(address)
                continue
        else:
            res = by_address.get(address)
            blocked = [d for d in (res.depends_on if res else ()) if d in broken]
            if address in broken:
                blocked.append(address)
            if blocked:
                report.skipped.append((str(address), f"depends on {blocked[0]}, which did not complete"))
                broken |= _dependents({address}, by_address)
                continue
        step = _step_for(address.kind, phase)
        if step is None:
            report.skipped.append((str(address), f"gtops cannot {phase} a {address.kind}"))
            broken.add(address)
            continue
        start, finish = VERBS[phase]
        ctx.say(f"{address}: {start}")
        try:
            step(ctx, change)
        except Exception as err:  # every step failure is reported, never raised mid-apply
            why = _describe_error(err)
            ctx.say(f"{address}: failed: {why}")
            report.failed.append((str(address), why))
            broken |= _dependents({address}, by_address)
            if phase == "delete":
                failed_deletes.add(address)
            continue
        ctx.say(f"{address}: {finish}")
        report.done.append(f"{address} ({phase})")
        if phase == "create":
            report.counts["added"] += 1
        elif phase == "update":
            report.counts["changed"] += 1
        else:
            report.counts["destroyed"] += 1
    if members:
        _run_members(ctx, members, report, broken)
    return report
