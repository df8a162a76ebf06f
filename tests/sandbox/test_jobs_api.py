"""Labeling-job operations follow AWS's rules (names, teams, stop), in process and over loopback."""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.sandbox.conftest import sagemaker_role

LAMBDA = "arn:aws:lambda:us-east-1:432418664414:function:{}-BoundingBox"
PUBLIC_CROWD = "arn:aws:sagemaker:us-east-1:394669845002:workteam/public-crowd/default"
PRICE = {"AmountInUsd": {"Cents": 3, "TenthFractionsOfACent": 6}}


@pytest.fixture(autouse=True)
def explicit_steps(monkeypatch: pytest.MonkeyPatch) -> None:
    """Jobs move only when advanced (the session server is started the same way)."""
    monkeypatch.setenv("GTOPS_SANDBOX_JOB_SECONDS", "0")


def _error(excinfo: pytest.ExceptionInfo[ClientError]) -> tuple[str, str]:
    error = excinfo.value.response["Error"]
    return error["Code"], error["Message"]


@pytest.fixture
def team(cognito_setup: Any) -> Any:
    """Build pool, team and an S3 bucket with a 3-image manifest and a label file; returns the team ARN."""

    def build(sb: Any) -> str:
        setup = cognito_setup(sb)
        member = {"UserPool": setup["pool"], "UserGroup": "labelers", "ClientId": setup["client"]}
        arn = sb.client("sagemaker").create_workteam(
            WorkteamName="team", MemberDefinitions=[{"CognitoMemberDefinition": member}], Description="d"
        )["WorkteamArn"]
        s3 = sb.client("s3")
        s3.create_bucket(Bucket="gt-data")
        lines = [json.dumps({"source-ref": f"s3://gt-data/images/{i}.jpg"}) for i in range(3)]
        s3.put_object(Bucket="gt-data", Key="manifest.jsonl", Body="\n".join(lines).encode())
        labels = {"document-version": "2018-11-28", "labels": [{"label": "train"}, {"label": "car"}]}
        s3.put_object(Bucket="gt-data", Key="labels.json", Body=json.dumps(labels).encode())
        s3.put_object(Bucket="gt-data", Key="ui.liquid.html", Body=b"<crowd-form></crowd-form>")
        sagemaker_role(sb)
        return arn

    return build


def _job(name: str, team_arn: str, **changes: Any) -> dict[str, Any]:
    request: dict[str, Any] = {
        "LabelingJobName": name,
        "LabelAttributeName": "label",
        "InputConfig": {"DataSource": {"S3DataSource": {"ManifestS3Uri": "s3://gt-data/manifest.jsonl"}}},
        "OutputConfig": {"S3OutputPath": "s3://gt-data/output/"},
        "RoleArn": "arn:aws:iam::123456789012:role/GroundTruth",
        "LabelCategoryConfigS3Uri": "s3://gt-data/labels.json",
        "HumanTaskConfig": {
            "WorkteamArn": team_arn,
            "UiConfig": {"UiTemplateS3Uri": "s3://gt-data/ui.liquid.html"},
            "PreHumanTaskLambdaArn": LAMBDA.format("PRE"),
            "AnnotationConsolidationConfig": {"AnnotationConsolidationLambdaArn": LAMBDA.format("ACS")},
            "TaskTitle": "Boxes",
            "TaskDescription": "Draw boxes",
            "NumberOfHumanWorkersPerDataObject": 1,
            "TaskTimeLimitInSeconds": 300,
        },
        "Tags": [{"Key": "owner", "Value": "gtops"}],
    }
    request.update(changes)
    return request


