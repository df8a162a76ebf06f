"""Pure planner tables: (spec data, live resources) -> expected changes. No AWS at all."""

from __future__ import annotations

import copy

import pytest

from gtops.desired import build
from gtops.live import LiveState
from gtops.model import Address, Ref, Resource
from gtops.plan import Action
from gtops.planner import make_plan
from gtops.setup import Setup

SPEC = {
    "name": "demo",
    "region": "us-east-1",
    "notifications": {"topic": "label-notify"},
    "pool": {
        "name": "LabelUserPool",
        "sign_in": "email",
        "case_sensitive": False,
        "deletion_protection": True,
        "admin_only_create": True,
        "password_policy": {"min_length": 8, "require_symbols": True},
        "invitation": {"subject": "Hi", "message": "User {username} pw {####} at {portal_url}"},
    },
    "groups": [{"name": "Label-group", "description": "labelers"}],
    "client": {"name": "labelclient", "generate_secret": True, "token_revocation": True},
    "domain": "label-workteam",
    "workforce": {"name": "default", "source_ips": ["10.0.0.0/8"]},
    "teams": [{"name": "team-a", "description": "A", "groups": ["Label-group"], "notifications": True}],
    "prune": {"groups": False, "teams": False},
}
SUB = "abc123defg.labeling.us-east-1.sagemaker.aws"


def converged_live(data: dict) -> LiveState:
    """Live state exactly as a finished apply leaves it (plus unmanaged extras AWS adds)."""
    state = LiveState()
    for res in build(Setup.from_data(data)):
        attrs = copy.deepcopy(res.attrs)
        if res.kind == "cognito_client_oauth":
            attrs["callback_urls"] = [f"https://{SUB}/oauth2/idpresponse"]
            attrs["logout_urls"] = [f"https://{SUB}/logout"]
        if res.kind == "cognito_invitation":
            attrs["message"] = f"User {{username}} pw {{####}} at https://{SUB}"
        if "tags" in attrs:
            attrs["tags"] = {**attrs["tags"], "unmanaged": "kept"}
        if res.kind == "cognito_user_pool":
            attrs["password_policy"] = {**attrs["password_policy"], "require_numbers": True}
        meta = {"subdomain": SUB} if res.kind == "sagemaker_workforce" else {}
        state.add(Resource(res.address, attrs, meta=meta))
    state.ids.subdomain = SUB
    return state


def plan_for(data: dict, live: LiveState):
    setup = Setup.from_data(data)
    return make_plan(build(setup), live, setup, region="us-east-1", account="123456789012")


def actions(plan) -> dict[str, str]:
    return {str(c.address): c.action.value for c in plan.actionable}


def test_everything_is_created_from_nothing_in_dependency_order():
    plan = plan_for(SPEC, LiveState())
    kinds = [c.address.kind for c in plan.actionable]
    assert kinds == [
        "sns_topic",
        "cognito_user_pool",
        "cognito_user_group",
        "cognito_user_pool_client",
        "cognito_user_pool_domain",
        "sagemaker_workforce",
        "sagemaker_workteam",
        "cognito_client_oauth",
        "cognito_invitation",
    ]
    assert all(c.action is Action.CREATE for c in plan.actionable)
    assert plan.counts() == {"add": 9, "change": 0, "destroy": 0, "stop": 0}
    oauth = next(c for c in plan.changes if c.address.kind == "cognito_client_oauth")
    assert isinstance(oauth.after["callback_urls"][0], Ref)  # (known after apply)


def test_converged_live_plans_to_no_changes_despite_unmanaged_extras():
    plan = plan_for(SPEC, converged_live(SPEC))
    assert plan.empty, actions(plan)


def test_changed_nested_field_is_an_in_place_update_naming_the_path():
    live = converged_live(SPEC)
    live.resources[Address("cognito_user_pool", "LabelUserPool")].attrs["password_policy"]["min_length"] = 12
    plan = plan_for(SPEC, live)
    (change,) = plan.actionable
    assert change.action is Action.UPDATE
    assert [(f.path, f.before, f.after) for f in change.fields] == [("password_policy.min_length", 12, 8)]


def test_absent_field_is_unmanaged_and_never_reset():
    data = copy.deepcopy(SPEC)
    del data["pool"]["password_policy"]
    live = converged_live(SPEC)
    live.resources[Address("cognito_user_pool", "LabelUserPool")].attrs["password_policy"]["min_length"] = 30
    assert plan_for(data, live).empty


def test_create_only_field_forces_protected_replacement_and_cascades():
    live = converged_live(SPEC)
    live.resources[Address("cognito_user_pool", "LabelUserPool")].attrs["sign_in"] = "username"
    plan = plan_for(SPEC, live)
    pool = next(c for c in plan.actionable if c.address.kind == "cognito_user_pool")
    assert pool.action is Action.REPLACE
    assert pool.fields[0].forces_replacement and "sign_in" in pool.reason
    assert pool.needs_force
    replaced = {str(c.address) for c in plan.actionable if c.action is Action.REPLACE}
    assert "cognito_user_group.Label-group" in replaced
    assert "sagemaker_workforce.default" in replaced
    assert "sagemaker_workteam.team-a" in replaced


