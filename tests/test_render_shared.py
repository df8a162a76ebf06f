"""The renderings of a plan that leave the terminal: Markdown for pull requests (bounded, workers grouped and
masked), Terraform's JSON for policy tools, and the drift JSON read in the drift text's direction."""

from __future__ import annotations

import io
import json
import re

import jsonschema
import pytest

from gtops.model import Address, Ref
from gtops.plan import Action, Change, FieldChange, Plan
from gtops.render import render
from gtops.render.json import drift_document
from gtops.render.markdown import LIMIT, render_markdown
from gtops.render.terraform import terraform_document
from gtops.render.text import drift_lines

SECRET = "s3cr3t-Hunter2-XYZ"
POOL = Address("cognito_user_pool", "LabelUserPool")
WORKFORCE = Address("sagemaker_workforce", "default")
GROUPS = ["annotators", "reviewers", "experts"]


def markdown(plan: Plan, **kw) -> str:
    fh = io.StringIO()
    render_markdown(plan, fh, **kw)
    return fh.getvalue()


def worker(i: int) -> str:
    return f"worker{i:05d}@example.com"


def roster_plan(n: int, extra: list[Change] | None = None, warnings: list[str] | None = None) -> Plan:
    """n worker changes: a third invites, a third group moves and disables, a third removals."""
    changes = []
    for i in range(n):
        email = worker(i)
        address = Address("cognito_user", email)
        group = GROUPS[i % 3]
        if i % 3 == 0:
            after = {
                "email": email,
                "phone": "+14155550100",
                "groups": [group],
                "enabled": True,
                "attributes": {"given_name": f"Given{i}"},
            }
            changes.append(Change(address, Action.CREATE, None, after))
        elif i % 3 == 1:
            before = {"email": email, "groups": ["annotators"], "enabled": True}
            after = {"email": email, "groups": ["reviewers"], "enabled": False}
            fields = [
                FieldChange("groups", ["annotators"], ["reviewers"]),
                FieldChange("enabled", True, False),
            ]
            changes.append(Change(address, Action.UPDATE, before, after, fields))
        else:
            before = {"email": email, "groups": ["experts"], "enabled": True}
            changes.append(Change(address, Action.DELETE, before, None, reason="not in the roster"))
    return Plan(changes + (extra or []), region="us-east-1", account="123456789012", warnings=warnings or [])


# -- Markdown: grouped, masked, bounded ------------------------------------------------------------------


def test_markdown_counts_workers_per_kind_of_change_and_per_group():
    out = markdown(roster_plan(30))
    assert "**Workers:** 30 workers (cognito_user): 10 to invite, 10 to change, 10 to remove" in out
    rows = {line.split(" | ")[0]: line for line in out.splitlines() if line.startswith("| `")}
    assert rows["| `+` invite"].split(" | ")[1:3] == ["10", "annotators 10"]
    assert rows["| `~` join a group"].split(" | ")[1:3] == ["10", "reviewers 10"]
    assert rows["| `~` leave a group"].split(" | ")[1:3] == ["10", "annotators 10"]
    assert rows["| `~` disable"].split(" | ")[1:3] == ["10", "reviewers 10"]
    assert rows["| `-` remove"].split(" | ")[1:3] == ["10", "experts 10"]
    # A few examples per row, masked; never a worker's row in the resource table.
    assert rows["| `+` invite"].endswith("| `w…@e….com`, `w…@e….com`, `w…@e….com` |")
    assert "| Action | Resource | Changes |" not in out


def test_markdown_masks_personal_data_unless_asked():
    plan = roster_plan(6, warnings=[f"1 workers in the pool are not in the spec: {worker(99)}"])
    masked = markdown(plan)
    for secret in ("@example.com", "+14155550100", "Given0", "worker00"):
        assert secret not in masked
    assert "w…@e….com" in masked
    shown = markdown(plan, show_members=True)
    assert worker(0) in shown and worker(99) in shown
    assert "The whole plan, every worker included, is in" in masked


def test_markdown_of_10000_worker_changes_stays_under_the_limit_and_points_to_the_plan_file():
    plan = roster_plan(10_000)
    for show in (False, True):
        out = markdown(plan, show_members=show, pointer="the plan file `plan.json`")
        assert len(out) < LIMIT
        assert "10,000 workers (cognito_user): 3,334 to invite, 3,333 to change, 3,333 to remove" in out
        assert "The whole plan, every worker included, is in the plan file `plan.json`." in out
    # The full plan's summary line is always there (the details block lists workers only on request).
    assert "Plan: 3334 to add, 3333 to change, 3333 to destroy." in markdown(plan)


