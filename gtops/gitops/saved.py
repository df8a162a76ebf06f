"""The saved-plan policy: `gtops apply plan.json` applies exactly the reviewed plan, once, or refuses.

A saved plan is refused, naming what moved, when its spec files changed (checked by sha256 before they are
parsed), when it was made for another region or account, when it or another plan has been applied since,
when a resource it read changed in AWS, or when the plan recomputed now would differ from the saved one.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gtops.errors import GtopsError
from gtops.gitops import planfile
from gtops.gitops.planfile import StalePlan

if TYPE_CHECKING:
    from gtops.engine import Planned
    from gtops.model import Address
    from gtops.settings import Settings
    from gtops.spec import Spec


@dataclass
class SavedPlan:
    path: Path
    doc: dict[str, Any]
    spec: Spec
    settings: Settings  # the run's settings, with the plan's region
    targets: list[Address]

    @property
    def plan_id(self) -> str:
        return str(self.doc["plan_id"])


def open_saved(path: Path, settings: Settings, cli_vars: dict[str, str], targeted: bool) -> SavedPlan:
    """Read a plan file and the spec it was made from (refusing a spec that moved since)."""
    from gtops.gitops.target import parse_targets
    from gtops.spec import load_spec

    if targeted:
        raise GtopsError(
            "--target cannot be combined with a plan file: the plan file records its own targets"
        )
    doc = planfile.load(path)
    if settings.region and settings.region != doc["region"]:
        raise GtopsError(f"the plan was made for region {doc['region']}, not {settings.region}")
    settings = dataclasses.replace(settings, region=doc["region"])
    variables = planfile.plan_vars(doc, cli_vars)
    spec = load_spec(planfile.spec_paths(doc, path), cli_vars=variables, allow_outside=settings.allow_outside)
    moved = planfile.spec_problems(doc, spec)
    if moved:
        raise StalePlan(
            f"the spec changed since plan {doc['plan_id']} was made: {', '.join(moved)}. "
            "Make and review a new plan."
        )
    return SavedPlan(path, doc, spec, settings, parse_targets(doc.get("targets")))


def refuse_if_stale(saved: SavedPlan, planned: Planned) -> None:
    """Everything the plan was computed from must be as it was, and the plan must not have run yet."""
    from gtops.render.json import plan_document

    doc, plan_id = saved.doc, saved.plan_id
    if doc.get("account") and planned.plan.account and doc["account"] != planned.plan.account:
        raise StalePlan(f"the plan was made in account {doc['account']}, not {planned.plan.account}")
    last = planfile.last_applied(planned)
    if last == plan_id:
        raise StalePlan(
            f"plan {plan_id} ({saved.path}) has already been applied; a saved plan applies once. "
            "Make a new plan."
        )
    if last != doc.get("previous_plan"):
        raise StalePlan(
            f"another apply (plan {last}) has run since plan {plan_id} was made. Make a new plan."
        )
    live = planfile.live_problems(doc, planned)
    if live:
        raise StalePlan(
            f"AWS changed since plan {plan_id} was made: {'; '.join(live)}. Make and review a new plan."
        )
    now_doc = plan_document(planned.plan)
    if planfile.checksum(now_doc) != doc["checksum"]:
        differ = planfile.changed_addresses(doc, now_doc)
        raise StalePlan(
            f"plan {plan_id} no longer matches what apply would do: {', '.join(differ)}. "
            "Make and review a new plan."
        )


NO_LOCK = (
    'without `lock:` in the spec, "a saved plan applies once" holds only on this machine: two machines '
    "applying this file at the same moment could both apply it. Add `lock: {bucket: ...}` to the spec for "
    "pipelines."
)