def test_create_and_describe_labeling_job(sandbox: Any, team: Any) -> None:
    team_arn = team(sandbox)
    sm = sandbox.client("sagemaker")
    arn = sm.create_labeling_job(**_job("Image-Job-1", team_arn))["LabelingJobArn"]
    assert arn == "arn:aws:sagemaker:us-east-1:123456789012:labeling-job/image-job-1"
    job = sm.describe_labeling_job(LabelingJobName="image-job-1")
    assert job["LabelingJobName"] == "Image-Job-1"
    assert job["LabelingJobStatus"] == "Initializing"
    assert job["HumanTaskConfig"]["WorkteamArn"] == team_arn
    assert job["Tags"] == [{"Key": "owner", "Value": "gtops"}]
    assert set(job["LabelCounters"]) >= {"TotalLabeled", "HumanLabeled", "Unlabeled"}
    assert job["JobReferenceCode"] and job["CreationTime"] <= job["LastModifiedTime"]
    assert "_gtops_sim" not in job


def test_job_names_are_unique_case_insensitively(sandbox: Any, team: Any) -> None:
    team_arn = team(sandbox)
    sm = sandbox.client("sagemaker")
    sm.create_labeling_job(**_job("Job-A", team_arn))
    with pytest.raises(sm.exceptions.ResourceInUse):
        sm.create_labeling_job(**_job("job-a", team_arn))
    # even after the job ended, the name stays taken
    sandbox.advance("job-a", steps=20)
    assert sm.describe_labeling_job(LabelingJobName="Job-A")["LabelingJobStatus"] == "Completed"
    with pytest.raises(sm.exceptions.ResourceInUse):
        sm.create_labeling_job(**_job("JOB-A", team_arn))


def test_missing_job_is_resource_not_found(sandbox: Any) -> None:
    sm = sandbox.client("sagemaker")
    with pytest.raises(sm.exceptions.ResourceNotFound):
        sm.describe_labeling_job(LabelingJobName="nope")
    with pytest.raises(sm.exceptions.ResourceNotFound):
        sm.stop_labeling_job(LabelingJobName="nope")


def test_job_team_must_exist_or_be_the_public_crowd(sandbox: Any, team: Any) -> None:
    team_arn = team(sandbox)
    sm = sandbox.client("sagemaker")
    ghost = team_arn.replace("/team", "/ghost")
    request = _job("j1", team_arn)
    request["HumanTaskConfig"]["WorkteamArn"] = ghost
    with pytest.raises(ClientError) as excinfo:
        sm.create_labeling_job(**request)
    code, message = _error(excinfo)
    assert code == "ValidationException" and ghost in message
    request["HumanTaskConfig"]["WorkteamArn"] = PUBLIC_CROWD
    request["HumanTaskConfig"]["PublicWorkforceTaskPrice"] = PRICE
    assert sm.create_labeling_job(**request)["LabelingJobArn"].endswith("/j1")


def test_label_attribute_rules(sandbox: Any, team: Any) -> None:
    team_arn = team(sandbox)
    sm = sandbox.client("sagemaker")
    with pytest.raises(ClientError) as metadata:
        sm.create_labeling_job(**_job("j1", team_arn, LabelAttributeName="label-metadata"))
    assert "-metadata" in _error(metadata)[1]
    with pytest.raises(ClientError) as ref:
        sm.create_labeling_job(**_job("j1", team_arn, LabelAttributeName="label-ref"))
    assert "-ref" in _error(ref)[1]
    segmentation = _job("j1", team_arn)
    for key, kind in (("PreHumanTaskLambdaArn", "PRE"), ("AnnotationConsolidationConfig", "ACS")):
        arn = LAMBDA.format(kind).replace("BoundingBox", "SemanticSegmentation")
        human = segmentation["HumanTaskConfig"]
        human[key] = arn if kind == "PRE" else {"AnnotationConsolidationLambdaArn": arn}
    with pytest.raises(ClientError) as needs_ref:
        sm.create_labeling_job(**segmentation)
    assert "must end with '-ref'" in _error(needs_ref)[1]
    sm.create_labeling_job(**{**segmentation, "LabelAttributeName": "label-ref"})


