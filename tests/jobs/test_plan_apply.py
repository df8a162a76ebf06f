"""Jobs through plan and apply on the sandbox: what gets created, uploaded and refused."""

from __future__ import annotations

import json

import pytest

from gtops.jobs.plan import JobChangeError
from gtops.plan import Action
from tests.jobs.conftest import CUSTOM_JOB, changes_of, make_workspace, manifest

BBOX = """\
- name: boxes
  task_type: bounding_box
  team: t1
  labels: [train, car]
  input: {folder: images}
  output: s3://data-bucket/out/
  role: managed
"""

# The AWS accounts owning the built-in Lambdas differ per region (AWS API reference, HumanTaskConfig).
REGION_ACCOUNTS = {
    "us-east-1": "432418664414",
    "eu-central-1": "203001061592",
    "ap-southeast-2": "454466003867",
}


@pytest.mark.parametrize("region", sorted(REGION_ACCOUNTS))
def test_jobs_use_the_builtin_lambdas_of_their_region(sandbox, tmp_path, region):
    ws = make_workspace(tmp_path, region)
    ws.write(BBOX)
    ws.apply()
    human = ws.describe("boxes")["HumanTaskConfig"]
    account = REGION_ACCOUNTS[region]
    assert human["PreHumanTaskLambdaArn"] == f"arn:aws:lambda:{region}:{account}:function:PRE-BoundingBox"
    consolidation = human["AnnotationConsolidationConfig"]["AnnotationConsolidationLambdaArn"]
    assert consolidation == f"arn:aws:lambda:{region}:{account}:function:ACS-BoundingBox"


def test_label_file_template_and_manifest_are_uploaded(workspace):
    ws = workspace
    ws.write(
        BBOX.replace("labels: [train, car]", "labels: [train, car]\n  instructions: {short: <p>Box it</p>}")
    )
    planned = ws.plan()
    job = changes_of(planned, "labeling_job")["boxes"]
    assert job.action is Action.CREATE
    assert job.after["objects"] == 3
    ws.apply()
    described = ws.describe("boxes")
    labels = json.loads(ws.read(described["LabelCategoryConfigS3Uri"]))
    assert labels == {
        "document-version": "2018-11-28",
        "labels": [{"label": "train"}, {"label": "car"}],
        "instructions": {"shortInstruction": "<p>Box it</p>"},
    }
    # Content-addressed: the key holds a prefix of the file's sha256.
    import hashlib

    body = ws.read(described["LabelCategoryConfigS3Uri"])
    assert hashlib.sha256(body).hexdigest()[:16] in described["LabelCategoryConfigS3Uri"]
    template = ws.read(described["HumanTaskConfig"]["UiConfig"]["UiTemplateS3Uri"]).decode()
    assert "<crowd-bounding-box" in template and "task.input.taskObject | grant_read_access" in template
    assert "<p>Box it</p>" in template
    lines = manifest(ws, described["InputConfig"]["DataSource"]["S3DataSource"]["ManifestS3Uri"])
    assert len(lines) == 3
    for line, name in zip(lines, ["img0.png", "img1.png", "img2.png"], strict=True):
        assert line["source-ref"].endswith("/" + name)
        assert ws.read(line["source-ref"]) == (ws.root / "images" / name).read_bytes()


def test_cors_rule_is_merged_with_existing_rules(workspace):
    ws = workspace
    s3 = ws.client("s3")
    existing = {"AllowedMethods": ["PUT"], "AllowedOrigins": ["https://app.example.com"]}
    s3.put_bucket_cors(Bucket="data-bucket", CORSConfiguration={"CORSRules": [existing]})
    ws.write(BBOX)
    ws.apply()
    rules = s3.get_bucket_cors(Bucket="data-bucket")["CORSRules"]
    assert any(
        r["AllowedMethods"] == ["PUT"] and r["AllowedOrigins"] == ["https://app.example.com"] for r in rules
    )
    gt = [r for r in rules if r["AllowedMethods"] == ["GET"] and r["AllowedOrigins"] == ["*"]]
    assert len(gt) == 1 and gt[0]["ExposeHeaders"] == ["Access-Control-Allow-Origin"]
    # A second job on the same bucket does not add the rule twice.
    ws.write(BBOX + BBOX.replace("name: boxes", "name: boxes-two"))
    ws.apply()
    assert len(s3.get_bucket_cors(Bucket="data-bucket")["CORSRules"]) == 2


