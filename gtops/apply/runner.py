"""Run a plan's changes as ordered steps; stop dependants of a failure and report done/failed/skipped.

No rollback: what was done stays done, and the next plan shows what is left (as Terraform and octoDNS do).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from gtops import kinds
from gtops.apply.context import ApplyContext
from gtops.aws import error_code, error_message
from gtops.errors import GtopsError
from gtops.kinds import KIND_RANK
from gtops.model import Address, Resource
from gtops.plan import Action, Change, Plan

VERBS = {
    "create": ("Creating...", "Creation complete"),
    "update": ("Modifying...", "Modifications complete"),
    "delete": ("Destroying...", "Destruction complete"),
    "stop": ("Stopping...", "Stop complete"),
}
COUNTED = {"create": "added", "update": "changed", "delete": "destroyed", "stop": "stopped"}


@dataclass
class ApplyReport:
    done: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=lambda: {"added": 0, "changed": 0, "destroyed": 0})
    stopped: int = 0  # labeling jobs stopped (AWS keeps them)
    command: str = "apply"  # what to run again to finish (apply or destroy)

    @property
    def ok(self) -> bool:
        return not self.failed and not self.skipped

    def summary(self) -> str:
        c = self.counts
        head = f"Resources: {c['added']} added, {c['changed']} changed, {c['destroyed']} destroyed"
        head += f", {self.stopped} stopped." if self.stopped else "."
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


def phases(plan: Plan) -> list[tuple[str, Change]]:
    """Deletes (and the delete half of replacements) in reverse dependency order, then the rest in order,
    then the deletes that must wait for updates (a kind's `delete_after_updates_unless`)."""

    parents_going = {c.address.kind for c in plan.actionable if c.action in (Action.DELETE, Action.REPLACE)}

    def late(c: Change) -> bool:
        kind = kinds.get(c.address.kind)
        parent = kind.delete_after_updates_unless if kind else None
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


def _run_batch(
    ctx: ApplyContext,
    kind: kinds.Kind,
    changes: list[Change],
    report: ApplyReport,
    broken: set[Address],
) -> None:
    """A bulk kind written in one batch (workers): skipped whole when what it hangs off did not complete."""
    blocker = min((a for a in broken if a.kind in kind.implies), key=lambda a: a.sort_key(), default=None)
    if blocker is not None:
        for c in changes:
            report.skipped.append((str(c.address), f"{blocker} did not complete"))
        return
    assert kind.batch is not None
    result = kind.batch(ctx, changes)
    for address, phase in result.done:
        report.done.append(f"{address} ({phase})")
        report.counts[{"create": "added", "update": "changed", "delete": "destroyed"}[phase]] += 1
    report.failed += result.failed


def run(plan: Plan, ctx: ApplyContext, desired: list[Resource]) -> ApplyReport:
    report = ApplyReport()
    by_address = {r.address: r for r in desired}
    broken: set[Address] = set()  # failed or skipped: their dependants must not run
    failed_deletes: set[Address] = set()
    batches: dict[str, list[Change]] = {}
    for phase, change in phases(plan):
        address = change.address
        kind = kinds.get(address.kind)
        if kind is not None and kind.batch is not None:
            batches.setdefault(kind.name, []).append(change)  # written in one batch below
            continue
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
        step = kinds.step(address.kind, phase)
        if step is None:
            report.skipped.append((str(address), f"gtops cannot {phase} a {address.kind}"))
            broken.add(address)
            continue
        verb = "stop" if phase == "delete" and kind is not None and kind.stops else phase
        start, finish = VERBS[verb]
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
        if verb == "stop":
            report.stopped += 1
        else:
            report.counts[COUNTED[verb]] += 1
    for name, changes in batches.items():
        _run_batch(ctx, kinds.BY_NAME[name], changes, report, broken)
    return report