def test_ui_config_needs_exactly_one_source(sandbox: Any, team: Any) -> None:
    team_arn = team(sandbox)
    sm = sandbox.client("sagemaker")
    request = _job("j1", team_arn)
    request["HumanTaskConfig"]["UiConfig"] = {}
    with pytest.raises(ClientError) as excinfo:
        sm.create_labeling_job(**request)
    assert "UiConfig" in _error(excinfo)[1]


def test_stop_only_from_in_progress(sandbox: Any, team: Any) -> None:
    team_arn = team(sandbox)
    sm = sandbox.client("sagemaker")
    sm.create_labeling_job(**_job("j1", team_arn))
    with pytest.raises(ClientError) as initializing:
        sm.stop_labeling_job(LabelingJobName="j1")
    code, message = _error(initializing)
    assert code == "ValidationException" and "Initializing" in message
    assert sandbox.advance("j1") == ["j1"]
    assert sm.describe_labeling_job(LabelingJobName="j1")["LabelingJobStatus"] == "InProgress"
    sm.stop_labeling_job(LabelingJobName="J1")
    assert sm.describe_labeling_job(LabelingJobName="j1")["LabelingJobStatus"] in ("Stopping", "Stopped")
    sandbox.advance("j1", steps=5)
    assert sm.describe_labeling_job(LabelingJobName="j1")["LabelingJobStatus"] == "Stopped"
    with pytest.raises(ClientError) as stopped:
        sm.stop_labeling_job(LabelingJobName="j1")
    assert _error(stopped)[0] == "ValidationException"


def test_failed_job_cannot_be_stopped(sandbox: Any, team: Any) -> None:
    team_arn = team(sandbox)
    sm = sandbox.client("sagemaker")
    input_config = {"DataSource": {"S3DataSource": {"ManifestS3Uri": "s3://gt-data/missing.jsonl"}}}
    sm.create_labeling_job(**_job("j1", team_arn, InputConfig=input_config))
    job = sm.describe_labeling_job(LabelingJobName="j1")
    assert job["LabelingJobStatus"] == "Failed" and job["FailureReason"]
    with pytest.raises(ClientError) as excinfo:
        sm.stop_labeling_job(LabelingJobName="j1")
    assert _error(excinfo)[0] == "ValidationException"


def test_list_labeling_jobs_filters_sorting_and_pages(sandbox: Any, team: Any) -> None:
    team_arn = team(sandbox)
    sm = sandbox.client("sagemaker")
    for name in ("b-job", "a-job", "c-other"):
        sm.create_labeling_job(**_job(name, team_arn))
    sandbox.advance("a-job")
    listed = sm.list_labeling_jobs()["LabelingJobSummaryList"]
    assert [j["LabelingJobName"] for j in listed] == ["b-job", "a-job", "c-other"]
    assert listed[0]["WorkteamArn"] == team_arn
    assert listed[0]["PreHumanTaskLambdaArn"] == LAMBDA.format("PRE")
    assert listed[0]["AnnotationConsolidationLambdaArn"] == LAMBDA.format("ACS")
    by_name = sm.list_labeling_jobs(SortBy="Name", SortOrder="Descending", NameContains="JOB")
    assert [j["LabelingJobName"] for j in by_name["LabelingJobSummaryList"]] == ["b-job", "a-job"]
    running = sm.list_labeling_jobs(StatusEquals="InProgress")["LabelingJobSummaryList"]
    assert [j["LabelingJobName"] for j in running] == ["a-job"]
    page = sm.list_labeling_jobs(MaxResults=2)
    assert len(page["LabelingJobSummaryList"]) == 2
    assert [
        j["LabelingJobName"]
        for j in sm.list_labeling_jobs(NextToken=page["NextToken"])["LabelingJobSummaryList"]
    ] == ["c-other"]


