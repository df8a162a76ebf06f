"""The live suite's tools (tests/live/live_kit.py), checked without AWS: the suite itself is opt-in, so what
keeps it from touching what is not its own must be tested where every run sees it."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import boto3
import pytest
import yaml

from tests.live.live_kit import EXAMPLES, REPO, disposable, estimate, foreign_workforces

PREFIX = "gtl-abc123"
BUCKET = "gtl-abc123-data-123456789012"


def _strings(value):
    if isinstance(value, dict):
        for v in value.values():
            yield from _strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from _strings(v)
    elif isinstance(value, str):
        yield value


@pytest.mark.parametrize("example", EXAMPLES)
def test_a_disposable_copy_owns_every_unique_name_and_sends_no_mail(example, tmp_path):
    from gtops.spec import load_spec

    copy = disposable(example, tmp_path / example, PREFIX, BUCKET, public=False)
    setup = load_spec([copy.root]).setup
    assert setup.name.startswith(PREFIX)
    assert setup.pool is not None and setup.pool.name.startswith(PREFIX)
    assert str(setup.domain).startswith(PREFIX)
    assert copy.teams and all(t.name.startswith(PREFIX) for t in setup.teams)
    assert [j.name for j in setup.jobs] == copy.jobs
    assert all(j.name.startswith(PREFIX) and j.role == "managed" for j in setup.jobs)
    assert all(j.workforce != "public" for j in setup.jobs)
    if setup.members is not None:
        assert setup.members.invitation == "suppress"
    for path in copy.root.rglob("*.yaml"):
        uris = [s for s in _strings(yaml.safe_load(path.read_text())) if s.startswith("s3://")]
        assert all(u.startswith(f"s3://{BUCKET}/{example}/") for u in uris), uris
    for manifest in copy.root.rglob("*.manifest"):
        for line in manifest.read_text().splitlines():
            ref = json.loads(line).get("source-ref")
            assert ref is None or ref.startswith(f"s3://{BUCKET}/{example}/")


def test_the_original_examples_are_untouched(tmp_path):
    before = {p: p.read_bytes() for p in (REPO / "specs").rglob("*") if p.is_file()}
    for example in EXAMPLES:
        disposable(example, tmp_path / example, PREFIX, BUCKET)
    assert before == {p: p.read_bytes() for p in (REPO / "specs").rglob("*") if p.is_file()}


def test_the_estimate_counts_objects_and_names_what_is_left_out(tmp_path):
    copies = [disposable(e, tmp_path / e, PREFIX, BUCKET, public=False) for e in EXAMPLES]
    text = "\n".join(estimate(copies))
    objects = sum(sum(c.objects.values()) for c in copies)
    assert f"with {objects} data objects" in text and objects > 0
    assert "Left out (public crowd" in text and "ground-truth-od-demo-public" in text
    kept = [disposable(e, tmp_path / "kept" / e, PREFIX, BUCKET, public=True) for e in EXAMPLES]
    assert "Public-crowd jobs: at most $" in "\n".join(estimate(kept))


def test_the_guard_lists_any_workforce_in_the_region(inprocess_aws):
    sm = boto3.client("sagemaker", region_name="us-east-1")
    assert foreign_workforces(sm) == []
    idp = boto3.client("cognito-idp", region_name="us-east-1")
    pool = idp.create_user_pool(PoolName="theirs")["UserPool"]["Id"]
    app = idp.create_user_pool_client(UserPoolId=pool, ClientName="c")["UserPoolClient"]["ClientId"]
    sm.create_workforce(WorkforceName="theirs", CognitoConfig={"UserPool": pool, "ClientId": app})
    found = foreign_workforces(sm)
    assert len(found) == 1 and "theirs" in found[0] and pool in found[0]


def test_without_the_variable_the_suite_is_skipped_in_one_line():
    env = {k: v for k, v in os.environ.items() if k != "GTOPS_LIVE_AWS"}
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-n", "0", "-rs", "tests/live"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    skipped = [line for line in done.stdout.splitlines() if line.startswith("SKIPPED")]
    assert len(skipped) == 1 and "set GTOPS_LIVE_AWS=1" in skipped[0], done.stdout
    assert "1 skipped" in done.stdout
