"""`gtops export` round trips on the sandbox: a setup built with the CLI seed document's commands, and one
built by gtops."""

from __future__ import annotations

import json

import pytest
import yaml

from tests.gitops.conftest import gtops_ok, plan_json, run_aws, run_gtops

pytestmark = pytest.mark.e2e

SEED_POLICY = {
    "Version": "2008-10-17",
    "Statement": [
        {
            "Sid": "AmazonSageMakerConfigPolicy",
            "Effect": "Allow",
            "Principal": {"Service": "sagemaker.amazonaws.com"},
            "Action": "SNS:Publish",
            "Resource": "arn:aws:sns:*:*:*AmazonSageMaker*",
        }
    ],
}


def build_seed(env) -> None:
    """The CLI seed document (000), step by step: topic, pool, group, client, domain, team, URLs, a user."""
    topic = run_aws(env, "sns", "create-topic", "--name", "AmazonSageMaker-label-notify")["TopicArn"]
    run_aws(env, "sns", "set-topic-attributes", "--topic-arn", topic, "--attribute-name", "Policy",
            "--attribute-value", json.dumps(SEED_POLICY))  # fmt: skip
    pool = run_aws(env, "cognito-idp", "create-user-pool", "--pool-name", "LabelUserPool",
                   "--username-attributes", "email", "--username-configuration", "CaseSensitive=true",
                   "--email-configuration", "EmailSendingAccount=COGNITO_DEFAULT",
                   )["UserPool"]["Id"]  # fmt: skip
    run_aws(env, "cognito-idp", "create-group", "--group-name", "Label-group", "--user-pool-id", pool)
    client = run_aws(env, "cognito-idp", "create-user-pool-client", "--client-name", "labelclient",
                     "--user-pool-id", pool, "--generate-secret", "--enable-token-revocation",
                     "--explicit-auth-flows", "ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH",
                     )["UserPoolClient"]["ClientId"]  # fmt: skip
    run_aws(
        env, "cognito-idp", "create-user-pool-domain", "--user-pool-id", pool, "--domain", "label-workteam"
    )
    run_aws(env, "sagemaker", "create-workteam", "--workteam-name", "test2", "--workforce-name", "testforce",
            "--notification-configuration", f"NotificationTopicArn={topic}",
            "--member-definitions",
            f"CognitoMemberDefinition={{UserPool={pool},UserGroup=Label-group,ClientId={client}}}",
            "--description", "labelTeam")  # fmt: skip
    sub = run_aws(env, "sagemaker", "list-workteams")["Workteams"][0]["SubDomain"]
    invite = {
        "AllowAdminCreateUserOnly": True,
        "InviteMessageTemplate": {
            "EmailMessage": "Your username is {username} and temporary password is {####} \n "
            f"Please visit https://{sub} ",
            "EmailSubject": "You are invited to Label Project.",
        },
    }
    run_aws(env, "cognito-idp", "update-user-pool", "--user-pool-id", pool,
            "--email-configuration", "EmailSendingAccount=COGNITO_DEFAULT",
            "--admin-create-user-config", json.dumps(invite))  # fmt: skip
    run_aws(env, "cognito-idp", "update-user-pool-client", "--user-pool-id", pool, "--client-id", client,
            "--supported-identity-providers", "COGNITO",
            "--callback-urls", f"https://{sub}/oauth2/idpresponse", "--logout-urls", f"https://{sub}/logout",
            "--refresh-token-validity", "30", "--enable-token-revocation",
            "--explicit-auth-flows", "ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH",
            "--allowed-o-auth-flows-user-pool-client", "--allowed-o-auth-flows", "code", "implicit",
            "--allowed-o-auth-scopes", "email", "openid", "profile")  # fmt: skip
    user = run_aws(env, "cognito-idp", "admin-create-user", "--user-pool-id", pool, "--username",
                   "oyanli@example.com", "--user-attributes", "Name=email,Value=oyanli@example.com",
                   "Name=phone_number,Value=+13544199856", "--message-action", "SUPPRESS",
                   )["User"]  # fmt: skip
    run_aws(env, "cognito-idp", "admin-add-user-to-group", "--user-pool-id", pool,
            "--username", user["Username"], "--group-name", "Label-group")  # fmt: skip


def test_export_of_the_cli_seed_setup_validates_and_plans_only_adoption(env, tmp_path):
    build_seed(env)
    out = tmp_path / "exported"
    proc = gtops_ok(env, "export", "--out", str(out))
    spec = out / "LabelUserPool.yaml"
    assert f"Wrote {spec}" in proc.stderr
    text = spec.read_text()
    assert text.startswith("# Exported by `gtops export`")
    data = yaml.safe_load(text)
    assert data["pool"]["case_sensitive"] is True and data["pool"]["deletion_protection"] is False
    assert "{portal_url}" in data["pool"]["invitation"]["message"]
    assert data["teams"] == [
        {"name": "test2", "description": "labelTeam", "groups": ["Label-group"], "notifications": True}
    ]
    assert data["members"]["workers"][0]["email"] == "oyanli@example.com"
    gtops_ok(env, "validate", str(spec))

    # Adoption changes only what gtops adds: its ownership tags (and the groups' ownership marker), and the
    # worker's notification subscription.
    plan = plan_json(env, str(spec))
    assert {c["action"] for c in plan["changes"]} == {"update"}, plan["changes"]
    for change in plan["changes"]:
        paths = {f["path"] for f in change["fields"]}
        assert all(p.startswith("tags.gtops:") or p in ("notified", "managed_by") for p in paths), (
            change["address"],
            paths,
        )
    gtops_ok(env, "apply", str(spec), "--auto-approve")
    assert run_gtops(env, "plan", str(spec), "--detailed-exitcode").returncode == 0

    # Once adopted, exporting again gives the same spec.
    again = tmp_path / "again"
    gtops_ok(env, "export", "--out", str(again))
    assert yaml.safe_load((again / "LabelUserPool.yaml").read_text()) == data