def test_list_labeling_jobs_for_workteam(sandbox: Any, team: Any) -> None:
    team_arn = team(sandbox)
    sm = sandbox.client("sagemaker")
    sm.create_labeling_job(**_job("j1", team_arn))
    public = _job("j2", PUBLIC_CROWD)
    public["HumanTaskConfig"]["PublicWorkforceTaskPrice"] = PRICE
    sm.create_labeling_job(**public)
    listed = sm.list_labeling_jobs_for_workteam(WorkteamArn=team_arn)["LabelingJobSummaryList"]
    assert [j["LabelingJobName"] for j in listed] == ["j1"]
    assert listed[0]["WorkRequesterAccountId"] == "123456789012"
    assert listed[0]["NumberOfHumanWorkersPerDataObject"] == 1
    with pytest.raises(sm.exceptions.ResourceNotFound):
        sm.list_labeling_jobs_for_workteam(WorkteamArn=team_arn.replace("/team", "/ghost"))


def test_labeling_job_tags(sandbox: Any, team: Any) -> None:
    team_arn = team(sandbox)
    sm = sandbox.client("sagemaker")
    arn = sm.create_labeling_job(**_job("j1", team_arn))["LabelingJobArn"]
    sm.add_tags(ResourceArn=arn, Tags=[{"Key": "stage", "Value": "dev"}])
    sm.delete_tags(ResourceArn=arn, TagKeys=["owner"])
    assert sm.list_tags(ResourceArn=arn)["Tags"] == [{"Key": "stage", "Value": "dev"}]
    assert sm.describe_labeling_job(LabelingJobName="j1")["Tags"] == [{"Key": "stage", "Value": "dev"}]


def test_advance_all_jobs(sandbox: Any, team: Any) -> None:
    team_arn = team(sandbox)
    sm = sandbox.client("sagemaker")
    sm.create_labeling_job(**_job("j1", team_arn))
    sm.create_labeling_job(**_job("j2", team_arn))
    assert sorted(sandbox.advance(steps=10)) == ["j1", "j2"]
    job = sm.describe_labeling_job(LabelingJobName="j2")
    assert job["LabelingJobStatus"] == "Completed"
    assert job["LabelCounters"]["TotalLabeled"] == 3
    assert job["LabelingJobOutput"]["OutputDatasetS3Uri"].endswith("manifests/output/output.manifest")
    assert sandbox.advance("nope") == []


# -- what CreateLabelingJob refuses at once, and what fails the job later (gtops/sandbox/job_rules.py) ------
def _refused(sm: Any, request: dict[str, Any]) -> str:
    with pytest.raises(ClientError) as excinfo:
        sm.create_labeling_job(**request)
    code, message = _error(excinfo)
    assert code == "ValidationException", message
    return message


def test_a_role_sagemaker_cannot_assume_is_refused_at_create(sandbox: Any, team: Any) -> None:
    team_arn = team(sandbox)
    sm, iam = sandbox.client("sagemaker"), sandbox.client("iam")
    missing = _job("j1", team_arn, RoleArn="arn:aws:iam::123456789012:role/Nobody")
    assert "Could not assume role arn:aws:iam::123456789012:role/Nobody" in _refused(sm, missing)
    principal = {"Service": "lambda.amazonaws.com"}
    statement = {"Effect": "Allow", "Principal": principal, "Action": "sts:AssumeRole"}
    lambda_only = json.dumps({"Statement": [statement]})
    arn = iam.create_role(RoleName="ForLambda", AssumeRolePolicyDocument=lambda_only)["Role"]["Arn"]
    assert "'sagemaker.amazonaws.com'" in _refused(sm, _job("j1", team_arn, RoleArn=arn))
    other_account = _job("j1", team_arn, RoleArn="arn:aws:iam::210987654321:role/GroundTruth")
    assert "Could not assume role" in _refused(sm, other_account)
    assert sm.create_labeling_job(**_job("j1", team_arn))["LabelingJobArn"].endswith("/j1")


