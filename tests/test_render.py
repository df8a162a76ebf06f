"""The three plan renderings (text, JSON, Markdown) and the drift text, from hand-built plans."""

from __future__ import annotations

import io
import json
import re

import pytest

from gtops.errors import GtopsError
from gtops.model import Address, Ref
from gtops.plan import Action, Change, FieldChange, Plan
from gtops.render import render
from gtops.render.json import render_json
from gtops.render.markdown import escape_cell, render_markdown
from gtops.render.text import render_drift_text, render_text

SECRET = "s3cr3t-Hunter2-XYZ"
TEMP_PASSWORD = "TempPw!98765"
POOL = Address("cognito_user_pool", "LabelUserPool")
WORKFORCE = Address("sagemaker_workforce", "default")
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def full_plan() -> Plan:
    """One of each action, given out of order: the Plan sorts deletes first."""
    changes = [
        Change(
            Address("sagemaker_workteam", "test2"),
            Action.UPDATE,
            before={"description": "old team", "groups": ["Label-group"], "tags": {"env": "dev", "a": "1"}},
            after={
                "description": "new team",
                "groups": ["Label-group", "Reviewers"],
                "tags": {"env": "prod", "a": "1", "gtops:managed": "true"},
            },
            fields=[
                FieldChange("description", "old team", "new team"),
                FieldChange("groups", ["Label-group"], ["Label-group", "Reviewers"]),
                FieldChange(
                    "tags", {"env": "dev", "a": "1"}, {"env": "prod", "a": "1", "gtops:managed": "true"}
                ),
            ],
        ),
        Change(
            Address("cognito_user_group", "Label-group"),
            Action.CREATE,
            after={
                "description": "Train/car labelers",
                "precedence": 1,
                "pool_id": Ref(POOL, "id"),
                "tags": {"project": "labeling"},
            },
        ),
        Change(
            Address("cognito_user_pool_client", "labelclient"),
            Action.UPDATE,
            before={"client_secret": SECRET, "generate_secret": True},
            after={"client_secret": SECRET + "-new", "generate_secret": True},
            fields=[
                FieldChange("client_secret", SECRET, SECRET + "-new"),
                FieldChange("callback_urls", ["https://old.example.com/cb"], [Ref(WORKFORCE, "subdomain")]),
            ],
        ),
        Change(
            POOL,
            Action.REPLACE,
            before={"sign_in": "email", "password_policy": {"min_length": 8}},
            after={"sign_in": "username", "password_policy": {"min_length": 12}},
            fields=[
                FieldChange("sign_in", "email", "username", forces_replacement=True),
                FieldChange("password_policy.min_length", 8, 12),
            ],
            reason="sign_in cannot change after the pool is created",
            needs_force="replacing the pool loses every user",
        ),
        Change(
            Address("cognito_user", "bob@example.com"),
            Action.DELETE,
            before={"email": "bob@example.com", "temporary_password": TEMP_PASSWORD, "enabled": True},
            reason="bob@example.com is not in the roster",
            needs_force="deleting cognito_user.bob@example.com loses the worker's history",
        ),
        Change(
            Address("sns_topic", "notify"), Action.NOOP, before={"name": "notify"}, after={"name": "notify"}
        ),
    ]
    return Plan(
        changes,
        region="us-east-1",
        account="123456789012",
        warnings=["3 Cognito users are not in the roster and prune.members is false"],
    )


def text(plan: Plan, **kw) -> str:
    fh = io.StringIO()
    render_text(plan, fh, **kw)
    return fh.getvalue()


def drift(plan: Plan, **kw) -> str:
    fh = io.StringIO()
    render_drift_text(plan, fh, **kw)
    return fh.getvalue()


def markdown(plan: Plan, **kw) -> str:
    fh = io.StringIO()
    render_markdown(plan, fh, **kw)
    return fh.getvalue()


def as_json(plan: Plan) -> dict:
    fh = io.StringIO()
    render_json(plan, fh)
    return json.loads(fh.getvalue())


def block(out: str, address: str) -> str:
    """The lines of one resource's section, from its `# address` header to the closing brace."""
    start = out.index(f"  # {address} ")
    end = out.index("\n    }\n", start)
    return out[start:end]


# -- text ----------------------------------------------------------------------------------------------


