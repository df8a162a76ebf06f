"""The job kinds people run beyond one job on a managed team: jobs on an existing team (a spec holding only
jobs), chained verification and adjustment jobs, automated data labeling, streaming jobs."""

from __future__ import annotations

import shutil
import textwrap

import pytest

from gtops.errors import GtopsError
from gtops.planner import Action
from tests.jobs.conftest import BBOX_JOB, changes_of, make_workspace, manifest

ONLY_JOBS = """\
name: labelers
region: us-east-1
jobs:
{jobs}
"""


def _only_jobs(root, jobs: str):
    folder = root / "only-jobs"
    folder.mkdir(exist_ok=True)
    if not (folder / "images").exists():
        shutil.copytree(root / "images", folder / "images")
    (folder / "setup.yaml").write_text(ONLY_JOBS.format(jobs=textwrap.indent(textwrap.dedent(jobs), "  ")))
    return folder


def _plan(folder):
    from gtops.engine import compute, connect
    from gtops.settings import Settings
    from gtops.spec import load_spec

    spec = load_spec([folder])
    return compute(spec, connect(Settings(), spec, None))


def _apply(folder):
    from gtops.engine import apply

    planned = _plan(folder)
    report = apply(planned, log=lambda _: None)
    assert report.ok, report.summary()
    return planned


def test_a_spec_of_only_jobs_runs_them_on_an_existing_team(sandbox, tmp_path):
    ws = make_workspace(tmp_path, "us-east-1")
    ws.write("[]")  # the workforce and team t1, made by another setup
    ws.apply()
    team_arn = ws.client("sagemaker").describe_workteam(WorkteamName="t1")["Workteam"]["WorkteamArn"]

    folder = _only_jobs(tmp_path, BBOX_JOB + BBOX_JOB.replace("boxes", "by-arn").replace("t1", team_arn))
    planned = _plan(folder)
    kinds = sorted({c.address.kind for c in planned.plan.changes if c.action is not Action.NOOP})
    assert "labeling_job" in kinds
    assert not {"workforce", "team", "pool", "group"} & set(kinds)  # the team is used, never managed
    _apply(folder)
    for name in ("boxes", "by-arn"):
        assert ws.describe(name)["HumanTaskConfig"]["WorkteamArn"] == team_arn
    assert all(c.action is Action.NOOP for c in _plan(folder).plan.changes)

    # A team that does not exist is named, with the file and line of the job.
    missing = _only_jobs(tmp_path, BBOX_JOB.replace("name: boxes", "name: other").replace("t1", "t2"))
    with pytest.raises(GtopsError) as err:
        _plan(missing)
    assert "setup.yaml:4" in str(err.value)
    assert "work team 't2' is not in the spec's teams and does not exist" in str(err.value)


VERIFY = """\
- name: check-boxes
  task_type: verification_bounding_box
  team: t1
  labels: [train, car]
  input: {job: boxes}
  output: s3://data-bucket/out/
  role: managed
"""


def test_chained_verification_job_checks_the_boxes_of_a_bounding_box_job(workspace):
    from gtops.sandbox import advance_jobs

    ws = workspace
    ws.write(BBOX_JOB + VERIFY)
    planned = ws.plan()
    assert changes_of(planned, "labeling_job")["boxes"].action is Action.CREATE
    assert "check-boxes" not in changes_of(planned, "labeling_job")  # planned after its source finishes
    assert any("waits for job boxes" in w for w in planned.plan.warnings)
    ws.apply()
    advance_jobs("boxes", steps=10)
    assert ws.describe("boxes")["LabelingJobStatus"] == "Completed"

    planned = ws.plan()
    assert changes_of(planned, "labeling_job")["check-boxes"].action is Action.CREATE
    ws.apply()
    job = ws.describe("check-boxes")
    first = ws.describe("boxes")
    # Its input is the first job's output manifest, and workers check the boxes under the first job's label
    # attribute (the console's chain); the verification Lambdas of the region are used.
    assert (
        job["InputConfig"]["DataSource"]["S3DataSource"]["ManifestS3Uri"]
        == (first["LabelingJobOutput"]["OutputDatasetS3Uri"])
    )
    human = job["HumanTaskConfig"]
    assert human["PreHumanTaskLambdaArn"].endswith(":function:PRE-VerificationBoundingBox")
    assert human["AnnotationConsolidationConfig"]["AnnotationConsolidationLambdaArn"].endswith(
        ":function:ACS-VerificationBoundingBox"
    )
    template = ws.read(human["UiConfig"]["UiTemplateS3Uri"]).decode()
    assert "boxes" in template  # the label attribute whose boxes workers see
    advance_jobs("check-boxes", steps=10)
    done = ws.describe("check-boxes")
    assert done["LabelingJobStatus"] == "Completed"
    lines = manifest(ws, done["LabelingJobOutput"]["OutputDatasetS3Uri"])
    assert len(lines) == 3
    for line in lines:
        assert "boxes" in line  # the first job's boxes are carried over
        meta = line["check-boxes-metadata"]
        assert meta["type"] == "groundtruth/label-verification"
    assert all(c.action is Action.NOOP for c in ws.plan().plan.changes)