def test_changed_job_is_an_error_naming_the_spec_line(workspace):
    ws = workspace
    ws.write(BBOX)
    ws.apply()
    ws.write(
        BBOX.replace("[train, car]", "[train, car, bus]").replace(
            "role: managed", "role: managed\n  workers_per_object: 2"
        )
    )
    with pytest.raises(JobChangeError) as err:
        ws.plan()
    text = str(err.value)
    assert "jobs.yaml:2" in text
    assert "labels ([train, car] -> [train, car, bus])" in text
    assert "workers_per_object (1 -> 2)" in text
    assert "relaunch: auto" in text and "new name" in text


def test_finished_jobs_are_history_not_recreated(workspace):
    ws = workspace
    ws.write(BBOX)
    ws.apply()
    workspace_sandbox = __import__("gtops.sandbox", fromlist=["advance_jobs"])
    workspace_sandbox.advance_jobs("boxes", steps=10)
    assert ws.describe("boxes")["LabelingJobStatus"] == "Completed"
    planned = ws.plan()
    assert changes_of(planned, "labeling_job")["boxes"].action is Action.NOOP
    assert planned.plan.empty


def test_relaunch_auto_launches_a_new_job_and_stops_the_old(workspace):
    ws = workspace
    auto = BBOX.replace("role: managed", "role: managed\n  relaunch: auto")
    ws.write(auto)
    first = ws.apply()
    (old,) = changes_of(first, "labeling_job")
    assert old.startswith("boxes-") and len(old) == len("boxes-") + 8
    assert ws.plan().plan.empty  # same configuration, same name: nothing to do
    __import__("gtops.sandbox", fromlist=["advance_jobs"]).advance_jobs(old, steps=1)  # now InProgress
    ws.write(auto.replace("[train, car]", "[train, car, bus]"))
    planned = ws.plan()
    jobs = changes_of(planned, "labeling_job")
    (new,) = [n for n, c in jobs.items() if c.action is Action.CREATE]
    assert new.startswith("boxes-") and new != old
    assert jobs[old].action is Action.DELETE and "relaunch: auto" in jobs[old].reason
    ws.apply()
    assert ws.describe(old)["LabelingJobStatus"] in ("Stopping", "Stopped")
    assert ws.describe(new)["LabelingJobStatus"] in ("Initializing", "InProgress")


def test_removed_jobs_are_stopped_only_with_prune(workspace):
    ws = workspace
    two = BBOX + BBOX.replace("name: boxes", "name: boxes-two")
    ws.write(two)
    ws.apply()
    __import__("gtops.sandbox", fromlist=["advance_jobs"]).advance_jobs(steps=1)  # both InProgress
    ws.write(BBOX)
    planned = ws.plan()
    assert "boxes-two" not in changes_of(planned, "labeling_job")
    assert any("boxes-two" in w and "prune.jobs" in w for w in planned.plan.warnings)
    ws.write(BBOX, extra="prune: {jobs: true}")
    planned = ws.plan()
    stop = changes_of(planned, "labeling_job")["boxes-two"]
    assert stop.action is Action.DELETE and "prune.jobs" in stop.reason
    ws.apply()
    assert ws.describe("boxes-two")["LabelingJobStatus"] in ("Stopping", "Stopped")
    assert ws.describe("boxes")["LabelingJobStatus"] == "InProgress"


def test_public_workforce_price_and_task_type_rules(workspace):
    ws = workspace
    ws.write(
        """\
        - name: public-boxes
          task_type: bounding_box
          workforce: public
          labels: [bird]
          content_classifiers: [FreeOfPersonallyIdentifiableInformation]
          input: {folder: images}
          output: s3://data-bucket/out/
          role: arn:aws:iam::123456789012:role/labeling
        - name: segments
          task_type: semantic_segmentation
          team: t1
          labels: [bird, tree]
          input: {folder: images}
          output: s3://data-bucket/out/
          role: arn:aws:iam::123456789012:role/labeling
        - name: entities
          task_type: named_entity_recognition
          team: t1
          labels: [{label: Person, short_name: PER}, {label: Place}]
          instructions: {short: Mark names, full: <ol><li>Mark every name</li></ol>}
          input: {manifest_file: texts.manifest}
          output: s3://data-bucket/out/
          role: arn:aws:iam::123456789012:role/labeling
        """
    )
    (ws.root / "texts.manifest").write_text(
        '{"source": "Ada lives in London"}\n{"source": "Alan met Grace"}\n'
    )
    ws.apply()
    public = ws.describe("public-boxes")["HumanTaskConfig"]
    assert public["WorkteamArn"] == "arn:aws:sagemaker:us-east-1:394669845002:workteam/public-crowd/default"
    assert public["PublicWorkforceTaskPrice"] == {
        "AmountInUsd": {"Dollars": 0, "Cents": 3, "TenthFractionsOfACent": 6}
    }
    assert ws.describe("segments")["LabelAttributeName"] == "segments-ref"
    ner = ws.describe("entities")
    assert ner["HumanTaskConfig"]["UiConfig"] == {
        "HumanTaskUiArn": "arn:aws:sagemaker:us-east-1:394669845002:human-task-ui/NamedEntityRecognition"
    }
    labels = json.loads(ws.read(ner["LabelCategoryConfigS3Uri"]))
    assert labels["labels"] == [{"label": "Person", "shortDisplayName": "PER"}, {"label": "Place"}]
    assert labels["instructions"]["fullInstruction"] == "<ol><li>Mark every name</li></ol>"
    # Text jobs need no CORS; image jobs put it on the bucket holding the images.
    assert ws.client("s3").get_bucket_cors(Bucket="data-bucket")["CORSRules"]