def test_text_header_legend_and_summary():
    out = text(full_plan())
    lines = out.splitlines()
    assert lines[0] == "gtops will perform the following actions in 123456789012 / us-east-1:"
    assert "  + create" in lines and "  ~ update in-place" in lines and "  - destroy" in lines
    assert "-/+ destroy and then create replacement" in lines
    # A replacement counts as one add and one destroy, as in Terraform.
    assert "Plan: 2 to add, 2 to change, 2 to destroy." in lines
    # Warnings come after the summary.
    assert lines.index("Plan: 2 to add, 2 to change, 2 to destroy.") < lines.index(
        "Warning: 3 Cognito users are not in the roster and prune.members is false"
    )


def test_legend_lists_only_actions_present():
    plan = Plan([Change(Address("cognito_user_group", "g"), Action.CREATE, after={"description": "d"})])
    out = text(plan)
    assert "  + create" in out.splitlines()
    assert "update in-place" not in out and "destroy" not in out.split("Plan:")[0]
    assert out.rstrip().endswith("Plan: 1 to add, 0 to change, 0 to destroy.")


def test_text_order_deletes_first_then_dependency_order():
    out = text(full_plan())
    headers = re.findall(r"^  # (\S+) (will|must)", out, re.M)
    assert [h[0] for h in headers] == [
        "cognito_user.bob@example.com",
        "cognito_user_pool.LabelUserPool",
        "cognito_user_group.Label-group",
        "cognito_user_pool_client.labelclient",
        "sagemaker_workteam.test2",
    ]
    assert "sns_topic.notify" not in out  # no-ops are not shown


def test_text_create_block_with_known_after_apply_and_nested_map():
    section = block(text(full_plan()), "cognito_user_group.Label-group")
    assert section.splitlines() == [
        "  # cognito_user_group.Label-group will be created",
        '  + cognito_user_group "Label-group" {',
        '      + description = "Train/car labelers"',
        "      + precedence  = 1",
        "      + pool_id     = (known after apply)",
        "      + tags        = {",
        '          + project = "labeling"',
        "        }",
    ]


def test_text_update_shows_only_changed_fields_with_nested_diff():
    section = block(text(full_plan()), "sagemaker_workteam.test2")
    lines = section.splitlines()
    assert lines[0] == "  # sagemaker_workteam.test2 will be updated in-place"
    assert '      ~ description = "old team" -> "new team"' in lines
    assert '      ~ groups      = ["Label-group"] -> ["Label-group", "Reviewers"]' in lines
    # Nested maps diff key by key; the unchanged key is hidden, a key that is not an identifier is quoted.
    assert '          ~ env             = "dev" -> "prod"' in lines
    assert '          + "gtops:managed" = "true"' in lines
    assert "            # (1 unchanged element hidden)" in lines
    assert ' a = "1"' not in section


def test_text_replace_marks_forcing_field_reason_and_force():
    section = block(text(full_plan()), "cognito_user_pool.LabelUserPool")
    lines = section.splitlines()
    assert lines[:4] == [
        "  # cognito_user_pool.LabelUserPool must be replaced",
        "  # (because sign_in cannot change after the pool is created)",
        "  # (requires --force: replacing the pool loses every user)",
        '-/+ cognito_user_pool "LabelUserPool" {',
    ]
    assert '      ~ sign_in                    = "email" -> "username" # forces replacement' in lines
    # password_policy is a setting about passwords, not a secret: it stays visible.
    assert "      ~ password_policy.min_length = 8 -> 12" in lines


def test_text_delete_shows_before_values_and_needs_force():
    section = block(text(full_plan()), "cognito_user.bob@example.com")
    lines = section.splitlines()
    assert lines[0] == "  # cognito_user.bob@example.com will be destroyed"
    assert "  # (because bob@example.com is not in the roster)" in lines
    assert "  # (requires --force: deleting cognito_user.bob@example.com loses the worker's history)" in lines
    assert '      - email              = "bob@example.com"' in lines
    assert "      - enabled            = true" in lines


def test_reason_already_starting_with_because_is_not_doubled():
    plan = Plan([Change(Address("cognito_user_group", "g"), Action.DELETE, before={}, reason="because gone")])
    assert "  # (because gone)" in text(plan).splitlines()


def test_text_masks_secrets_and_shows_unknowns():
    out = text(full_plan())
    assert SECRET not in out and TEMP_PASSWORD not in out
    assert "      ~ client_secret = (sensitive value)" in out.splitlines()
    assert "      - temporary_password = (sensitive value)" in out.splitlines()
    assert '~ callback_urls = ["https://old.example.com/cb"] -> [(known after apply)]' in out


