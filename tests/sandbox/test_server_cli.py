"""The server, its launcher, the `gtops sandbox` commands, and the AWS CLI running the seed workflow."""

from __future__ import annotations

import http.server
import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from gtops.sandbox import launcher
from tests.commands import aws

REGION = "us-east-1"


def _port(url: str) -> int:
    return int(url.rsplit(":", 1)[1])


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def state_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("GTOPS_SANDBOX_DIR", str(tmp_path))
    return tmp_path


@pytest.fixture
def foreign_server() -> Iterator[int]:
    """Some other HTTP server on a port: never to be mistaken for a sandbox."""

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Quiet)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


@pytest.mark.e2e
def test_health_identifies_the_sandbox(sandbox_server: str) -> None:
    answer = launcher.health(_port(sandbox_server))
    assert answer is not None and answer["gtops-sandbox"]
    with pytest.raises(launcher.SandboxError, match="nothing"):
        launcher.call(_port(sandbox_server), "/_gtops/nothing")


@pytest.mark.e2e
def test_ensure_running_reuses_a_running_sandbox(sandbox_server: str) -> None:
    port = _port(sandbox_server)
    pid = launcher.health(port)["pid"]
    assert launcher.ensure_running(port) == sandbox_server
    assert launcher.health(port)["pid"] == pid


def test_ensure_running_refuses_a_foreign_server(state_dir: Path, foreign_server: int) -> None:
    assert launcher.health(foreign_server) is None
    with pytest.raises(launcher.SandboxError, match="in use by another program"):
        launcher.ensure_running(foreign_server)
    assert launcher.status(foreign_server) == {
        "running": False,
        "endpoint": f"http://127.0.0.1:{foreign_server}",
        "port_taken": True,
    }


def _gtops(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "gtops", *args], capture_output=True, text=True, env=env, timeout=90
    )


@pytest.mark.slow
@pytest.mark.e2e
def test_gtops_sandbox_commands(state_dir: Path) -> None:
    """start (background) -> status -> reuse -> advance -> reset -> stop, across separate processes."""
    port = str(_free_port())
    env = {**os.environ, "GTOPS_SANDBOX_DIR": str(state_dir)}
    started = _gtops("sandbox", "start", "--port", port, "--latency-ms", "5", env=env)
    assert started.returncode == 0, started.stderr
    exports = dict(line.removeprefix("export ").split("=", 1) for line in started.stdout.splitlines())
    assert exports == {
        "AWS_ENDPOINT_URL": f"http://127.0.0.1:{port}",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
    }
    assert "started" in started.stderr
    try:
        pid = int((state_dir / f"sandbox-{port}.pid").read_text())
        status = _gtops("sandbox", "status", "--port", port, "--json", env=env)
        info = json.loads(status.stdout)
        assert status.returncode == 0 and info["running"] and info["pid"] == pid
        assert info["config"]["latency_ms"] == 5

        # state set by one process is seen by the next (AWS CLI here), until reset
        cli_env = {**env, **exports}
        _aws(cli_env, "sns", "create-topic", "--name", "kept", process=True)
        again = _gtops("sandbox", "--port", port, env=env)  # plain `gtops sandbox` reuses it
        assert again.returncode == 0 and "already running" in again.stderr
        assert len(_aws(cli_env, "sns", "list-topics", process=True)["Topics"]) == 1
        advance = _gtops("sandbox", "advance", "no-such-job", "--port", port, env=env)
        assert advance.returncode == 1 and "no-such-job" in advance.stderr
        assert _gtops("sandbox", "reset", "--port", port, env=env).returncode == 0
        assert _aws(cli_env, "sns", "list-topics", process=True)["Topics"] == []
        bad = _gtops("sandbox", "start", "--port", port, "--fault-rate", "3", env=env)
        assert bad.returncode == 1 and "fault_rate" in bad.stderr and "Traceback" not in bad.stderr
    finally:
        stopped = _gtops("sandbox", "stop", "--port", port, env=env)
    assert stopped.returncode == 0 and "stopped" in stopped.stderr
    assert not (state_dir / f"sandbox-{port}.pid").exists()
    down = _gtops("sandbox", "status", "--port", port, env=env)
    assert down.returncode == 1 and "not running" in down.stdout