def test_client_secret_change_replaces_client_without_force_but_cascades_to_workforce():
    live = converged_live(SPEC)
    live.resources[Address("cognito_user_pool_client", "labelclient")].attrs["generate_secret"] = False
    plan = plan_for(SPEC, live)
    got = actions(plan)
    assert got["cognito_user_pool_client.labelclient"] == "replace"
    assert got["sagemaker_workforce.default"] == "replace"
    client = next(c for c in plan.actionable if c.address.kind == "cognito_user_pool_client")
    assert client.needs_force is None
    workforce = next(c for c in plan.actionable if c.address.kind == "sagemaker_workforce")
    assert workforce.needs_force


def test_dropping_deletion_protection_needs_force():
    data = copy.deepcopy(SPEC)
    data["pool"]["deletion_protection"] = False
    plan = plan_for(data, converged_live(SPEC))
    (change,) = plan.actionable
    assert change.action is Action.UPDATE and "deletion protection" in change.needs_force


def test_existing_workforce_with_another_name_is_a_forced_replacement_not_a_second_create():
    live = converged_live(SPEC)
    live.resources[Address("sagemaker_workforce", "default")].attrs["name"] = "console-made"
    plan = plan_for(SPEC, live)
    change = next(c for c in plan.actionable if c.address.kind == "sagemaker_workforce")
    assert change.action is Action.REPLACE and change.needs_force


@pytest.mark.parametrize(
    ("prune", "owned", "expect_delete"),
    [(False, True, False), (True, False, False), (True, True, True)],
)
def test_groups_not_in_spec_are_deleted_only_with_prune_and_ownership(prune, owned, expect_delete):
    """Groups carry no tags: ownership is gtops's marker in the group's own description (managed_by);
    the pool's ownership tags say nothing about a hand-made group inside it."""
    data = copy.deepcopy(SPEC)
    data["prune"]["groups"] = prune
    live = converged_live(SPEC)
    owner = data["name"] if owned else None
    live.add(Resource(Address("cognito_user_group", "old-group"), {"name": "old-group", "managed_by": owner}))
    data_plan = plan_for(data, live)
    deleted = [str(c.address) for c in data_plan.actionable if c.action is Action.DELETE]
    assert deleted == (["cognito_user_group.old-group"] if expect_delete else [])


def test_a_group_that_a_team_outside_the_spec_uses_is_never_pruned():
    data = copy.deepcopy(SPEC)
    data["prune"]["groups"] = True
    live = converged_live(SPEC)
    live.add(
        Resource(
            Address("cognito_user_group", "old-group"), {"name": "old-group", "managed_by": data["name"]}
        )
    )
    live.add(
        Resource(Address("sagemaker_workteam", "hand-made"), {"name": "hand-made", "groups": ["old-group"]})
    )
    plan = plan_for(data, live)
    assert not [c for c in plan.actionable if c.action is Action.DELETE]
    assert any("hand-made" in w and "cognito_user_group.old-group" in w for w in plan.warnings)


def test_team_prune_respects_the_setup_name_in_ownership_tags():
    data = copy.deepcopy(SPEC)
    data["prune"]["teams"] = True
    live = converged_live(SPEC)
    mine = Setup.from_data(SPEC).ownership_tags()
    theirs = {**mine, "gtops:setup": "another-setup"}
    live.add(Resource(Address("sagemaker_workteam", "mine"), {"name": "mine", "tags": mine}))
    live.add(Resource(Address("sagemaker_workteam", "theirs"), {"name": "theirs", "tags": theirs}))
    deleted = [str(c.address) for c in plan_for(data, live).actionable if c.action is Action.DELETE]
    assert deleted == ["sagemaker_workteam.mine"]


def test_new_domain_prefix_deletes_the_old_one_first():
    data = copy.deepcopy(SPEC)
    data["domain"] = "new-prefix"
    plan = plan_for(data, converged_live(SPEC))
    got = [(str(c.address), c.action.value) for c in plan.actionable]
    assert got[0] == ("cognito_user_pool_domain.label-workteam", "delete")
    assert ("cognito_user_pool_domain.new-prefix", "create") in got
    assert plan.counts() == {"add": 1, "change": 0, "destroy": 1, "stop": 0}


def test_portal_urls_resolve_from_live_subdomain_and_drift_shows_before_after():
    live = converged_live(SPEC)
    live.resources[Address("cognito_client_oauth", "labelclient")].attrs["callback_urls"] = ["https://x/cb"]
    (change,) = plan_for(SPEC, live).actionable
    assert change.action is Action.UPDATE
    assert change.fields[0].path == "callback_urls"
    assert change.fields[0].after == [f"https://{SUB}/oauth2/idpresponse"]


def test_team_description_drift_and_group_order_does_not_matter():
    data = copy.deepcopy(SPEC)
    data["groups"].append({"name": "g2"})
    data["teams"][0]["groups"] = ["g2", "Label-group"]
    live = converged_live(data)
    assert plan_for(data, live).empty
    live.resources[Address("sagemaker_workteam", "team-a")].attrs["description"] = "changed by hand"
    (change,) = plan_for(data, live).actionable
    assert (change.fields[0].path, change.fields[0].before, change.fields[0].after) == (
        "description",
        "changed by hand",
        "A",
    )


def test_workforce_without_ip_restriction_warns():
    data = copy.deepcopy(SPEC)
    del data["workforce"]["source_ips"]
    plan = plan_for(data, LiveState())
    assert any("source_ips" in w for w in plan.warnings)
    assert not plan_for(SPEC, LiveState()).warnings
