"""Bad input that once escaped as a traceback, a hang or a silent acceptance; each is now refused cleanly."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.badinput.conftest import REPO, gtops

C = "tests/badinput/cases"


def refused(run, *expected):
    text = run.out + run.err
    assert run.code == 1, text
    assert "Error: unexpected " not in text and "Traceback" not in text, text
    for part in expected:
        assert part in text, text


@pytest.mark.e2e
def test_yaml_alias_bomb_is_refused_quickly():
    """gtops/spec/yaml_loader.py: a billion-laughs document hangs validate (it never returns)."""
    proc = subprocess.run(
        [sys.executable, "-m", "gtops", "validate", f"{C}/spec-yaml-alias-bomb.yaml"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=10,
    )
    assert proc.returncode == 1 and "alias" in proc.stderr.lower()


def test_worker_in_more_than_100_groups_is_refused(monkeypatch):
    """Cognito caps groups per user at 100; gtops/spec/members_csv.py (and checks.py for inline workers)."""
    monkeypatch.chdir(REPO)
    refused(gtops("validate", f"{C}/csv-too-many-groups.yaml"), "csv-too-many-groups.csv:2:", "100")


def test_plan_file_without_spec_section(moto_cli):
    """gtops/gitops/planfile.py:185 load() trusts the document's shape: KeyError 'spec'."""
    refused(gtops("apply", f"{C}/planfile-missing-spec.json", "--auto-approve"), "planfile-missing-spec.json")


def test_manifest_not_utf8(moto_cli):
    """gtops/jobs/s3.py manifest_lines: body.decode('utf-8') raises UnicodeDecodeError out of plan."""
    refused(gtops("plan", f"{C}/manifest-not-utf8.yaml"), "manifest-not-utf8.yaml:10: jobs[0] (j1):", "UTF-8")


def test_manifest_source_ref_must_be_s3(moto_cli):
    """gtops/jobs/prepare.py _Input._parse: an https:// source-ref plans fine; Ground Truth needs s3://."""
    refused(gtops("plan", f"{C}/manifest-source-ref-not-s3.yaml"), "source-ref", "s3://")


def test_http_callback_url_refused(monkeypatch):
    """gtops/spec/schema.py:308/314 allow http://; Cognito needs HTTPS (http only for localhost)."""
    monkeypatch.chdir(REPO)
    refused(gtops("validate", f"{C}/spec-http-callback.yaml"), "spec-http-callback.yaml:7:", "https")


def test_export_to_an_impossible_folder(moto_cli):
    """gtops/gitops/export.py / commands/gitops_cmds.py: NotADirectoryError escapes."""
    refused(gtops("export", "--out", "/dev/null/x", "--pool", "LabelUserPool"), "/dev/null/x")


def test_unknown_region_flag(moto_cli):
    """gtops/aws.py partition(): the spec's region is validated, --region is not (UnknownRegionError)."""
    refused(gtops("plan", "tests/e2e/stack", "--region", "mars-north-9"), "mars-north-9")


def test_endpoint_url_that_is_not_a_url(moto_cli):
    """gtops/aws.py client(): botocore's ValueError('Invalid endpoint') is not translated."""
    refused(gtops("plan", "tests/e2e/stack", "--endpoint-url", "not-a-url"), "not-a-url")


@pytest.mark.e2e
def test_unreachable_endpoint_is_one_sentence(tmp_path):
    """The first call (STS) retries once only, so an endpoint that refuses connections is reported at once."""

    env = {
        "PATH": __import__("os").environ["PATH"],
        "HOME": str(tmp_path),
        "AWS_ACCESS_KEY_ID": "x",
        "AWS_SECRET_ACCESS_KEY": "y",
        "XDG_CACHE_HOME": str(tmp_path),
    }
    proc = subprocess.run(
        [sys.executable, "-m", "gtops", "plan", "tests/e2e/stack", "--endpoint-url", "http://127.0.0.1:9"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 1
    assert proc.stderr.strip().endswith(
        "Cannot reach http://127.0.0.1:9: is the network (or the sandbox) up?"
    )
