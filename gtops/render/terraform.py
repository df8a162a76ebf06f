"""The plan in Terraform's JSON plan format (`terraform show -json`), for the tools that already read it:
OPA/conftest policies, plan summarisers, cost and review bots.

Terraform's format (developer.hashicorp.com/terraform/internals/json-format, format_version "1.2" as written
by Terraform 1.x's jsonplan) and how gtops fills it:

    {
      "format_version": "1.2",
      "gtops_version": "0.1.0",                 # in place of terraform_version
      "applyable": true,                        # the plan has something to do
      "errored": false,
      "planned_values": {"root_module": {"resources": [   # what exists after apply (known values only)
        {"address", "mode": "managed", "type", "name", "provider_name": "gtops", "schema_version": 0,
         "values": {...}, "sensitive_values": {...}}]}},
      "resource_changes": [                     # every resource of the spec, no-ops included, in apply order
        {
          "address": "sagemaker_workteam.annotators",   # gtops's address: <type>.<name>
          "mode": "managed", "type": "sagemaker_workteam", "name": "annotators", "provider_name": "gtops",
          "change": {
            "actions": ["update"],              # ["no-op"] ["create"] ["update"] ["delete", "create"]...
            "before": {...} | null,             # null for a create
            "after": {...} | null,              # null for a delete; values known only after apply left out
            "after_unknown": {...},             # true where a value is known only after apply
            "before_sensitive": {...} | false,  # true where a value is secret (its value is null above)
            "after_sensitive": {...} | false,
            "replace_paths": [["sign_in"]]      # replacements only: the fields that force it
          },
          "action_reason": "replace_because_cannot_update"   # replacements only
        }
      ],
      "resource_drift": []                      # `gtops drift --format terraform-json`: what changed outside
    }

gtops's actions map onto Terraform's: create, update, no-op, delete, and a replacement is
["delete", "create"] (gtops deletes first). Stopping a labeling job (AWS cannot delete one: gtops stops it
and AWS keeps its record) is ["delete"]: the job leaves gtops's management, and a policy that scans
`actions` for "delete" sees it.
Values only AWS can tell (pool ids, the portal URL) are left out of `after` (null inside a list) and true
in `after_unknown`, as Terraform does. Unlike Terraform, which writes sensitive values in the clear, gtops
writes null for a secret and true in `before_sensitive`/`after_sensitive`. Terraform's `prior_state`,
`configuration` and `variables` are not written (gtops has no state file, and variables may be secrets).

In `resource_drift` (drift), each entry is what changed outside gtops, as the drift text reads it: `before`
is what the spec says and `after` what AWS has now; ["delete"] was deleted outside gtops and ["create"]
created outside it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import IO, Any

from gtops import __version__
from gtops.model import Ref, plain
from gtops.plan import ACTIONS_LIST, Action, Change, Plan, as_drift
from gtops.render._values import is_sensitive

FORMAT_VERSION = "1.2"
PROVIDER = "gtops"
_OMIT = object()  # a value known only after apply: left out of `after`


def _walk(value: Any, path: list[str]) -> tuple[Any, Any, Any]:
    """(value as written, its unknown-tree, its sensitive-tree): Terraform's unknownAsBool and
    SensitiveAsBool, where an object leaves out its known (non-secret) scalars and a list keeps a place
    for each element."""
    if isinstance(value, Ref):
        return _OMIT, True, False
    if is_sensitive(path, value):
        return None, False, True
    if isinstance(value, Mapping):
        out: dict[str, Any] = {}
        unknown: dict[str, Any] = {}
        secret: dict[str, Any] = {}
        for key, item in value.items():
            val, unk, sec = _walk(item, [*path, str(key)])
            if val is not _OMIT:
                out[str(key)] = val
            if unk is not False:
                unknown[str(key)] = unk
            if sec is not False:
                secret[str(key)] = sec
        return out, unknown, secret
    if isinstance(value, (list, tuple)):
        walked = [_walk(item, path) for item in value]
        return (
            [None if val is _OMIT else val for val, _, _ in walked],
            [unk for _, unk, _ in walked],
            [sec for _, _, sec in walked],
        )
    return plain(value), False, False


def change_representation(change: Change) -> dict[str, Any]:
    if change.before is None:
        before, before_sensitive = None, False
    else:
        before, _, before_sensitive = _walk(change.before, [])
    after_unknown: Any
    if change.after is None:
        after, after_unknown, after_sensitive = None, {}, False
    else:
        after, after_unknown, after_sensitive = _walk(change.after, [])
    out: dict[str, Any] = {
        "actions": list(ACTIONS_LIST[change.action]),
        "before": before,
        "after": None if after is _OMIT else after,
        "after_unknown": after_unknown,
        "before_sensitive": before_sensitive,
        "after_sensitive": after_sensitive,
    }
    if change.action is Action.REPLACE:
        out["replace_paths"] = [f.path.split(".") for f in change.fields if f.forces_replacement]
    return out


def resource_change(change: Change) -> dict[str, Any]:
    out: dict[str, Any] = {
        "address": str(change.address),
        "mode": "managed",
        "type": change.address.kind,
        "name": change.address.name,
        "provider_name": PROVIDER,
        "change": change_representation(change),
    }
    if change.action is Action.REPLACE:
        out["action_reason"] = "replace_because_cannot_update"
    return out


def _planned_resource(change: Change) -> dict[str, Any]:
    values, _, sensitive = _walk(change.after, [])
    return {
        "address": str(change.address),
        "mode": "managed",
        "type": change.address.kind,
        "name": change.address.name,
        "provider_name": PROVIDER,
        "schema_version": 0,
        "values": values,
        "sensitive_values": sensitive if isinstance(sensitive, dict) else {},
    }


def terraform_document(plan: Plan, drift: bool = False) -> dict[str, Any]:
    """The plan (or, with `drift`, the drift report) as Terraform's JSON plan representation."""
    from gtops.redact import redact_data

    doc: dict[str, Any] = {
        "format_version": FORMAT_VERSION,
        "gtops_version": __version__,
        "applyable": not drift and not plan.empty,
        "errored": False,
    }
    if drift:
        doc["resource_changes"] = []
        doc["resource_drift"] = [resource_change(as_drift(c)) for c in plan.actionable]
    else:
        remaining = [
            c for c in plan.changes if c.action is not Action.DELETE and isinstance(c.after, Mapping)
        ]
        doc["planned_values"] = {"root_module": {"resources": [_planned_resource(c) for c in remaining]}}
        doc["resource_changes"] = [resource_change(c) for c in plan.changes]
        doc["resource_drift"] = []
    redacted: dict[str, Any] = redact_data(doc)
    return redacted


def render_terraform_json(plan: Plan, fh: IO[str], drift: bool = False) -> None:
    json.dump(terraform_document(plan, drift), fh, indent=2, default=str)
    fh.write("\n")
