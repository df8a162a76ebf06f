"""The JSON Schema (draft 2020-12) of the spec language, written to schemas/gtops.schema.json.

The setup-wide keys are described here; every kind contributes its own section (gtops/kinds/<kind>.py
`schema`), built from the blocks in gtops.spec.fields.

Two forms, one source: `build_schema()` is what gtops validates the rendered spec with (its x-message and
x-hint words the messages); `editor_schema()`, derived from it, is for files as written, where a spec
variable ({{ env }}) still stands for a value: that is the published file and `gtops schema`.
"""

from __future__ import annotations

import json
from typing import Any

from gtops.spec import fields as f


def build_schema() -> dict[str, Any]:
    """The whole schema as a dict (stable key order, so the committed file is reproducible)."""
    from gtops.kinds import REGISTRY

    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f.SCHEMA_ID,
        "title": "gtops spec",
        "description": "One Ground Truth private-labeling setup (Cognito pool, groups, client, domain, "
        "workforce, teams, workers and labeling jobs) in one account and region. Several files are merged "
        "into one setup: lists are concatenated, any other key may be set in one file only.",
        "type": "object",
        "additionalProperties": False,
        "patternProperties": {
            "^x-": {
                "description": "Ignored by gtops: a place for YAML anchors (&name) that entries below "
                "reuse with <<: *name."
            },
        },
        "properties": {
            "name": f.text(
                "Setup name, used in ownership tags and the lock key. Default: the pool name.",
                f.SETUP_NAME,
                "use letters, digits and _.-, at most 63 characters",
            ),
            "region": f.text(
                "AWS region, e.g. us-east-1 (--region overrides).", f.REGION, "a region looks like us-east-1"
            ),
            "root": f.text(
                "Folder that files named in the spec (rosters, templates, manifests, input folders, Lambda "
                "sources) must stay in, relative to this file. Default: the folder of the spec files. It may "
                "widen that up to the working folder, never beyond (--allow-outside lifts the rule).",
                minLength=1,
            ),
            "vars": {
                "type": "object",
                "description": "Variables for {{ name }} in spec files (overridden by the environment, "
                "GTOPS_VAR_<name> and --var name=value).",
                "propertyNames": {"pattern": f.VAR_NAME},
            },
            "tags": f.tags("Tags added to everything gtops creates that can be tagged."),
            "permissions_boundary": f.text(
                "ARN of a managed IAM policy set as the permissions boundary of every role gtops creates "
                "(managed job roles, roles of deployed Lambdas); a live role with another boundary gets "
                "this one. `gtops iam-policy` then lets the pipeline write roles only with this boundary.",
                f.POLICY_ARN,
                "must be an IAM policy ARN (arn:aws:iam::123456789012:policy/Name)",
                maxLength=2048,
            ),
            "prune": f.obj(
                "What gtops may remove when it is no longer in the spec (all default false: only reported).",
                {
                    "members": f.boolean("Delete Cognito users not in the roster."),
                    "jobs": f.boolean("Stop running jobs removed from the spec."),
                    "groups": f.boolean("Delete gtops-owned groups removed from the spec."),
                    "teams": f.boolean("Delete gtops-owned teams removed from the spec."),
                },
            ),
            "safety": f.obj(
                "Refuse plans that remove or disable too many workers at once (--force overrides).",
                {
                    "max_worker_change": {
                        "type": "number",
                        "minimum": 0,
                        "maximum": 1,
                        "description": "Largest share (0-1) of existing workers one plan "
                        "may remove or disable. Default 0.3.",
                    },
                    "min_workers": f.integer(
                        "The share check applies only from this many existing workers. Default 10.", 0
                    ),
                },
            ),
            "lock": f.obj(
                "Optional shared lock in S3 so two runs never apply at once.",
                {
                    "bucket": f.text(
                        "S3 bucket holding the lock.",
                        r"^[a-z0-9][a-z0-9.\-]{1,61}[a-z0-9]$",
                        "must be an S3 bucket name",
                    ),
                    "key": f.text("Object key of the lock (default gtops/locks/<name>.json).", minLength=1),
                },
                ("bucket",),
            ),
            # Each kind's own section, in dependency order (gtops/kinds/<kind>.py `schema`).
            **{kind.spec_key: kind.schema() for kind in REGISTRY if kind.spec_key and kind.schema},
        },
    }


TEMPLATE_REF = {"$ref": "#/$defs/template"}


def editor_schema() -> dict[str, Any]:
    """build_schema() for unrendered files: wherever a text must match a pattern or be one of a few values,
    a text holding a spec variable is accepted too. Variables themselves (`vars:`) stay literal."""
    schema = build_schema()
    schema["properties"] = {
        key: sub if key == "vars" else _templated(sub) for key, sub in schema["properties"].items()
    }
    schema["$defs"] = {"template": f.TEMPLATE}
    return schema


def _restricts_text(node: dict[str, Any]) -> bool:
    """Would a text holding {{ ... }} fail this schema for its value rather than its type?"""
    if "pattern" in node or isinstance(node.get("const"), str):
        return True
    if any(isinstance(value, str) for value in node.get("enum", ())):
        return True
    return any(
        _restricts_text(branch)
        for branch in node.get("anyOf", ())
        if branch.get("type") not in ("object", "array")
    )


def _templated(node: Any) -> Any:
    """`node` with every text restriction widened to accept a spec variable (descriptions kept in front)."""
    if not isinstance(node, dict):
        return node
    if _restricts_text(node):
        strict = {key: value for key, value in node.items() if key != "description"}
        described = {"description": node["description"]} if "description" in node else {}
        return {**described, "anyOf": [strict, TEMPLATE_REF]}
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key in ("properties", "patternProperties"):
            value = {name: _templated(sub) for name, sub in value.items()}
        elif key in ("items", "additionalProperties", "propertyNames", "then", "else"):
            value = _templated(value)
        elif key in ("anyOf", "oneOf", "allOf"):
            value = [_templated(sub) for sub in value]
        out[key] = value
    return out


def schema_json() -> str:
    """The published schema (schemas/gtops.schema.json, `gtops schema`): the editor form."""
    return json.dumps(editor_schema(), indent=2, ensure_ascii=False) + "\n"
