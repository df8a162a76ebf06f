"""The machine plan: one JSON document for pipelines, stable across releases within a format_version.

Format version "1" (keys sorted, two-space indent, one document followed by a newline):

    {
      "format_version": "1",
      "account": "123456789012",          # "" when unknown
      "region": "us-east-1",
      "empty": false,                     # true when there is nothing to do
      "summary": {"add": 1, "change": 1, "destroy": 0},   # a replacement counts in add and destroy
      "warnings": ["..."],
      "changes": [                        # actionable changes only, in apply order (deletes first)
        {
          "address": "sagemaker_workteam.annotators",      # "<kind>.<name>"
          "kind": "sagemaker_workteam",
          "name": "annotators",
          "action": "update",             # create | update | replace | delete
          "actions": ["update"],          # replace is ["delete", "create"]: scan this list for "delete"
          "before": {...} | null,         # live fields (null for create)
          "after": {...} | null,          # desired fields (null for delete)
          "fields": [                     # field-level differences (update and replace)
            {"path": "description", "before": "old", "after": "new", "forces_replacement": false}
          ],
          "reason": "..." | null,
          "needs_force": "..." | null     # why this change is refused without --force
        }
      ]
    }

Values known only after apply are the string "(known after apply)". Secret values (under keys naming a secret
or password) are the string "(sensitive value)", exactly as in the text and Markdown renderings.
New keys may be added within version "1"; removing or changing the meaning of a key bumps the version.

`gtops drift --format json` writes the same document read in the drift text's direction, with `"drift": true`:
each change is what happened outside gtops (`action` "update": changed, "delete": deleted outside gtops,
"create": created outside gtops), `before` is what the spec says and `after` what AWS has now (fields too),
and `summary` is `{"changed": N, "deleted": N, "created": N}`.
"""

from __future__ import annotations

import json
from typing import IO, Any

from gtops.plan import Action, Plan, as_drift
from gtops.render._values import SENSITIVE, is_sensitive, mask


def _masked_change(change: dict[str, Any]) -> dict[str, Any]:
    out = dict(change)
    out["before"] = mask(change["before"], replacement=SENSITIVE)
    out["after"] = mask(change["after"], replacement=SENSITIVE)
    fields = []
    for f in change["fields"]:
        f = dict(f)
        if is_sensitive(f["path"], f["before"]) or is_sensitive(f["path"], f["after"]):
            f["before"] = f["after"] = SENSITIVE
        else:
            f["before"] = mask(f["before"], f["path"], SENSITIVE)
            f["after"] = mask(f["after"], f["path"], SENSITIVE)
        fields.append(f)
    out["fields"] = fields
    return out


def plan_document(plan: Plan) -> dict[str, Any]:
    """`Plan.to_dict()` with secrets masked: the exact document `render_json` writes."""
    doc = plan.to_dict()
    doc["changes"] = [_masked_change(c) for c in doc["changes"]]
    return doc


def drift_document(plan: Plan) -> dict[str, Any]:
    """The drift report: the plan's changes seen from AWS, in the direction of the drift text."""
    doc = plan_document(plan)
    drifted = [as_drift(c) for c in plan.actionable]
    doc["changes"] = [_masked_change(c.to_dict()) for c in drifted]
    for change in doc["changes"]:
        change["needs_force"] = None
    doc["summary"] = {
        "changed": sum(c.action is Action.UPDATE for c in drifted),
        "deleted": sum(c.action is Action.DELETE for c in drifted),
        "created": sum(c.action is Action.CREATE for c in drifted),
    }
    doc["drift"] = True
    return doc


def render_json(plan: Plan, fh: IO[str], drift: bool = False) -> None:
    document = drift_document(plan) if drift else plan_document(plan)
    json.dump(document, fh, sort_keys=True, indent=2, default=str)
    fh.write("\n")