def test_manifest_built_from_s3_prefix_of_text_files(workspace):
    ws = workspace
    s3 = ws.client("s3")
    s3.put_object(Bucket="data-bucket", Key="texts/a.txt", Body=b"first line\n\nsecond line\n")
    s3.put_object(Bucket="data-bucket", Key="texts/b.txt", Body=b"third line\n")
    s3.put_object(Bucket="data-bucket", Key="texts/skip.jpg", Body=b"not text")
    ws.write(
        """\
        - name: texts
          task_type: text_classification
          team: t1
          labels: [good, bad]
          input: {s3_prefix: "s3://data-bucket/texts/"}
          output: s3://data-bucket/out/
          role: arn:aws:iam::123456789012:role/labeling
        """
    )
    ws.apply()
    uri = ws.describe("texts")["InputConfig"]["DataSource"]["S3DataSource"]["ManifestS3Uri"]
    assert manifest(ws, uri) == [
        {"source": "first line"},
        {"source": "second line"},
        {"source": "third line"},
    ]


def test_managed_role_is_scoped_to_the_jobs_locations(workspace):
    ws = workspace
    ws.bucket("other-bucket")
    ws.write(BBOX)
    ws.apply()
    iam = ws.client("iam")
    role = iam.get_role(RoleName="gtops-jobtest-labeling")["Role"]
    assert ws.describe("boxes")["RoleArn"] == role["Arn"]
    trust = role["AssumeRolePolicyDocument"]
    assert trust["Statement"][0]["Principal"] == {"Service": "sagemaker.amazonaws.com"}
    policy = iam.get_role_policy(RoleName="gtops-jobtest-labeling", PolicyName="gtops-labeling")[
        "PolicyDocument"
    ]
    by_sid = {s["Sid"]: s for s in policy["Statement"]}
    assert by_sid["ReadInput"]["Resource"] == ["arn:aws:s3:::data-bucket/out.gtops/*"]
    assert by_sid["WriteOutput"]["Resource"] == ["arn:aws:s3:::data-bucket/out/*"]
    assert set(by_sid["WriteOutput"]["Action"]) >= {"s3:PutObject", "s3:GetObject"}
    assert by_sid["LocateJobBuckets"]["Resource"] == ["arn:aws:s3:::data-bucket"]
    assert "lambda:InvokeFunction" not in json.dumps(policy)  # built-in Lambdas need no grant
    # A second job writing elsewhere widens the policy in place (an update, not a new role).
    ws.write(
        BBOX + BBOX.replace("name: boxes", "name: elsewhere").replace("data-bucket/out/", "other-bucket/o/")
    )
    role_change = changes_of(ws.plan(), "iam_role")["gtops-jobtest-labeling"]
    assert role_change.action is Action.UPDATE
    ws.apply()
    policy = iam.get_role_policy(RoleName="gtops-jobtest-labeling", PolicyName="gtops-labeling")[
        "PolicyDocument"
    ]
    writes = {s["Sid"]: s for s in policy["Statement"]}["WriteOutput"]["Resource"]
    assert writes == ["arn:aws:s3:::data-bucket/out/*", "arn:aws:s3:::other-bucket/o/*"]


