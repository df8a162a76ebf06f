"""Secrets kept: the app client secret, every temporary password and the AWS secret key appear in no output
(plain, -v, JSON, Markdown, errors) and no written file (saved plans, exports, caches).

Runs in process on moto, so the temporary passwords can be read from Cognito's backend. moto stores none
when the caller sends none (real Cognito generates one), so the test makes its Cognito generate them.
"""

from __future__ import annotations

import secrets
from pathlib import Path

import pytest
from rel_helpers import TRAINS, boto, gtops_inproc

SECRET_KEY = "gtopsTestSecretKey/" + secrets.token_hex(12)


@pytest.fixture
def generated_passwords(monkeypatch):
    """Cognito's behaviour: AdminCreateUser without TemporaryPassword generates one (and mails it)."""
    from moto.cognitoidp import models

    original = models.CognitoIdpUser.__init__

    def init(self, user_pool_id, username, password, status, attributes):
        password = password or "Tmp!" + secrets.token_urlsafe(12)
        original(self, user_pool_id, username, password, status, attributes)

    monkeypatch.setattr(models.CognitoIdpUser, "__init__", init)


def _temporary_passwords() -> list[str]:
    from moto.cognitoidp.models import cognitoidp_backends

    out = []
    for account in cognitoidp_backends.values():
        for backend in account.values():
            for pool in backend.user_pools.values():
                out += [u.password for u in pool.users.values() if u.password]
    return out


def _client_secrets() -> list[str]:
    idp = boto("cognito-idp")
    out = []
    for pool in idp.list_user_pools(MaxResults=60)["UserPools"]:
        for c in idp.list_user_pool_clients(UserPoolId=pool["Id"], MaxResults=60)["UserPoolClients"]:
            described = idp.describe_user_pool_client(UserPoolId=pool["Id"], ClientId=c["ClientId"])
            out.append(described["UserPoolClient"]["ClientSecret"])
    return out


@pytest.mark.slow
def test_no_secret_in_any_output_or_written_file(
    inproc, generated_passwords, demo_bucket, demo_role, monkeypatch, tmp_path
):
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET_KEY)
    monkeypatch.chdir(tmp_path)
    spec = str(TRAINS)
    outputs = []

    def run(*args: str, ok=(0,)) -> None:
        result = gtops_inproc(*args)
        assert result.code in ok, (args, result.text)
        assert "Traceback" not in result.err
        outputs.append((args, result.text))

    run("-v", "apply", spec, "--auto-approve", "--stats")
    # Drift for the outputs to show: a worker edited and one added by hand, the team edited.
    idp, sm = boto("cognito-idp"), boto("sagemaker")
    pool_id = idp.list_user_pools(MaxResults=60)["UserPools"][0]["Id"]
    idp.admin_create_user(UserPoolId=pool_id, Username="intruder@example.com")
    sm.update_workteam(WorkteamName="test2", Description="edited by hand")

    for fmt in ("text", "json", "markdown"):
        run("plan", spec, "--format", fmt, ok=(0, 2))
        run("drift", spec, "--format", fmt, ok=(0, 2))
    run("-v", "plan", spec, "--out", str(tmp_path / "saved-plan.json"))
    run("-v", "apply", str(tmp_path / "saved-plan.json"), "--auto-approve")
    run("-v", "drift", spec, ok=(0, 2))
    run("-v", "export", "--pool", "LabelUserPool", "--out", str(tmp_path / "exported"))
    run("members", "list", spec, ok=(0, 1, 2))
    run("status", spec, ok=(0, 1, 2))
    # An error path: a saved plan applied twice.
    run("apply", str(tmp_path / "saved-plan.json"), "--auto-approve", ok=(1,))

    passwords = _temporary_passwords()
    client_secrets = _client_secrets()
    assert len(passwords) >= 6 and len(client_secrets) == 1  # the secrets exist to be leaked
    written = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert (tmp_path / "saved-plan.json") in written and any("exported" in str(p) for p in written)
    for name, value in (
        [("client secret", s) for s in client_secrets]
        + [("temporary password", p) for p in passwords]
        + [("AWS secret key", SECRET_KEY)]
    ):
        for args, text in outputs:
            assert value not in text, f"{name} printed by gtops {' '.join(args)}"
        for path in written:
            assert value not in path.read_text(errors="replace"), f"{name} written to {path}"


def test_render_masks_secret_looking_values_a_spec_puts_in_tags(inproc, tmp_path):
    """A value the spec itself carries under a secret-sounding key is masked in every plan format."""
    setup = Path(tmp_path / "setup.yaml")
    setup.write_text(
        "name: masked\nregion: us-east-1\npool:\n  name: MaskedPool\n"
        "  tags: {api_secret: s3cr3t-t0ken-value, team: vision}\n"
    )
    for fmt in ("text", "json", "markdown"):
        result = gtops_inproc("plan", str(tmp_path), "--format", fmt)
        assert result.code == 0, result.text
        assert "s3cr3t-t0ken-value" not in result.text
        assert "vision" in result.out  # other values are shown
