"""The live-AWS acceptance suite, opt-in: every example spec, applied for real, checked, destroyed.

    GTOPS_LIVE_AWS=1 python -m pytest tests/live          # your AWS account (default credentials)
    GTOPS_LIVE_AWS=sandbox python -m pytest tests/live    # the same tests against the sandbox server

Per example, in a disposable copy (tests/live/live_kit.py: names under one run prefix, data in the run's own
bucket): validate, plan (with the checks before apply), apply, plan again (converged: no changes), drift
(none; then a work team changed outside gtops is reported, and apply puts it back), status and results of
every job, and `gtops destroy`, which runs even when a check failed. The run's bucket is emptied and deleted
at the end. Before anything is created the suite prints what it will make and a cost estimate, and it
refuses to start in a Region that already has a workforce (one per account and Region: the examples need
their own, and an existing one is not ours to replace).

GTOPS_LIVE_REGION picks the Region (default: AWS_REGION, AWS_DEFAULT_REGION, else us-east-1); every
example runs there.
"""

from __future__ import annotations

import json
import os
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.live.conftest import SHOWN
from tests.live.live_kit import (
    EXAMPLES,
    Copy,
    disposable,
    estimate,
    foreign_workforces,
    mode,
    png,
    public_jobs_kept,
)

MODE = mode()
if not MODE:
    pytest.skip(
        "live-AWS acceptance suite: set GTOPS_LIVE_AWS=1 (your account) or GTOPS_LIVE_AWS=sandbox",
        allow_module_level=True,
    )

# One run, one workforce at a time; against the sandbox server, an e2e test.
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("live")]
if MODE == "sandbox":
    pytestmark.append(pytest.mark.e2e)


@dataclass
class Run:
    env: dict[str, str]
    region: str
    prefix: str
    bucket: str
    account: str
    url: str | None  # the sandbox server's, in sandbox mode
    tmp: Path

    def client(self, service: str) -> Any:
        import boto3

        kwargs: dict[str, Any] = {"region_name": self.region}
        if self.url:
            kwargs.update(endpoint_url=self.url, aws_access_key_id="testing", aws_secret_access_key="testing")
        return boto3.client(service, **kwargs)

    def gtops(self, *args: str, cwd: Path | None = None) -> Any:
        from tests.inprocess import gtops_here

        return gtops_here(self.env, "--region", self.region, *args, cwd=cwd or self.tmp)

    def copy(self, example: str, public: bool = False) -> Copy:
        return disposable(example, self.tmp / example, self.prefix, self.bucket, public=public)


def _region() -> str:
    for name in ("GTOPS_LIVE_REGION", "AWS_REGION", "AWS_DEFAULT_REGION"):
        if os.environ.get(name) and (MODE == "aws" or name == "GTOPS_LIVE_REGION"):
            return os.environ[name]
    return "us-east-1"


@pytest.fixture(scope="module")
def run(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Run]:
    tmp = tmp_path_factory.mktemp("live")
    if MODE == "sandbox":
        from tests.sandbox_server import control, server_env

        url = request.getfixturevalue("sandbox_url")
        control(url, "reset")
        env = server_env(url, tmp)
    else:
        url = None
        env = {k: v for k, v in os.environ.items() if not k.startswith("GTOPS_")}
        env.pop("AWS_ENDPOINT_URL", None)
        env.update(XDG_CACHE_HOME=str(tmp / "cache"), NO_COLOR="1")
    region = _region()
    probe = Run(env, region, "", "", "", url, tmp)
    account = probe.client("sts").get_caller_identity()["Account"]
    prefix = f"gtl-{secrets.token_hex(3)}"
    the_run = Run(env, region, prefix, f"{prefix}-data-{account}", account, url, tmp)

    copies = [the_run.copy(example, public=public_jobs_kept()) for example in EXAMPLES]
    header = f"gtops live suite ({MODE}): account {account}, {region}, prefix {prefix}"
    capture = request.config.pluginmanager.get_plugin("capturemanager")
    say = request.config.pluginmanager.get_plugin("terminalreporter")
    if capture is not None and say is not None:
        with capture.global_and_fixture_disabled():  # shown before anything is created, even without -s
            say.write_line("")
            shown = request.config.stash.get(SHOWN, False)  # the header has the estimate already
            for line in [header, *([] if shown else estimate(copies))]:
                say.write_line(line)
    for copy in copies:  # each test makes its own copy again
        import shutil

        shutil.rmtree(copy.root)

    found = foreign_workforces(the_run.client("sagemaker"))
    if found:
        pytest.fail(
            f"{region} already has a workforce: {'; '.join(found)}. AWS allows one per account and Region, "
            "and the examples need their own; run the suite in another Region (GTOPS_LIVE_REGION) or "
            "account. "
            "Nothing was created.",
            pytrace=False,
        )
    s3 = the_run.client("s3")
    where = {} if region == "us-east-1" else {"CreateBucketConfiguration": {"LocationConstraint": region}}
    s3.create_bucket(Bucket=the_run.bucket, **where)
    try:
        yield the_run
    finally:
        _empty_and_delete(s3, the_run.bucket)