def test_custom_job_deploys_local_lambdas_and_updates_only_changed_code(workspace):
    ws = workspace
    (ws.root / "pre.py").write_text(
        "def lambda_handler(event, context):\n"
        "    return {'taskInput': {'taskObject': event['dataObject']['source-ref']}}\n"
    )
    (ws.root / "post.py").write_text("def lambda_handler(event, context):\n    return []\n")
    (ws.root / "ui.html").write_text(
        '<crowd-form><crowd-bounding-box name="b" src="{{ task.input.taskObject | grant_read_access }}"'
        ' labels="[&quot;eye&quot;]"></crowd-bounding-box></crowd-form>\n'
    )
    ws.write(CUSTOM_JOB)
    planned = ws.plan()
    functions = changes_of(planned, "lambda_function")
    assert set(functions) == {"gtops-jobtest-pre", "gtops-jobtest-post"}
    assert all(c.action is Action.CREATE for c in functions.values())
    ws.apply()
    human = ws.describe("faces")["HumanTaskConfig"]
    lam = ws.client("lambda")
    pre_arn = lam.get_function(FunctionName="gtops-jobtest-pre")["Configuration"]["FunctionArn"]
    assert human["PreHumanTaskLambdaArn"] == pre_arn
    policy = ws.client("iam").get_role_policy(RoleName="gtops-jobtest-labeling", PolicyName="gtops-labeling")
    invoke = {s["Sid"]: s for s in policy["PolicyDocument"]["Statement"]}["InvokeTaskLambdas"]
    assert pre_arn in invoke["Resource"]
    # Unchanged code: no-op. Changed code: an update of that function only.
    assert all(c.action is Action.NOOP for c in changes_of(ws.plan(), "lambda_function").values())
    (ws.root / "post.py").write_text("def lambda_handler(event, context):\n    return [1]\n")
    functions = changes_of(ws.plan(), "lambda_function")
    assert functions["gtops-jobtest-post"].action is Action.UPDATE
    assert functions["gtops-jobtest-post"].reason == "the code changed"
    assert functions["gtops-jobtest-pre"].action is Action.NOOP


BOUNDARY = "arn:aws:iam::123456789012:policy/gtops-boundary"
NARROWER = "arn:aws:iam::123456789012:policy/boundaries/gtops-narrower"


def test_roles_gtops_creates_carry_the_spec_permissions_boundary(workspace):
    import io

    from gtops.render import render

    ws = workspace
    (ws.root / "pre.py").write_text("def lambda_handler(event, context):\n    return {}\n")
    (ws.root / "post.py").write_text("def lambda_handler(event, context):\n    return []\n")
    (ws.root / "ui.html").write_text(
        '<crowd-form><crowd-classifier name="c" categories="[&quot;eye&quot;]">'
        "</crowd-classifier></crowd-form>\n"
    )
    role_names = {"gtops-jobtest-labeling", "gtops-jobtest-lambda"}
    ws.write(CUSTOM_JOB, extra=f"permissions_boundary: {BOUNDARY}")
    planned = ws.plan()
    created = changes_of(planned, "iam_role")
    assert set(created) == role_names
    assert {c.after["permissions_boundary"] for c in created.values()} == {BOUNDARY}
    shown = io.StringIO()
    render(planned.plan, "text", shown)
    assert f'+ permissions_boundary = "{BOUNDARY}"' in shown.getvalue()
    ws.apply()
    iam = ws.client("iam")

    def boundaries() -> dict[str, str | None]:
        out = {}
        for name in role_names:
            found = iam.get_role(RoleName=name)["Role"].get("PermissionsBoundary") or {}
            out[name] = found.get("PermissionsBoundaryArn")
        return out

    assert boundaries() == dict.fromkeys(role_names, BOUNDARY)
    assert all(c.action is Action.NOOP for c in changes_of(ws.plan(), "iam_role").values())

    # A live role whose boundary differs from the spec's is updated in place.
    ws.write(CUSTOM_JOB, extra=f"permissions_boundary: {NARROWER}")
    updates = changes_of(ws.plan(), "iam_role")
    assert {c.action for c in updates.values()} == {Action.UPDATE}
    for change in updates.values():
        assert [f.path for f in change.fields] == ["permissions_boundary"]
        assert change.before["permissions_boundary"] == BOUNDARY
        assert "permissions boundary" in change.reason
    ws.apply()
    assert boundaries() == dict.fromkeys(role_names, NARROWER)

    # Without the key, gtops leaves a role's boundary alone (it never removes one).
    ws.write(CUSTOM_JOB)
    assert all(c.action is Action.NOOP for c in changes_of(ws.plan(), "iam_role").values())
    ws.apply()
    assert boundaries() == dict.fromkeys(role_names, NARROWER)