def huge_plan() -> Plan:
    """Every part of a comment made huge at once."""
    big = "x" * 1_000_000
    team = Address("sagemaker_workteam", "t" * 5_000)
    extra = [
        Change(
            team,
            Action.UPDATE,
            {"description": "old"},
            {"description": big},
            [FieldChange("description", "old", big)],
            reason=big,
            needs_force=big,
        ),
        Change(Address("cognito_user_group", "g"), Action.CREATE, None, {"description": "line\n" * 200_000}),
    ]
    extra += [
        Change(Address("cognito_user_group", f"group-{i:05d}-" + "y" * 100), Action.CREATE, None, {"n": i})
        for i in range(3_000)
    ]
    loner = Change(
        Address("cognito_user", "many@example.com"),
        Action.CREATE,
        None,
        {"email": "many@example.com", "groups": [f"grp{i}-{'z' * 120}" for i in range(10_000)]},
    )
    warnings = [big, *(f"warning {i}" for i in range(100_000))]
    return roster_plan(10_000, [*extra, loner], warnings)


@pytest.mark.parametrize("drift", [False, True], ids=["plan", "drift"])
def test_markdown_bound_holds_with_huge_single_fields(drift):
    out = markdown(huge_plan(), drift=drift, pointer="p" * 100_000)
    assert len(out) < LIMIT
    assert "The whole plan, every worker included, is in ppp" in out
    assert out.count("<details") == out.count("</details>")
    assert "more resources | in the full plan |" in out  # the table was cut, and says so


def test_markdown_table_folds_away_when_long():
    groups = [
        Change(Address("cognito_user_group", f"g{i}"), Action.CREATE, None, {"n": i}) for i in range(30)
    ]
    out = markdown(Plan(groups[:3]))
    assert "<details open><summary>Changes by resource (3)</summary>" in out
    out = markdown(Plan(groups))
    assert "<details><summary>Changes by resource (30)</summary>" in out


def test_cli_markdown_is_the_bounded_renderer():
    fh = io.StringIO()
    render(roster_plan(10_000), "markdown", fh, pointer="the plan file `plan.json`")
    assert len(fh.getvalue()) < LIMIT


# -- Terraform's JSON plan ---------------------------------------------------------------------------------

# Terraform's documented plan representation (developer.hashicorp.com/terraform/internals/json-format):
# the shape every consumer (conftest/OPA policies, summarisers) relies on.
BOOL_TREE = {"anyOf": [{"type": "boolean"}, {"type": "object"}, {"type": "array"}]}
CHANGE = {
    "type": "object",
    "required": ["actions", "before", "after", "after_unknown", "before_sensitive", "after_sensitive"],
    "properties": {
        "actions": {
            "enum": [
                ["no-op"],
                ["create"],
                ["read"],
                ["update"],
                ["delete", "create"],
                ["create", "delete"],
                ["delete"],
            ]
        },
        "before": {"type": ["object", "null"]},
        "after": {"type": ["object", "null"]},
        "after_unknown": BOOL_TREE,
        "before_sensitive": BOOL_TREE,
        "after_sensitive": BOOL_TREE,
        "replace_paths": {
            "type": "array",
            "items": {"type": "array", "items": {"type": ["string", "integer"]}},
        },
    },
}
RESOURCE_CHANGE = {
    "type": "object",
    "required": ["address", "mode", "type", "name", "change"],
    "properties": {
        "address": {"type": "string"},
        "mode": {"const": "managed"},
        "type": {"type": "string"},
        "name": {"type": "string"},
        "provider_name": {"type": "string"},
        "change": CHANGE,
        "action_reason": {"type": "string"},
    },
}
PLAN_SCHEMA = {
    "type": "object",
    "required": ["format_version", "resource_changes"],
    "properties": {
        "format_version": {"type": "string", "pattern": r"^1\.\d+$"},
        "resource_changes": {"type": "array", "items": RESOURCE_CHANGE},
        "resource_drift": {"type": "array", "items": RESOURCE_CHANGE},
        "planned_values": {
            "type": "object",
            "required": ["root_module"],
            "properties": {
                "root_module": {
                    "type": "object",
                    "properties": {
                        "resources": {
                            "type": "array",
                            "items": {
                                "type": "object",
                                "required": ["address", "mode", "type", "name", "values", "sensitive_values"],
                            },
                        }
                    },
                }
            },
        },
    },
}