def test_secret_keys_are_case_insensitive_and_flags_about_secrets_stay_visible():
    plan = Plan(
        [
            Change(
                Address("cognito_user_pool_client", "c"),
                Action.CREATE,
                after={
                    "ClientSecret": SECRET,
                    "generate_secret": True,
                    "password_policy": {"temporary_password_days": 7, "require_symbols": True},
                    "attributes": {"custom:Password": TEMP_PASSWORD},
                },
            )
        ]
    )
    for out in (text(plan), markdown(plan), json.dumps(as_json(plan))):
        assert SECRET not in out and TEMP_PASSWORD not in out
    lines = text(plan).splitlines()
    assert "      + ClientSecret    = (sensitive value)" in lines
    assert "      + generate_secret = true" in lines
    assert "          + temporary_password_days = 7" in lines
    assert '          + "custom:Password" = (sensitive value)' in lines


def test_long_lists_and_multiline_text_are_readable():
    urls_before = [f"https://portal-{i}.labeling.example.com/oauth2/idpresponse" for i in range(2)]
    urls_after = [urls_before[1], "https://new.labeling.example.com/oauth2/idpresponse"]
    plan = Plan(
        [
            Change(
                Address("cognito_invitation", "portal"),
                Action.UPDATE,
                fields=[
                    FieldChange(
                        "message", "Hi {username}\nPassword: {####}\n", "Hi {username}\nCode {####}\n"
                    ),
                    FieldChange("callback_urls", urls_before, urls_after),
                ],
            )
        ]
    )
    lines = text(plan).splitlines()
    start = lines.index("      ~ message       = <<-EOT")
    assert lines[start + 1 : start + 5] == [
        "          Hi {username}",
        "        - Password: {####}",
        "        + Code {####}",
        "        EOT",
    ]
    start = lines.index("      ~ callback_urls = [")
    assert lines[start + 1 : start + 5] == [
        f'          - "{urls_before[0]}",',
        f'            "{urls_before[1]}",',
        f'          + "{urls_after[1]}",',
        "        ]",
    ]


def test_field_added_or_removed_uses_plus_and_minus():
    plan = Plan(
        [
            Change(
                Address("sagemaker_workforce", "default"),
                Action.UPDATE,
                fields=[FieldChange("source_ips", None, ["203.0.113.0/24"]), FieldChange("oidc", "x", None)],
            )
        ]
    )
    lines = text(plan).splitlines()
    assert '      + source_ips = ["203.0.113.0/24"]' in lines
    assert '      - oidc       = "x" -> null' in lines


def test_empty_plan_text_is_exact():
    plan = Plan([Change(Address("sns_topic", "t"), Action.NOOP, before={}, after={})], region="us-east-1")
    assert text(plan) == "No changes. AWS matches the spec.\n"
    warned = Plan([], warnings=["pool has deletion protection off"])
    assert text(warned) == "No changes. AWS matches the spec.\n\nWarning: pool has deletion protection off\n"


def test_colour_only_when_asked():
    plain_out = text(full_plan())
    coloured = text(full_plan(), color=True)
    assert "\x1b[" not in plain_out
    assert "\x1b[32m+\x1b[0m" in coloured  # green +
    assert "\x1b[33m~\x1b[0m" in coloured  # yellow ~
    assert "\x1b[31m-\x1b[0m" in coloured  # red -
    assert "\x1b[1m" in coloured  # bold headers
    # Colour is decoration only: stripping it gives back the plain text.
    assert ANSI.sub("", coloured) == plain_out
    assert "\x1b[" not in drift(full_plan()) and "\x1b[" in drift(full_plan(), color=True)


# -- drift ---------------------------------------------------------------------------------------------


def test_drift_phrasing_and_direction():
    out = drift(full_plan())
    lines = out.splitlines()
    assert lines[0] == "Note: Objects have changed outside of gtops"
    assert "  # cognito_user.bob@example.com has been created outside gtops" in lines
    assert "  # cognito_user_group.Label-group has been deleted" in lines
    assert "  # sagemaker_workteam.test2 has changed" in lines
    assert "  # cognito_user_pool.LabelUserPool has changed" in lines
    # Drift reads from the spec to what AWS has now.
    assert '      ~ description = "new team" -> "old team"' in lines
    assert "will be" not in out and "Plan:" not in out and "requires --force" not in out
    assert "Drift: 5 resources differ from the spec." in lines
    assert SECRET not in out and TEMP_PASSWORD not in out


