"""The reconcile loop the commands share: spec -> desired; AWS -> live; plan; apply; verify."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING

from gtops.desired import build
from gtops.errors import NotConverged, UnsafePlan
from gtops.model import Address, Resource
from gtops.plan import Plan
from gtops.planner import make_plan
from gtops.settings import Settings

if TYPE_CHECKING:
    from gtops.apply.runner import ApplyReport
    from gtops.aws import Aws
    from gtops.kinds.base import AwsHandle
    from gtops.live import LiveIds, LiveState
    from gtops.preflight import Report
    from gtops.setup import Setup
    from gtops.spec import Spec


@dataclass
class Planned:
    spec: Spec
    aws: AwsHandle
    desired: list[Resource]
    live: LiveState
    plan: Plan

    @property
    def setup(self) -> Setup:
        return self.spec.setup


def connect(settings: Settings, spec: Spec, endpoint_url: str | None) -> Aws:
    from gtops.aws import Aws

    return Aws(settings, settings.region or spec.setup.region, endpoint_url)


def compute(spec: Spec, aws: AwsHandle, targets: list[Address] | None = None) -> Planned:
    """Plan the whole setup, or only `targets` and what they depend on (see gtops.gitops.target)."""
    from gtops.gitops.target import needs_bulk, restrict
    from gtops.kinds import REGISTRY
    from gtops.live import read_live, run_all

    setup = spec.setup
    desired = build(setup)
    live = read_live(aws, setup)
    plan = make_plan(desired, live, setup, region=aws.region, account=live.ids.account)
    # Workers and jobs are planned by their own modules: they read in bulk and have their own rules. They
    # share nothing, so they read at the same time; their changes join the plan in the kinds' order.
    bulk = [kind for kind in REGISTRY if kind.plan is not None and needs_bulk(targets, kind.name)]
    for found in run_all([partial(kind.plan, aws, spec, live) for kind in bulk if kind.plan is not None]):
        if found is not None:
            plan.extend(*found)
    plan.fingerprints = live.fingerprints()
    if targets:
        restrict(plan, targets, desired, set(live.resources))
    return Planned(spec, aws, desired, live, plan)


def preflight(planned: Planned, applying: bool, skip: bool, say: Callable[[str], None]) -> Report | None:
    """The checks before apply (gtops.preflight), once the plan is computed and before any write: warnings
    join the plan, notes go to `say`; show the plan, then `gtops.preflight.fail` stops on errors."""
    if skip:
        return None
    from gtops.preflight import enforce

    return enforce(planned, applying, say)


def check_safety(plan: Plan, force: bool) -> None:
    risky = plan.needs_force()
    if risky and not force:
        # One line per reason: a roster guard can mark hundreds of workers with the same one.
        by_reason: dict[str, list[str]] = {}
        for change in risky:
            by_reason.setdefault(change.needs_force or "", []).append(str(change.address))
        lines = []
        for reason, addresses in by_reason.items():
            shown = addresses[0] if len(addresses) == 1 else f"{addresses[0]} and {len(addresses) - 1} more"
            lines.append(f"  {shown}: {reason}")
        raise UnsafePlan(
            "the plan includes changes that need --force:\n"
            + "\n".join(lines)
            + "\nReview them, then re-run with --force."
        )


def execute(
    planned: Planned,
    *,
    force: bool,
    approve: Callable[[], None],
    after: Callable[[ApplyReport], None],
    log: Callable[[str], None] | None = None,
) -> ApplyReport:
    """The one flow apply and destroy share once their plan is shown: the --force check, the user's
    approval, the steps, then `after` (apply verifies and records the plan; destroy checks what is gone)."""
    check_safety(planned.plan, force)
    approve()
    report = apply(planned, log=log)
    after(report)
    return report


def apply(planned: Planned, log: Callable[[str], None] | None = None) -> ApplyReport:
    from gtops.apply.context import ApplyContext
    from gtops.apply.runner import run

    ctx = ApplyContext(planned.aws, planned.setup, planned.live, log=log)
    return run(planned.plan, ctx, planned.desired)


def verify(
    spec: Spec,
    aws: AwsHandle,
    targets: list[Address] | None = None,
    applied: Plan | None = None,
    read_back: LiveIds | None = None,
) -> Planned:
    """Re-read AWS after apply: anything still different means the apply did not converge. With `applied`
    (the plan just applied), the workers are checked only where that plan changed them (`--verify=changed`:
    a few reads by e-mail, or the roster's pages when those cost less); without it, the whole roster.
    `read_back`: the apply's ids, with what it read back after its last writes (gtops.members.settle)."""
    from gtops.members import plan as members

    groups, users = (read_back.settled_groups, read_back.settled_users) if read_back else ({}, None)
    with members.read_back(groups, users):
        if applied is not None:
            with members.only_changed(applied):
                again = compute(spec, aws, targets)
        else:
            again = compute(spec, aws, targets)
    if not again.plan.empty:
        names = ", ".join(str(c.address) for c in again.plan.actionable)
        raise NotConverged(f"apply did not converge: still different after apply: {names}")
    return again