def every_action_plan() -> Plan:
    """create (with values known only after apply), update (a secret), replace, delete, no-op, a job stop."""
    return Plan(
        [
            Change(
                Address("cognito_user_group", "annotators"),
                Action.CREATE,
                None,
                {
                    "pool_id": Ref(POOL, "id"),
                    "description": "Annotators",
                    "callback_urls": ["https://fixed.example.com/cb", Ref(WORKFORCE, "subdomain")],
                    "tags": {"team": "a", "portal": Ref(WORKFORCE, "subdomain")},
                },
            ),
            Change(
                Address("cognito_user_pool_client", "portal"),
                Action.UPDATE,
                {"client_secret": SECRET, "generate_secret": True, "refresh_days": 30},
                {"client_secret": SECRET + "2", "generate_secret": True, "refresh_days": 10},
                [FieldChange("client_secret", SECRET, SECRET + "2"), FieldChange("refresh_days", 30, 10)],
            ),
            Change(
                POOL,
                Action.REPLACE,
                {"sign_in": "email", "password_policy": {"min_length": 8}},
                {"sign_in": "username", "password_policy": {"min_length": 8}},
                [FieldChange("sign_in", "email", "username", forces_replacement=True)],
                reason="sign_in cannot change after the pool is created",
                needs_force="replacing the pool loses every user",
            ),
            Change(Address("sagemaker_workteam", "old"), Action.DELETE, {"description": "old team"}, None),
            Change(Address("sns_topic", "notify"), Action.NOOP, {"name": "notify"}, {"name": "notify"}),
            Change(
                Address("labeling_job", "old-job"), Action.DELETE, {"name": "old-job"}, None, reason="gone"
            ),
        ],
        region="us-east-1",
        account="123456789012",
    )


def by_address(doc: dict, key: str = "resource_changes") -> dict[str, dict]:
    return {rc["address"]: rc for rc in doc[key]}


def test_terraform_json_walks_every_action_through_the_documented_shape():
    fh = io.StringIO()
    render(every_action_plan(), "terraform-json", fh)
    doc = json.loads(fh.getvalue())
    jsonschema.validate(doc, PLAN_SCHEMA)
    assert doc["format_version"] == "1.2" and doc["applyable"] is True
    rc = by_address(doc)
    assert len(rc) == 6  # every resource of the plan, the no-op included
    actions = {a: r["change"]["actions"] for a, r in rc.items()}
    assert actions == {
        "cognito_user_group.annotators": ["create"],
        "cognito_user_pool_client.portal": ["update"],
        "cognito_user_pool.LabelUserPool": ["delete", "create"],
        "sagemaker_workteam.old": ["delete"],
        "sns_topic.notify": ["no-op"],
        "labeling_job.old-job": ["delete"],  # a stop: the job leaves gtops's management
    }
    for address, r in rc.items():
        kind, _, name = address.partition(".")
        assert (r["type"], r["name"], r["mode"]) == (kind, name, "managed")
        change = r["change"]
        # Terraform's rules: a create has no before (and before_sensitive false); a delete no after.
        if change["actions"] == ["create"]:
            assert change["before"] is None and change["before_sensitive"] is False
        if change["actions"] == ["delete"]:
            assert change["after"] is None and change["after_sensitive"] is False
            assert change["after_unknown"] == {}
        if change["actions"] == ["no-op"]:
            assert change["before"] == change["after"]


def test_terraform_json_values_known_after_apply_and_secrets():
    doc = terraform_document(every_action_plan())
    group = by_address(doc)["cognito_user_group.annotators"]["change"]
    # Unknown: left out of an object, null in its place in a list; true in after_unknown.
    assert group["after"] == {
        "description": "Annotators",
        "callback_urls": ["https://fixed.example.com/cb", None],
        "tags": {"team": "a"},
    }
    assert group["after_unknown"] == {
        "pool_id": True,
        "callback_urls": [False, True],
        "tags": {"portal": True},
    }
    client = by_address(doc)["cognito_user_pool_client.portal"]["change"]
    assert client["before"]["client_secret"] is None and client["after"]["client_secret"] is None
    assert client["before_sensitive"] == {"client_secret": True}
    assert client["after_sensitive"] == {"client_secret": True}
    assert client["after"]["refresh_days"] == 10 and client["after"]["generate_secret"] is True
    assert SECRET not in json.dumps(doc)
    pool = by_address(doc)["cognito_user_pool.LabelUserPool"]
    assert pool["change"]["replace_paths"] == [["sign_in"]]
    assert pool["action_reason"] == "replace_because_cannot_update"
    # planned_values: what exists after apply (no deleted team, no stopped job), known values only.
    planned = {r["address"]: r for r in doc["planned_values"]["root_module"]["resources"]}
    assert set(planned) == {
        "cognito_user_group.annotators",
        "cognito_user_pool_client.portal",
        "cognito_user_pool.LabelUserPool",
        "sns_topic.notify",
    }
    assert "pool_id" not in planned["cognito_user_group.annotators"]["values"]
    assert planned["cognito_user_pool_client.portal"]["sensitive_values"] == {"client_secret": True}