def test_no_drift():
    assert drift(Plan([])) == "No drift. AWS matches the spec.\n"
    one = Plan([Change(Address("cognito_user_group", "g"), Action.CREATE, after={"description": "d"})])
    assert "Drift: 1 resource differs from the spec." in drift(one).splitlines()


# -- JSON ----------------------------------------------------------------------------------------------


def test_json_is_one_document_with_version_and_action_lists():
    fh = io.StringIO()
    render_json(full_plan(), fh)
    raw = fh.getvalue()
    assert raw.endswith("}\n")
    doc = json.loads(raw)  # raises on a second document or trailing text
    assert doc["format_version"] == "1"
    assert doc["summary"] == {"add": 2, "change": 2, "destroy": 2, "stop": 0}
    assert doc["empty"] is False
    actions = {c["address"]: c["actions"] for c in doc["changes"]}
    assert actions["cognito_user_pool.LabelUserPool"] == ["delete", "create"]
    assert actions["cognito_user.bob@example.com"] == ["delete"]
    assert "sns_topic.notify" not in actions
    assert [c["address"] for c in doc["changes"]][0] == "cognito_user.bob@example.com"
    group = next(c for c in doc["changes"] if c["kind"] == "cognito_user_group")
    assert group["after"]["pool_id"] == "(known after apply)"
    assert doc["warnings"] == ["3 Cognito users are not in the roster and prune.members is false"]
    # Deterministic: keys sorted, so pipelines can diff two plans.
    assert raw == json.dumps(doc, sort_keys=True, indent=2) + "\n"


def test_json_masks_secrets_everywhere():
    raw = json.dumps(as_json(full_plan()))
    assert SECRET not in raw and TEMP_PASSWORD not in raw
    doc = as_json(full_plan())
    client = next(c for c in doc["changes"] if c["kind"] == "cognito_user_pool_client")
    assert client["before"]["client_secret"] == "(sensitive value)"
    assert client["fields"][0] == {
        "path": "client_secret",
        "before": "(sensitive value)",
        "after": "(sensitive value)",
        "forces_replacement": False,
    }
    assert client["before"]["generate_secret"] is True


def test_json_empty_plan():
    doc = as_json(Plan([], region="eu-west-1"))
    assert doc["empty"] is True and doc["changes"] == [] and doc["region"] == "eu-west-1"


# -- Markdown ------------------------------------------------------------------------------------------


def test_markdown_heading_summary_and_table_rows():
    out = markdown(full_plan())
    lines = out.splitlines()
    assert lines[0] == "### gtops plan: 123456789012 / us-east-1"
    assert "**Plan: 2 to add, 2 to change, 2 to destroy.**" in lines
    header = lines.index("| Action | Resource | Changes |")
    rows = lines[header + 2 : header + 6]
    # Workers are counted in a table of their own (masked), not listed as resources.
    assert [r.split(" | ")[0:2] for r in rows] == [
        ["| `-/+`", "`cognito_user_pool.LabelUserPool`"],
        ["| `+`", "`cognito_user_group.Label-group`"],
        ["| `~`", "`cognito_user_pool_client.labelclient`"],
        ["| `~`", "`sagemaker_workteam.test2`"],
    ]
    assert 'description: `"old team"` → `"new team"`' in rows[3]
    assert 'sign_in: `"email"` → `"username"` (forces replacement)' in rows[0]
    assert rows[0].count("**requires --force**") == 1
    assert "requires --force" not in rows[1] + rows[2] + rows[3]
    assert "| `-` remove | 1 |  | `b…@e….com` |" in lines
    assert "**Workers require --force:** deleting cognito_user.b…@e….com loses the worker's history" in lines
    assert "bob@example.com" not in out
    assert "**Warning:** 3 Cognito users are not in the roster and prune.members is false" in lines


def test_markdown_details_holds_full_plan_as_diff():
    out = markdown(full_plan())
    assert "<details><summary>Full plan</summary>" in out and "\n</details>\n" in out
    body = out.split("```diff\n", 1)[1].split("\n```\n", 1)[0]
    # Symbols moved to column 0 so GitHub colours the lines.
    assert '+       description = "Train/car labelers"' in body.splitlines()
    assert "Plan: 2 to add, 2 to change, 2 to destroy." in body