def _empty_and_delete(s3: Any, bucket: str) -> None:
    for page in s3.get_paginator("list_object_versions").paginate(Bucket=bucket):
        versions = (page.get("Versions") or []) + (page.get("DeleteMarkers") or [])
        if versions:
            objects = [{"Key": v["Key"], "VersionId": v["VersionId"]} for v in versions]
            s3.delete_objects(Bucket=bucket, Delete={"Objects": objects})
    s3.delete_bucket(Bucket=bucket)


def _ok(done: Any, what: str) -> str:
    assert done.returncode == 0, f"{what} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}"
    assert "Traceback" not in done.stderr
    return str(done.stdout)


@pytest.mark.parametrize("example", EXAMPLES)
def test_example_applies_converges_reports_drift_and_is_destroyed(run: Run, example: str) -> None:
    copy = run.copy(example, public=public_jobs_kept())
    s3 = run.client("s3")
    for key in copy.data:
        s3.put_object(Bucket=run.bucket, Key=key, Body=png())
    spec = str(copy.root)
    failure: BaseException | None = None
    try:
        _ok(run.gtops("validate", spec), "validate")
        _ok(run.gtops("plan", spec), "plan")
        applied = _ok(run.gtops("apply", spec, "--auto-approve"), "apply")
        assert "Apply complete!" in applied
        again = run.gtops("plan", spec, "--detailed-exitcode")
        assert again.returncode == 0, f"apply did not converge:\n{again.stdout}\n{again.stderr}"
        assert run.gtops("drift", spec).returncode == 0

        team = copy.teams[0]
        run.client("sagemaker").update_workteam(WorkteamName=team, Description="changed outside gtops")
        drift = run.gtops("drift", spec)
        assert drift.returncode == 2, drift.stdout + drift.stderr
        assert team in drift.stdout and "changed outside gtops" in drift.stdout
        _ok(run.gtops("apply", spec, "--auto-approve"), "apply after drift")
        assert run.gtops("drift", spec).returncode == 0

        _check_jobs(run, copy, spec)
    except BaseException as err:
        failure = err
        raise
    finally:
        destroyed = run.gtops("destroy", spec, "--auto-approve", "--force")
        swept = _sweep_roles_and_functions(run)
        if failure is None:
            _ok(destroyed, "destroy")
            _nothing_left(run, copy)
            assert swept or not copy.jobs, "the jobs' managed roles were not found to delete"


def _check_jobs(run: Run, copy: Copy, spec: str) -> None:
    if not copy.jobs:
        return
    if run.url:
        from tests.sandbox_server import control

        control(run.url, "advance", {"steps": 20})
    rows = json.loads(_ok(run.gtops("status", spec, "--format", "json"), "status"))["jobs"]
    assert {r["spec_name"] for r in rows} >= set(copy.jobs), rows
    copy.live_jobs = [r["name"] for r in rows]  # a relaunched job runs as <name>-<hash>
    for job in copy.jobs:
        got = run.gtops("results", job, spec, "--format", "json")
        if run.url:  # the sandbox's simulated workers label everything
            summary = json.loads(_ok(got, f"results {job}"))["summary"]
            assert summary["labeled"] + summary.get("failed", 0) == copy.objects[job], summary
        else:  # nobody labels in a disposable account: no output yet, said plainly
            assert got.returncode in (0, 1) and "Traceback" not in got.stderr
            assert got.returncode == 0 or "no output manifest yet" in got.stderr, got.stderr


def _sweep_roles_and_functions(run: Run) -> list[str]:
    """gtops never deletes the job roles and Lambdas it made (a job still running may use them); the run
    deletes its own (their names carry the run prefix: gtops-<setup>-...), after destroy stopped the jobs."""
    deleted = []
    lam = run.client("lambda")
    for page in lam.get_paginator("list_functions").paginate():
        for fn in page.get("Functions") or []:
            if run.prefix in fn["FunctionName"]:
                lam.delete_function(FunctionName=fn["FunctionName"])
                deleted.append(fn["FunctionName"])
    iam = run.client("iam")
    for page in iam.get_paginator("list_roles").paginate():
        for role in page.get("Roles") or []:
            name = role["RoleName"]
            if run.prefix not in name:
                continue
            for policy in iam.list_role_policies(RoleName=name).get("PolicyNames") or []:
                iam.delete_role_policy(RoleName=name, PolicyName=policy)
            for attached in iam.list_attached_role_policies(RoleName=name).get("AttachedPolicies") or []:
                iam.detach_role_policy(RoleName=name, PolicyArn=attached["PolicyArn"])
            iam.delete_role(RoleName=name)
            deleted.append(name)
    return deleted


def _nothing_left(run: Run, copy: Copy) -> None:
    sm = run.client("sagemaker")
    assert foreign_workforces(sm) == [], "the workforce outlived destroy"
    teams = {t["WorkteamName"] for t in sm.list_workteams().get("Workteams") or []}
    assert not teams & set(copy.teams)
    pools = run.client("cognito-idp").list_user_pools(MaxResults=60)["UserPools"]
    assert not [p["Name"] for p in pools if p["Name"].startswith(run.prefix)]
    for job in copy.live_jobs:
        status = sm.describe_labeling_job(LabelingJobName=job)["LabelingJobStatus"]
        assert status in ("Stopping", "Stopped", "Completed", "Failed"), f"{job} is still {status}"