def test_a_policy_that_scans_actions_for_delete_finds_replacements_deletes_and_stops():
    doc = terraform_document(every_action_plan())
    deleting = sorted(r["address"] for r in doc["resource_changes"] if "delete" in r["change"]["actions"])
    assert deleting == ["cognito_user_pool.LabelUserPool", "labeling_job.old-job", "sagemaker_workteam.old"]


# -- drift: one direction everywhere ----------------------------------------------------------------------


def drift_plan() -> Plan:
    """As gtops.gitops.drift builds it: the plan's changes (live -> spec) plus a worker added by hand."""
    team = Address("sagemaker_workteam", "test2")
    return Plan(
        [
            Change(
                team,
                Action.UPDATE,
                {"description": "edited by hand"},
                {"description": "labelTeam"},
                [FieldChange("description", "edited by hand", "labelTeam")],
            ),
            Change(Address("cognito_user_group", "gone"), Action.CREATE, None, {"description": "in spec"}),
            Change(
                Address("cognito_user", "mallory@example.com"),
                Action.DELETE,
                {"email": "mallory@example.com", "enabled": True},
                None,
                reason="added outside gtops",
            ),
        ],
        region="us-east-1",
        account="123456789012",
    )


def test_drift_json_reads_from_the_spec_to_aws_like_the_drift_text():
    plan = drift_plan()
    text = "\n".join(drift_lines(plan))
    assert '~ description = "labelTeam" -> "edited by hand"' in text
    doc = drift_document(plan)
    assert doc["drift"] is True
    changes = {c["address"]: c for c in doc["changes"]}
    team = changes["sagemaker_workteam.test2"]
    assert team["action"] == "update"
    assert (team["before"], team["after"]) == (
        {"description": "labelTeam"},
        {"description": "edited by hand"},
    )
    assert team["fields"] == [
        {"path": "description", "before": "labelTeam", "after": "edited by hand", "forces_replacement": False}
    ]
    # Deleted outside gtops / created outside gtops, as the text says ("has been deleted", "created outside").
    assert "# cognito_user_group.gone has been deleted" in text
    assert changes["cognito_user_group.gone"]["actions"] == ["delete"]
    assert changes["cognito_user_group.gone"]["after"] is None
    assert "# cognito_user.mallory@example.com has been created outside gtops" in text
    assert changes["cognito_user.mallory@example.com"]["actions"] == ["create"]
    assert changes["cognito_user.mallory@example.com"]["before"] is None
    assert doc["summary"] == {"changed": 1, "deleted": 1, "created": 1}
    fh = io.StringIO()
    render(plan, "json", fh, drift=True)
    assert json.loads(fh.getvalue()) == json.loads(json.dumps(doc))


def test_drift_in_terraform_json_is_resource_drift_in_the_same_direction():
    doc = terraform_document(drift_plan(), drift=True)
    jsonschema.validate(doc, PLAN_SCHEMA)
    assert doc["resource_changes"] == [] and doc["applyable"] is False
    drift = by_address(doc, "resource_drift")
    team = drift["sagemaker_workteam.test2"]["change"]
    assert team["actions"] == ["update"]
    assert (team["before"], team["after"]) == (
        {"description": "labelTeam"},
        {"description": "edited by hand"},
    )
    assert drift["cognito_user_group.gone"]["change"]["actions"] == ["delete"]
    assert drift["cognito_user.mallory@example.com"]["change"]["actions"] == ["create"]


def test_drift_markdown_counts_hand_added_workers_masked():
    out = markdown(drift_plan(), drift=True)
    assert (
        "1 worker (cognito_user) differs from the roster: 0 changed, 0 missing from the pool, 1 added" in out
    )
    assert "mallory@example.com" not in out and "m…@e….com" in out
    assert re.search(r"\| `\+` in the pool, not in the roster \| 1 \|", out)