def test_markdown_escapes_pipes_newlines_and_html():
    assert escape_cell("a|b\nc<script>") == "a\\|b<br>c&lt;script&gt;"
    plan = Plan(
        [
            Change(
                Address("sagemaker_workteam", "t"),
                Action.UPDATE,
                fields=[FieldChange("description", "x | y", "line1\nline2 | <b>")],
                reason=None,
            )
        ]
    )
    out = markdown(plan)
    row = next(line for line in out.splitlines() if line.startswith("| `~`"))
    # Exactly four unescaped pipes: the three columns stay three columns.
    assert len(re.findall(r"(?<!\\)\|", row)) == 4
    assert "<b>" not in row


def test_markdown_masks_secrets_and_empty_plan():
    out = markdown(full_plan())
    assert SECRET not in out and TEMP_PASSWORD not in out
    assert "client_secret: (sensitive value)" in out
    empty = markdown(Plan([], account="123456789012", region="us-east-1"))
    assert empty == "### gtops plan: 123456789012 / us-east-1\n\nNo changes. AWS matches the spec.\n"


# -- dispatch ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["text", "json", "markdown"])
def test_render_dispatch_matches_direct_renderers(fmt):
    direct = {"text": text, "markdown": markdown}
    fh = io.StringIO()
    render(full_plan(), fmt, fh)
    if fmt == "json":
        assert json.loads(fh.getvalue()) == as_json(full_plan())
    else:
        assert fh.getvalue() == direct[fmt](full_plan())


def test_render_drift_and_colour_flags_and_unknown_format():
    fh = io.StringIO()
    render(full_plan(), "text", fh, color=True, drift=True)
    assert fh.getvalue() == drift(full_plan(), color=True)
    fh = io.StringIO()
    render(full_plan(), "markdown", fh, drift=True)
    assert fh.getvalue().startswith(
        "### gtops drift: 123456789012 / us-east-1\n\n**Drift: 5 resources differ"
    )
    with pytest.raises(GtopsError, match="unknown output format 'yaml'"):
        render(full_plan(), "yaml", io.StringIO())


def _roster_plan(invites: int) -> Plan:
    changes = [
        Change(
            Address("cognito_user", f"w{i:04d}@example.com"),
            Action.CREATE,
            None,
            {"email": f"w{i:04d}@example.com", "groups": ["g1"], "enabled": True, "attributes": {}},
        )
        for i in range(invites)
    ]
    changes.append(
        Change(
            Address("cognito_user", "move@example.com"),
            Action.UPDATE,
            {"groups": ["g1"], "enabled": True},
            {"groups": ["g2"], "enabled": False},
            [FieldChange("enabled", True, False), FieldChange("groups", ["g1"], ["g2"])],
        )
    )
    return Plan(changes, region="us-east-1", account="123456789012")


def test_a_large_roster_takes_one_line_per_worker():
    out = io.StringIO()
    render_text(_roster_plan(500), out)
    text = out.getvalue()
    assert "# 501 workers (cognito_user): 500 to invite, 1 to change, 0 to remove" in text
    assert '  + w0042@example.com  groups=["g1"] enabled=true' in text
    assert '  ~ move@example.com  enabled: true -> false; groups: ["g1"] -> ["g2"]' in text
    assert "Plan: 500 to add, 1 to change, 0 to destroy." in text
    assert len(text.splitlines()) < 520  # one line each, not a block each


def test_a_small_roster_keeps_the_full_blocks():
    out = io.StringIO()
    render_text(_roster_plan(3), out)
    assert '+ cognito_user "w0001@example.com" {' in out.getvalue()


def test_stopping_a_job_is_shown_and_counted_as_a_stop_not_a_destroy():
    """AWS has no way to delete a labeling job: gtops stops it, and the job keeps its record and results."""
    job = Address("labeling_job", "old-job")
    team = Address("sagemaker_workteam", "gone")
    plan = Plan(
        [
            Change(job, Action.DELETE, {"name": "old-job"}, None, reason="not in the spec"),
            Change(team, Action.DELETE, {"name": "gone"}, None),
        ]
    )
    buf = io.StringIO()
    render_text(plan, buf)
    text = buf.getvalue()
    assert "# labeling_job.old-job will be stopped (AWS keeps its record and results)" in text
    assert "# sagemaker_workteam.gone will be destroyed" in text
    assert "Plan: 0 to add, 0 to change, 1 to destroy, 1 to stop." in text
    assert plan.counts() == {"add": 0, "change": 0, "destroy": 1, "stop": 1}
    md = io.StringIO()
    render_markdown(plan, md)
    assert "Plan: 0 to add, 0 to change, 1 to destroy, 1 to stop." in md.getvalue()