def test_builtin_lambdas_and_task_uis_must_be_aws_own_in_the_region(sandbox: Any, team: Any) -> None:
    team_arn = team(sandbox)
    sm = sandbox.client("sagemaker")
    wrong_account = _job("j1", team_arn)
    wrong_account["HumanTaskConfig"]["PreHumanTaskLambdaArn"] = LAMBDA.format("PRE").replace(
        "432418664414", "081040173940"
    )
    assert "in us-east-1 they belong to account 432418664414" in _refused(sm, wrong_account)
    other_region = _job("j1", team_arn)
    other_region["HumanTaskConfig"]["PreHumanTaskLambdaArn"] = LAMBDA.format("PRE").replace(
        "us-east-1", "us-west-2"
    )
    assert "is in region us-west-2" in _refused(sm, other_region)
    mixed = _job("j1", team_arn)
    mixed["HumanTaskConfig"]["AnnotationConsolidationConfig"] = {
        "AnnotationConsolidationLambdaArn": LAMBDA.format("ACS").replace("BoundingBox", "ImageMultiClass")
    }
    assert "different task types" in _refused(sm, mixed)
    ui = _job("j1", team_arn)
    ui["HumanTaskConfig"]["UiConfig"] = {
        "HumanTaskUiArn": "arn:aws:sagemaker:us-east-1:394669845002:human-task-ui/3DPointCloudObjectDetection"
    }
    assert "not a worker task UI of Ground Truth" in _refused(sm, ui)


def test_limits_and_the_public_workforce(sandbox: Any, team: Any) -> None:
    team_arn = team(sandbox)
    sm = sandbox.client("sagemaker")
    long_task = _job("j1", team_arn)
    long_task["HumanTaskConfig"]["TaskTimeLimitInSeconds"] = 8 * 3600 + 1
    assert "maximum of 28800 seconds" in _refused(sm, long_task)
    public = _job("j1", PUBLIC_CROWD)
    assert "needs a PublicWorkforceTaskPrice" in _refused(sm, public)
    public["HumanTaskConfig"]["PublicWorkforceTaskPrice"] = PRICE
    public["HumanTaskConfig"]["TaskAvailabilityLifetimeInSeconds"] = 12 * 3600 + 1
    assert "maximum of 43200 seconds" in _refused(sm, public)
    public["HumanTaskConfig"]["TaskAvailabilityLifetimeInSeconds"] = 12 * 3600
    assert sm.create_labeling_job(**public)["LabelingJobArn"].endswith("/j1")
    private = _job("j2", team_arn)
    private["HumanTaskConfig"]["TaskAvailabilityLifetimeInSeconds"] = 30 * 86400
    sm.create_labeling_job(**private)  # a private workforce may keep tasks 30 days


def test_what_aws_accepts_fails_the_job_with_a_reason(sandbox: Any, team: Any) -> None:
    team_arn = team(sandbox)
    sm = sandbox.client("sagemaker")
    no_template = _job("j1", team_arn)
    no_template["HumanTaskConfig"]["UiConfig"] = {"UiTemplateS3Uri": "s3://gt-data/missing.liquid.html"}
    sm.create_labeling_job(**no_template)
    failed = sm.describe_labeling_job(LabelingJobName="j1")
    assert failed["LabelingJobStatus"] == "Failed"
    assert failed["FailureReason"].startswith("ClientError: Failed to read the worker task template at ")
    own = "arn:aws:lambda:us-east-1:123456789012:function:my-pre"
    custom = _job("j2", team_arn)
    custom["HumanTaskConfig"]["PreHumanTaskLambdaArn"] = own
    custom["HumanTaskConfig"]["AnnotationConsolidationConfig"] = {
        "AnnotationConsolidationLambdaArn": own.replace("my-pre", "my-acs")
    }
    sm.create_labeling_job(**custom)  # AWS does not look the account's own Lambdas up at create
    reason = sm.describe_labeling_job(LabelingJobName="j2")["FailureReason"]
    assert reason.startswith(f"ClientError: Exception invoking the Lambda function {own}.")
    assert "Ensure the Lambda function exists" in reason
