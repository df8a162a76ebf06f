"""The reconcile loop the commands share: spec -> desired; AWS -> live; plan; apply; verify."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from gtops.desired import build
from gtops.errors import NotConverged, UnsafePlan
from gtops.model import Address, Resource
from gtops.plan import Plan
from gtops.planner import make_plan
from gtops.settings import Settings


@dataclass
class Planned:
    spec: Any
    aws: Any
    desired: list[Resource]
    live: Any
    plan: Plan


def connect(settings: Settings, spec, endpoint_url: str | None):
    from gtops.aws import Aws

    region = settings.region or spec.data.get("region")
    return Aws(settings, region, endpoint_url)


def compute(spec, aws, targets: list[Address] | None = None) -> Planned:
    """Plan the whole setup, or only `targets` and what they depend on (see gtops.gitops.target)."""
    from gtops.gitops.target import needs_bulk, restrict
    from gtops.live import read_live

    desired = build(spec.data)
    live = read_live(aws, spec.data, desired)
    plan = make_plan(desired, live, spec.data, region=aws.region, account=live.ids.get("account", ""))
    # Workers and jobs are planned by their own modules: they read in bulk and have their own rules.
    if (
        spec.data.get("members") is not None  # the section is there: the roster is managed
        and spec.data.get("pool")
        and needs_bulk(targets, "cognito_user")
    ):
        from gtops.members.plan import plan_members

        changes, warnings = plan_members(aws, spec.data, live)
        plan.extend(changes, warnings)
    if spec.data.get("jobs") and needs_bulk(targets, "labeling_job"):
        from gtops.jobs.plan import plan_jobs

        changes, warnings = plan_jobs(aws, spec, live)
        plan.extend(changes, warnings)
    plan.fingerprints = live.fingerprints()
    if targets:
        restrict(plan, targets, desired, set(live.resources))
    return Planned(spec, aws, desired, live, plan)


def check_safety(plan: Plan, force: bool) -> None:
    risky = plan.needs_force()
    if risky and not force:
        # One line per reason: a roster guard can mark hundreds of workers with the same one.
        by_reason: dict[str, list[str]] = {}
        for change in risky:
            by_reason.setdefault(change.needs_force, []).append(str(change.address))
        lines = []
        for reason, addresses in by_reason.items():
            shown = addresses[0] if len(addresses) == 1 else f"{addresses[0]} and {len(addresses) - 1} more"
            lines.append(f"  {shown}: {reason}")
        raise UnsafePlan(
            "the plan includes changes that need --force:\n"
            + "\n".join(lines)
            + "\nReview them, then re-run with --force."
        )


def apply(planned: Planned, log=None):
    from gtops.apply.context import ApplyContext
    from gtops.apply.runner import run

    ctx = ApplyContext(planned.aws, planned.spec.data, planned.live, log=log)
    return run(planned.plan, ctx, planned.desired)


def verify(spec, aws, targets: list[Address] | None = None) -> Planned:
    """Re-read AWS after apply: anything still different means the apply did not converge."""
    again = compute(spec, aws, targets)
    if not again.plan.empty:
        names = ", ".join(str(c.address) for c in again.plan.actionable)
        raise NotConverged(f"apply did not converge: still different after apply: {names}")
    return again
