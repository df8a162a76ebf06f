"""Sandbox fixtures: the same tests run in process (`mock_aws`) and over loopback against one server.

- `inprocess_sandbox`: `mock_aws` with the sandbox installed (tests/conftest.py: `inprocess_aws`).
- `sandbox_server`: the endpoint of the session's ONE sandbox server (tests/conftest.py: `sandbox_url`);
  its labeling jobs move only by explicit `advance` (GTOPS_SANDBOX_JOB_SECONDS=0), so tests are deterministic.
- `server_sandbox`: that server, reset before the test and its realism settings restored after.
- `sandbox`: parametrized over both modes (the server mode is marked e2e).
Each yields a `Sandbox` with `client(service)`, `configure(**realism)` and `advance(job, steps)`.
"""

from __future__ import annotations

from typing import Any

import pytest

REGION = "us-east-1"
CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_DEFAULT_REGION": REGION,
}


class Sandbox:
    """One way of reaching the sandbox: `inprocess` (mock_aws) or `server` (loopback HTTP)."""

    def __init__(self, mode: str, port: int | None = None):
        self.mode = mode
        self.port = port
        self.endpoint = f"http://127.0.0.1:{port}" if port else None

    def client(self, service: str, attempts: int = 1, region_name: str = REGION, **config: Any) -> Any:
        """A boto3 client; by default it does not retry, so every sandbox answer is seen as is."""
        import boto3
        from botocore.config import Config

        retries = {"mode": "standard", "total_max_attempts": attempts}
        return boto3.client(
            service,
            region_name=region_name,
            endpoint_url=self.endpoint,
            config=Config(retries=retries, **config),
        )

    def raw(self, service: str, operation: str, body: Any) -> Any:
        """Call `operation` with exactly this body, even one botocore would refuse to send."""
        import json

        from botocore import xform_name

        client = self.client(service, parameter_validation=False)

        def replace_body(request: Any, **_: Any) -> None:
            request.data = body if isinstance(body, str | bytes) else json.dumps(body)

        event = f"before-sign.{client.meta.service_model.service_id.hyphenize()}.{operation}"
        client.meta.events.register(event, replace_body)
        return getattr(client, xform_name(operation))()

    def configure(self, **realism: Any) -> dict[str, Any]:
        if self.mode == "server":
            from gtops.sandbox import launcher

            return launcher.call(self.port, "/_gtops/config", realism)
        from gtops.sandbox import configure

        return configure(**realism)

    def advance(self, job: str | None = None, steps: int = 1) -> list[str]:
        if self.mode == "server":
            from gtops.sandbox import launcher

            return launcher.call(self.port, "/_gtops/advance", {"job": job, "steps": steps})["advanced"]
        from gtops.sandbox import advance_jobs

        return advance_jobs(job, steps)

    def stats(self) -> dict[str, int]:
        if self.mode == "server":
            from gtops.sandbox import launcher

            return launcher.call(self.port, "/_gtops/stats")
        from gtops.sandbox.realism import REALISM

        return dict(REALISM.stats)


@pytest.fixture
def aws_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    """Dummy credentials, and nothing that could send a call elsewhere."""
    for name, value in CREDENTIALS.items():
        monkeypatch.setenv(name, value)
    for name in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_SESSION_TOKEN", "AWS_CONFIG_FILE"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def inprocess_sandbox(inprocess_aws: Any) -> Sandbox:
    return Sandbox("inprocess")


@pytest.fixture
def sandbox_server(sandbox_url: str) -> str:
    """Endpoint URL of the session's sandbox server."""
    return sandbox_url


@pytest.fixture
def server_sandbox(server: str, aws_credentials: None) -> Sandbox:
    """The session's server, reset before the test and its realism settings restored after (`server`)."""
    return Sandbox("server", int(server.rsplit(":", 1)[1]))


@pytest.fixture(params=["inprocess", pytest.param("server", marks=pytest.mark.e2e)])
def sandbox(request: pytest.FixtureRequest) -> Sandbox:
    return request.getfixturevalue(f"{request.param}_sandbox")


from gtops.sandbox.launcher import SAGEMAKER_TRUST as TRUST_SAGEMAKER  # noqa: E402  (one trust document)


def ensure_role(iam: Any, name: str, path: str = "/") -> str:
    """A role SageMaker may assume, as the user has it before a labeling job (CreateLabelingJob refuses one
    that is missing or does not trust sagemaker.amazonaws.com); returns its ARN."""
    import json

    try:
        return str(iam.get_role(RoleName=name)["Role"]["Arn"])
    except iam.exceptions.NoSuchEntityException:
        document = json.dumps(TRUST_SAGEMAKER)
        role = iam.create_role(RoleName=name, Path=path, AssumeRolePolicyDocument=document)
        return str(role["Role"]["Arn"])


# The execution role the examples name (specs/trains-and-cars/jobs.yaml), as the SageMaker console makes it.
EXAMPLE_ROLE = ("AmazonSageMaker-ExecutionRole", "/service-role/")


def sagemaker_role(sb: Sandbox, name: str = "GroundTruth") -> str:
    return ensure_role(sb.client("iam"), name)


@pytest.fixture
def cognito_setup() -> Any:
    """A function building an email-sign-in pool with an app client and groups; returns their ids."""

    def build(sb: Sandbox, groups: tuple[str, ...] = ("labelers",), name: str = "gt-pool") -> dict[str, Any]:
        idp = sb.client("cognito-idp")
        pool = idp.create_user_pool(PoolName=name, UsernameAttributes=["email"])["UserPool"]["Id"]
        client = idp.create_user_pool_client(UserPoolId=pool, ClientName="gt", GenerateSecret=True)
        for group in groups:
            idp.create_group(UserPoolId=pool, GroupName=group)
        return {"pool": pool, "client": client["UserPoolClient"]["ClientId"], "groups": list(groups)}

    return build