def _aws(env: dict[str, str], *args: str, ok: bool = True, process: bool = False) -> Any:
    """`aws ARGS`: a new `aws` process, or the worker's AWS CLI process (tests/commands.py)."""
    if process:
        cmd = ["aws", *args, "--output", "json"]
        result = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=60)
    else:
        result = aws(env, *args, "--output", "json", timeout=60)
    if not ok:
        return result
    assert result.returncode == 0, f"aws {' '.join(args)}: {result.stderr}"
    return json.loads(result.stdout) if result.stdout.strip() else {}


@pytest.fixture
def cli_env(server_sandbox: Any, tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(launcher.environment(server_sandbox.port))
    config = tmp_path / "aws-config"
    config.write_text("[default]\ncli_follow_urlparam = false\n")  # CLI v1 would fetch https:// arguments
    env["AWS_CONFIG_FILE"] = str(config)
    env["AWS_SHARED_CREDENTIALS_FILE"] = str(tmp_path / "no-credentials")
    return env


@pytest.mark.e2e
def test_aws_cli_runs_the_seed_workflow(cli_env: dict[str, str], tmp_path: Path) -> None:
    """The manual CLI workflow gtops replaces, command for command, gets AWS-shaped answers."""
    env = cli_env
    topic = _aws(env, "sns", "create-topic", "--name", "AmazonSageMaker-label-notify")["TopicArn"]
    pool = _aws(
        env,
        "cognito-idp",
        "create-user-pool",
        "--pool-name",
        "LabelUserPool",
        "--username-attributes",
        "email",
        "--username-configuration",
        "CaseSensitive=true",
        "--email-configuration",
        "EmailSendingAccount=COGNITO_DEFAULT",
    )["UserPool"]
    assert pool["Name"] == "LabelUserPool" and pool["UsernameAttributes"] == ["email"]
    pool_id = pool["Id"]
    group = _aws(env, "cognito-idp", "create-group", "--group-name", "Label-group", "--user-pool-id", pool_id)
    assert group["Group"]["GroupName"] == "Label-group"
    client = _aws(
        env,
        "cognito-idp",
        "create-user-pool-client",
        "--client-name",
        "labelclient",
        "--user-pool-id",
        pool_id,
        "--generate-secret",
        "--enable-token-revocation",
        "--explicit-auth-flows",
        "ALLOW_USER_PASSWORD_AUTH",
        "ALLOW_REFRESH_TOKEN_AUTH",
    )["UserPoolClient"]
    assert client["ClientSecret"] and client["EnableTokenRevocation"] is True
    client_id = client["ClientId"]
    _aws(
        env, "cognito-idp", "create-user-pool-domain", "--user-pool-id", pool_id, "--domain", "label-workteam"
    )
    force = _aws(
        env,
        "sagemaker",
        "create-workforce",
        "--workforce-name",
        "testforce",
        "--cognito-config",
        f"UserPool={pool_id},ClientId={client_id}",
    )
    assert force["WorkforceArn"] == "arn:aws:sagemaker:us-east-1:123456789012:workforce/testforce"
    team = _aws(
        env,
        "sagemaker",
        "create-workteam",
        "--workteam-name",
        "test2",
        "--workforce-name",
        "testforce",
        "--notification-configuration",
        f"NotificationTopicArn={topic}",
        f"--member-definitions=CognitoMemberDefinition={{UserPool={pool_id},UserGroup=Label-group,ClientId={client_id}}}",
        "--description",
        "labelTeam",
    )
    team_arn = team["WorkteamArn"]
    assert team_arn == "arn:aws:sagemaker:us-east-1:123456789012:workteam/private-crowd/test2"
    listed = _aws(env, "sagemaker", "list-workteams")["Workteams"]
    assert [t["WorkteamName"] for t in listed] == ["test2"]
    portal = listed[0]["SubDomain"]
    assert portal.endswith(".labeling.us-east-1.sagemaker.aws")
    assert listed[0]["NotificationConfiguration"] == {"NotificationTopicArn": topic}
    invite = {
        "AllowAdminCreateUserOnly": True,
        "InviteMessageTemplate": {
            "EmailMessage": f"Your username is {{username}} and temporary password is {{####}} \n "
            f"Please visit https://{portal} ",
            "EmailSubject": "You are invited to Label Project.",
        },
    }
    _aws(
        env,
        "cognito-idp",
        "update-user-pool",
        "--user-pool-id",
        pool_id,
        "--email-configuration=EmailSendingAccount=COGNITO_DEFAULT",
        "--admin-create-user-config",
        json.dumps(invite),
    )
    described = _aws(env, "cognito-idp", "describe-user-pool", "--user-pool-id", pool_id)["UserPool"]
    assert portal in described["AdminCreateUserConfig"]["InviteMessageTemplate"]["EmailMessage"]
    _aws(
        env,
        "cognito-idp",
        "update-user-pool-client",
        "--user-pool-id",
        pool_id,
        "--client-id",
        client_id,
        "--supported-identity-providers",
        "COGNITO",
        "--callback-urls",
        f"https://{portal}/oauth2/idpresponse",
        "--logout-urls",
        f"https://{portal}/logout",
        "--refresh-token-validity",
        "30",
        "--enable-token-revocation",
        "--explicit-auth-flows",
        "ALLOW_USER_PASSWORD_AUTH",
        "ALLOW_REFRESH_TOKEN_AUTH",
        "--allowed-o-auth-flows-user-pool-client",
        "--allowed-o-auth-flows",
        "code",
        "implicit",
        "--allowed-o-auth-scopes",
        "email",
        "openid",
        "profile",
    )
    user = _aws(
        env,
        "cognito-idp",
        "admin-create-user",
        "--user-pool-id",
        pool_id,
        "--username",
        "worker@example.com",
        "--user-attributes",
        "Name=email,Value=worker@example.com",
        "Name=phone_number,Value=+13544199856",
        "--message-action",
        "SUPPRESS",
        "--desired-delivery-mediums",
        "EMAIL",
    )["User"]
    assert user["UserStatus"] == "FORCE_CHANGE_PASSWORD"
    users = _aws(env, "cognito-idp", "list-users", "--user-pool-id", pool_id)["Users"]
    sub = users[0]["Username"]
    _aws(
        env,
        "cognito-idp",
        "admin-add-user-to-group",
        "--user-pool-id",
        pool_id,
        "--username",
        sub,
        "--group-name",
        "Label-group",
    )
    in_group = _aws(
        env, "cognito-idp", "list-users-in-group", "--user-pool-id", pool_id, "--group-name", "Label-group"
    )
    assert [u["Username"] for u in in_group["Users"]] == [sub]

    labels = tmp_path / "labels.json"
    labels.write_text(
        json.dumps({"document-version": "2018-11-28", "labels": [{"label": "train"}, {"label": "car"}]})
    )
    manifest = tmp_path / "manifest-with-input-data.json"
    manifest.write_text(
        "\n".join(
            json.dumps({"source-ref": f"s3://static-handson/labeling-image/{n}"})
            for n in ("a.jpeg", "b.jpeg")
        )
    )
    template = tmp_path / "bounding-box.liquid.html"
    template.write_text("<crowd-form><crowd-bounding-box name='box'></crowd-bounding-box></crowd-form>")
    for args in (
        ("s3", "mb", "s3://static-handson"),
        ("s3", "cp", str(labels), "s3://static-handson/ui-template/labels.json"),
        ("s3", "cp", str(template), "s3://static-handson/ui-template/bounding-box.liquid.html"),
        ("s3", "cp", str(manifest), "s3://static-handson/manifest/manifest-with-input-data.json"),
    ):
        assert _aws(env, *args, ok=False).returncode == 0
    lambdas = "arn:aws:lambda:us-east-1:432418664414:function"
    human = {
        "AnnotationConsolidationConfig": {"AnnotationConsolidationLambdaArn": f"{lambdas}:ACS-BoundingBox"},
        "PreHumanTaskLambdaArn": f"{lambdas}:PRE-BoundingBox",
        "TaskAvailabilityLifetimeInSeconds": 21600,
        "TaskTimeLimitInSeconds": 3600,
        "NumberOfHumanWorkersPerDataObject": 3,
        "WorkteamArn": team_arn,
        "TaskDescription": "Bounding-box trains",
        "MaxConcurrentTaskCount": 10,
        "TaskTitle": "Bounding-box-custom-lablel image classification task",
        "UiConfig": {"UiTemplateS3Uri": "s3://static-handson/ui-template/bounding-box.liquid.html"},
    }
    input_config = {
        "DataAttributes": {
            "ContentClassifiers": ["FreeOfPersonallyIdentifiableInformation", "FreeOfAdultContent"]
        },
        "DataSource": {
            "S3DataSource": {"ManifestS3Uri": "s3://static-handson/manifest/manifest-with-input-data.json"}
        },
    }
    # The execution role the walkthrough's account already has (CreateLabelingJob refuses a missing one).
    trust = '{"Statement": [{"Effect": "Allow", "Principal": {"Service": "sagemaker.amazonaws.com"}, '
    trust += '"Action": "sts:AssumeRole"}]}'
    _aws(
        env,
        "iam",
        "create-role",
        "--role-name",
        "AmazonSageMaker-ExecutionRole",
        "--path",
        "/service-role/",
        "--assume-role-policy-document",
        trust,
    )
    job = _aws(
        env,
        "--region",
        "us-east-1",
        "sagemaker",
        "create-labeling-job",
        "--labeling-job-name",
        "image-labeling-job20",
        "--label-attribute-name",
        "label",
        "--role-arn",
        "arn:aws:iam::123456789012:role/service-role/AmazonSageMaker-ExecutionRole",
        "--input-config",
        json.dumps(input_config),
        "--output-config",
        json.dumps({"KmsKeyId": "", "S3OutputPath": "s3://static-handson/output-label/"}),
        "--human-task-config",
        json.dumps(human),
        "--label-category-config-s3-uri",
        "s3://static-handson/ui-template/labels.json",
    )
    assert (
        job["LabelingJobArn"] == "arn:aws:sagemaker:us-east-1:123456789012:labeling-job/image-labeling-job20"
    )
    described = _aws(env, "sagemaker", "describe-labeling-job", "--labeling-job-name", "image-labeling-job20")
    assert described["LabelingJobStatus"] == "Initializing"
    assert described["HumanTaskConfig"] == human
    assert described["InputConfig"] == input_config
    assert isinstance(described["CreationTime"], int | float)
    assert [t["WorkteamName"] for t in _aws(env, "sagemaker", "list-workteams")["Workteams"]] == ["test2"]


@pytest.mark.e2e
def test_aws_cli_malformed_calls_exit_255(cli_env: dict[str, str]) -> None:
    bad_name = _aws(cli_env, "sagemaker", "describe-workteam", "--workteam-name", "bad_name!", ok=False)
    assert bad_name.returncode == 255
    assert (
        "(ValidationException) when calling the DescribeWorkteam operation: 1 validation error detected: "
        in (bad_name.stderr)
    )
    assert "Value 'bad_name!' at 'workteamName' failed to satisfy constraint" in bad_name.stderr
    too_many = _aws(cli_env, "cognito-idp", "list-user-pools", "--max-results", "61", ok=False)
    assert too_many.returncode == 255
    assert "(InvalidParameterException)" in too_many.stderr and "less than or equal to 60" in too_many.stderr
    missing = _aws(cli_env, "sagemaker", "describe-workforce", "--workforce-name", "default", ok=False)
    assert missing.returncode == 255 and "No workforce" in missing.stderr


def test_seed_creates_only_the_missing_buckets_and_roles_in_one_call_each_run(server: str):
    role = "arn:aws:iam::123456789012:role/service-role/SeedRole"
    other = "arn:aws:iam::999999999999:role/Elsewhere"  # another account's role: left to the plan to report
    made = launcher.seed(server, {"seed-a", "seed-b"}, {role, other}, REGION)
    assert made == (["seed-a", "seed-b"], [role])
    assert launcher.seed(server, {"seed-a", "seed-b", "seed-c"}, {role}, REGION) == (["seed-c"], [])
    listed = launcher._client("s3", server, REGION).list_buckets()["Buckets"]
    assert {"seed-a", "seed-b", "seed-c"} <= {b["Name"] for b in listed}