def test_export_of_a_gtops_setup_plans_to_no_changes(env, stack, tmp_path):
    spec = stack / "setup.yaml"
    workers = "".join(f"    - {{email: w{i:02d}@example.com, groups: [Label-group]}}\n" for i in range(30))
    spec.write_text(spec.read_text() + "members:\n  invitation: suppress\n  workers:\n" + workers)
    gtops_ok(env, "apply", str(stack), "--auto-approve")
    out = tmp_path / "exported"
    gtops_ok(env, "export", "--pool", "LabelUserPool", "--out", str(out))
    exported = out / "e2e-stack.yaml"
    assert (out / "workers.csv").read_text().count("@example.com") == 30  # many workers: a CSV
    gtops_ok(env, "validate", str(exported))
    proc = run_gtops(env, "plan", str(exported), "--detailed-exitcode")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "No changes. AWS matches the spec." in proc.stdout


OIDC = {
    "ClientId": "gtops-test",
    "ClientSecret": "not-a-real-secret",
    "Issuer": "https://sso.example.com",
    "AuthorizationEndpoint": "https://sso.example.com/authorize",
    "TokenEndpoint": "https://sso.example.com/token",
    "UserInfoEndpoint": "https://sso.example.com/userinfo",
    "LogoutEndpoint": "https://sso.example.com/logout",
    "JwksUri": "https://sso.example.com/jwks",
}


def test_export_names_an_oidc_workforce_and_exports_what_is_on_the_pool(env, tmp_path):
    """A region whose workforce signs workers in through an OIDC identity provider: the spec language cannot
    manage it, so the header says so (with its teams), and the pool, groups and client are still exported."""
    pool = run_aws(env, "cognito-idp", "create-user-pool", "--pool-name", "LabelUserPool",
                   "--username-attributes", "email")["UserPool"]["Id"]  # fmt: skip
    run_aws(env, "cognito-idp", "create-group", "--group-name", "Label-group", "--user-pool-id", pool)
    run_aws(env, "cognito-idp", "create-user-pool-client", "--client-name", "labelclient",
            "--user-pool-id", pool, "--generate-secret")  # fmt: skip
    run_aws(env, "sagemaker", "create-workforce", "--workforce-name", "corp-sso",
            "--oidc-config", json.dumps(OIDC))  # fmt: skip
    members = [{"OidcMemberDefinition": {"Groups": ["labelers"]}}]
    run_aws(env, "sagemaker", "create-workteam", "--workteam-name", "sso-team", "--description", "SSO team",
            "--member-definitions", json.dumps(members))  # fmt: skip

    # With another pool in the region, the OIDC workforce leads to no pool: export asks for one.
    run_aws(env, "cognito-idp", "create-user-pool", "--pool-name", "OtherPool")
    refused = run_gtops(env, "export")
    assert refused.returncode != 0
    assert "corp-sso signs workers in through an OIDC identity provider" in refused.stderr
    assert "--pool" in refused.stderr

    out = tmp_path / "exported"
    proc = gtops_ok(env, "export", "--pool", "LabelUserPool", "--out", str(out))
    spec = out / "LabelUserPool.yaml"
    text = spec.read_text()
    assert text.count("# Note:") == 1, text
    block = text.split("# Note: ", 1)[1].split("\nname: ", 1)[0]  # the note, wrapped over comment lines
    note = " ".join(line.lstrip("#").strip() for line in block.splitlines())
    assert "workforce corp-sso" in note and "OIDC identity provider (https://sso.example.com)" in note
    assert "cannot manage" in note and "sso-team" in note
    assert "Note: the region's private workforce corp-sso" in proc.stderr
    data = yaml.safe_load(text)
    assert data["pool"]["name"] == "LabelUserPool"
    assert data["groups"] == [{"name": "Label-group"}]
    assert data["client"]["name"] == "labelclient"
    assert "workforce" not in data and "teams" not in data and "notifications" not in data
    gtops_ok(env, "validate", str(spec))

    # Adopting it changes only what gtops adds (its tags on the pool, its marker on the group).
    plan = plan_json(env, str(spec))
    assert {c["action"] for c in plan["changes"]} == {"update"}, plan["changes"]
    for change in plan["changes"]:
        paths = {f["path"] for f in change["fields"]}
        assert all(p.startswith("tags.gtops:") or p == "managed_by" for p in paths), (
            change["address"],
            paths,
        )


def test_every_kind_with_a_spec_key_has_an_export_hook():
    from gtops.kinds import REGISTRY

    assert [k.name for k in REGISTRY if k.spec_key and k.export is None] == []
    # ...and the kinds that write into another kind's section (the invitation into `pool:`, the client's OAuth
    # settings into `client:`) have one too: what any reader finds is exported.
    assert [k.name for k in REGISTRY if k.read is not None and k.export is None] == []
