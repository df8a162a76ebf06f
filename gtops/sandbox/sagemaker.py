"""The Ground Truth operations moto lacks: workforces, work teams, labeling jobs and their tags.

State lives in our own moto `BackendDict`, so moto's reset (leaving `mock_aws`, `POST /moto-api/reset`)
clears it too. Handlers return `(status, headers, json)` and raise `JsonRESTError`, the moto surface that
has stayed stable across 5.x. Request shapes were validated before these handlers run (see hooks.py);
what is checked here are the rules behind the shapes.
"""

from __future__ import annotations

import base64
import datetime as dt
import ipaddress
import json
import re
import secrets
import string
import time
from collections.abc import Callable, Iterator
from typing import Any

from moto.core.base_backend import BackendDict, BaseBackend
from moto.core.exceptions import JsonRESTError
from moto.sagemaker.responses import SageMakerResponse

from gtops.sandbox import validation
from gtops.sandbox.hooks import LOCKS
from gtops.sandbox.wire import Response, json_response

MAX_WORKTEAMS = 25
MAX_TAGS = 50
DEFAULT_PAGE = 10
PUBLIC_CROWD_ACCOUNT = "394669845002"
# Task types whose label attribute must end in "-ref" (the output is a reference to a file).
REF_TASKS = (
    "SemanticSegmentation",
    "AdjustmentSemanticSegmentation",
    "VideoObjectDetection",
    "VideoObjectTracking",
    "AdjustmentVideoObjectDetection",
    "AdjustmentVideoObjectTracking",
    "3DPointCloudSemanticSegmentation",
    "3DPointCloudObjectTracking",
    "Adjustment3DPointCloudSemanticSegmentation",
    "Adjustment3DPointCloudObjectTracking",
)
GT_OPERATIONS = (
    "CreateWorkforce",
    "DescribeWorkforce",
    "UpdateWorkforce",
    "ListWorkforces",
    "DeleteWorkforce",
    "CreateWorkteam",
    "DescribeWorkteam",
    "UpdateWorkteam",
    "ListWorkteams",
    "DeleteWorkteam",
    "CreateLabelingJob",
    "DescribeLabelingJob",
    "ListLabelingJobs",
    "ListLabelingJobsForWorkteam",
    "StopLabelingJob",
)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


# A workforce's transition in progress (private keys: answers carry only modelled members). AWS's model lists
# the states (WorkforceStatus: Initializing | Updating | Deleting | Failed | Active) but no document says how
# long each takes; Terraform's provider (internal/service/sagemaker/wait.go) waits Initializing/Updating ->
# Active after CreateWorkforce and UpdateWorkforce, and Deleting -> gone after DeleteWorkforce, up to 10
# minutes each. The sandbox holds each state `workforce_seconds` (a realism setting; 0, the default: instant),
# as set at the time it is read: setting it to 0 finishes every transition in progress.
# Model, NotificationConfiguration.NotificationTopicArn.
_TOPIC_ARN = re.compile(r"arn:aws[a-z\-]*:sns:[a-z0-9\-]*:[0-9]{12}:[a-zA-Z0-9_.-]*")
_PENDING = "_gtops_pending"
_STARTED = "_gtops_started_at"


def _hold() -> float:
    from gtops.sandbox.realism import REALISM

    return REALISM.config.workforce_seconds


def _transition(workforce: dict[str, Any], status: str) -> bool:
    """Start a transition; False when the realism setting makes it instant (the caller finishes it)."""
    if _hold() <= 0:
        return False
    workforce["Status"] = status
    workforce[_PENDING] = status
    workforce[_STARTED] = time.monotonic()
    return True


def _error(code: str, message: str) -> JsonRESTError:
    return JsonRESTError(code, message)


def _invalid(message: str) -> JsonRESTError:
    return JsonRESTError("ValidationException", message)


class GroundTruthBackend(BaseBackend):
    """Ground Truth state for one account and region."""

    def __init__(self, region_name: str, account_id: str):
        super().__init__(region_name, account_id)
        self.workforces: dict[str, dict[str, Any]] = {}
        self.workteams: dict[str, dict[str, Any]] = {}
        self.labeling_jobs: dict[str, dict[str, Any]] = {}  # keyed by lower-cased name: unique forever
        self.tags: dict[str, list[dict[str, str]]] = {}

    def arn(self, kind: str) -> str:
        return f"arn:{self.partition}:sagemaker:{self.region_name}:{self.account_id}:{kind}"


gt_backends: BackendDict[GroundTruthBackend] = BackendDict(GroundTruthBackend, "sagemaker")


def iter_labeling_jobs() -> Iterator[tuple[str, str, dict[str, Any]]]:
    """(account_id, region, job) for every labeling job in every account and region."""
    for account_id, regions in list(gt_backends.items()):
        for region, backend in list(regions.items()):
            for job in list(backend.labeling_jobs.values()):
                yield account_id, region, job


def _labeling() -> Any:
    try:
        from gtops.sandbox import labeling
    except ImportError:  # the lifecycle module is optional: without it jobs stay as created
        return None
    return labeling


def call_labeling(hook: str, *args: Any) -> Any:
    """Run a labeling lifecycle hook, holding the S3 lock because hooks write job output to S3."""
    module = _labeling()
    function = getattr(module, hook, None) if module else None
    if function is None:
        return None
    with LOCKS["s3"]:
        return function(*args)


def _subdomain(region: str) -> str:
    alphabet = string.ascii_lowercase + string.digits
    return "".join(secrets.choice(alphabet) for _ in range(10)) + f".labeling.{region}.sagemaker.aws"


def _token(offset: int) -> str:
    return base64.urlsafe_b64encode(json.dumps({"offset": offset}).encode()).decode()


def _offset(token: str | None) -> int:
    if not token:
        return 0
    try:
        offset = int(json.loads(base64.urlsafe_b64decode(token.encode()))["offset"])
    except (ValueError, KeyError, TypeError) as err:
        raise _invalid("Invalid pagination token.") from err
    if offset < 0:
        raise _invalid("Invalid pagination token.")
    return offset


def _page(items: list[Any], params: dict[str, Any]) -> tuple[list[Any], str | None]:
    size = params.get("MaxResults") or DEFAULT_PAGE
    start = _offset(params.get("NextToken"))
    chunk = items[start : start + size]
    more = start + size < len(items)
    return chunk, (_token(start + size) if more else None)


def _sorted(
    items: list[dict[str, Any]], params: dict[str, Any], keys: dict[str, str], default: str
) -> list[dict[str, Any]]:
    contains = params.get("NameContains")
    name_key = keys["Name"]
    if contains:
        items = [i for i in items if contains.lower() in i[name_key].lower()]
    field = keys.get(params.get("SortBy") or default, keys[default])

    def key(item: dict[str, Any]) -> Any:
        value = item.get(field)
        return validation._epoch(value) if field != name_key and field != "LabelingJobStatus" else value

    return sorted(items, key=key, reverse=params.get("SortOrder") == "Descending")


class GroundTruthResponse(SageMakerResponse):
    """moto's SageMaker responses plus the Ground Truth operations."""

    def parse_parameters(self, request: Any) -> None:
        # moto>=5.2 parses every request before dispatch; a body it cannot parse must be AWS's
        # SerializationException, not an HTML 500.
        try:
            super().parse_parameters(request)
        except Exception as err:
            raise _error("SerializationException", f"Could not parse the request: {err}") from err

    # -- plumbing ---------------------------------------------------------------------------------
    @property
    def gt(self) -> GroundTruthBackend:
        return gt_backends[self.current_account][self.region]

    def _params(self) -> dict[str, Any]:
        return validation.parse_body(self.body)

    def _answer(self, operation: str, data: dict[str, Any]) -> Response:
        return json_response(validation.output_for("sagemaker", operation, data))

    def _tags_in(self, tags: list[dict[str, str]] | None) -> list[dict[str, str]]:
        merged: dict[str, str] = {}
        for tag in tags or []:
            merged[tag["Key"]] = tag.get("Value", "")
        if len(merged) > MAX_TAGS:
            raise _invalid(f"Too many tags: at most {MAX_TAGS} are allowed.")
        return [{"Key": k, "Value": v} for k, v in merged.items()]

    # -- workforces -------------------------------------------------------------------------------
    def _settle(self) -> dict[str, dict[str, Any]]:
        """The region's workforces, with every transition whose time has come finished."""
        now, hold = time.monotonic(), _hold()
        for workforce in list(self.gt.workforces.values()):
            pending = workforce.get(_PENDING)
            if pending is None or now - workforce[_STARTED] < hold:
                continue
            workforce.pop(_PENDING)
            workforce.pop(_STARTED)
            if pending == "Deleting":
                self._forget_workforce(workforce)
            else:
                workforce["Status"] = "Active"
        return self.gt.workforces

    def _forget_workforce(self, workforce: dict[str, Any]) -> None:
        self.gt.workforces.pop(workforce["WorkforceName"], None)
        self.gt.tags.pop(workforce["WorkforceArn"], None)

    def _workforce(self, name: str) -> dict[str, Any]:
        workforce = self._settle().get(name)
        if workforce is None:
            raise _invalid(f"No workforce found with name {name}.")
        return workforce

    def _check_cidrs(self, config: dict[str, Any] | None) -> dict[str, Any]:
        cidrs = (config or {}).get("Cidrs", [])
        if len(cidrs) > 10:
            raise _invalid("SourceIpConfig.Cidrs: at most 10 CIDR blocks are allowed.")
        for cidr in cidrs:
            try:
                ipaddress.ip_network(cidr, strict=False)
            except ValueError as err:
                raise _invalid(f"Invalid CIDR block: {cidr}") from err
        return {"Cidrs": list(cidrs)}

    def _cognito_pool(self, pool_id: str, client_id: str | None = None, group: str | None = None) -> None:
        """Check that a Cognito pool (and client, group) exist in the emulated Cognito, as AWS does."""
        from moto.cognitoidp.models import cognitoidp_backends

        with LOCKS["cognito-idp"]:
            pool = cognitoidp_backends[self.current_account][self.region].user_pools.get(pool_id)
            if pool is None:
                raise _invalid(f"User pool {pool_id} does not exist.")
            if client_id is not None and client_id not in pool.clients:
                raise _invalid(f"App client {client_id} does not exist in user pool {pool_id}.")
            if group is not None and group not in pool.groups:
                raise _invalid(f"User group {group} not found in user pool {pool_id}.")

    def _new_workforce(self, name: str, params: dict[str, Any], implicit: bool = False) -> dict[str, Any]:
        if self._settle():
            existing = next(iter(self.gt.workforces.values()))
            if existing["Status"] == "Deleting":
                # Model, CreateWorkforce: "You can only create one workforce in each Amazon Web Services
                # Region per Amazon Web Services account." One being deleted still counts until it is gone
                # (the code and wording are assumed: AWS documents neither).
                raise _invalid(
                    f"The workforce {existing['WorkforceName']} is being deleted (Status Deleting); only one "
                    "workforce is allowed per account and region. Wait until it is gone."
                )
            existing_name = existing["WorkforceName"]
            raise _invalid(
                f"A private workforce already exists in this account and region ({existing_name}); "
                "only one is allowed. Delete it before creating another."
            )
        cognito, oidc = params.get("CognitoConfig"), params.get("OidcConfig")
        if bool(cognito) == bool(oidc):
            raise _invalid("Specify exactly one of CognitoConfig and OidcConfig.")
        if cognito:
            self._cognito_pool(cognito["UserPool"], cognito["ClientId"])
        now = _now()
        workforce: dict[str, Any] = {
            "WorkforceName": name,
            "WorkforceArn": self.gt.arn(f"workforce/{name}"),
            "LastUpdatedDate": now,
            "CreateDate": now,
            "SourceIpConfig": self._check_cidrs(params.get("SourceIpConfig")),
            "SubDomain": _subdomain(self.region),
            "Status": "Active",
            "IpAddressType": params.get("IpAddressType") or "ipv4",
        }
        if cognito:
            workforce["CognitoConfig"] = {"UserPool": cognito["UserPool"], "ClientId": cognito["ClientId"]}
        elif oidc:  # exactly one of the two, checked above
            workforce["OidcConfig"] = {k: v for k, v in oidc.items() if k != "ClientSecret"}
        if params.get("WorkforceVpcConfig"):
            workforce["WorkforceVpcConfig"] = params["WorkforceVpcConfig"]
        self.gt.workforces[name] = workforce
        self.gt.tags[workforce["WorkforceArn"]] = self._tags_in(params.get("Tags"))
        if not implicit:
            _transition(workforce, "Initializing")
        return workforce

    def create_workforce(self) -> Response:
        params = self._params()
        workforce = self._new_workforce(params["WorkforceName"], params)
        return self._answer("CreateWorkforce", {"WorkforceArn": workforce["WorkforceArn"]})

    def describe_workforce(self) -> Response:
        workforce = self._workforce(self._params()["WorkforceName"])
        return self._answer("DescribeWorkforce", {"Workforce": workforce})

    def update_workforce(self) -> Response:
        params = self._params()
        workforce = self._workforce(params["WorkforceName"])
        if workforce["Status"] != "Active":
            # Model, UpdateWorkforce errors: ConflictException only ("There was a conflict when you attempted
            # to modify a SageMaker entity"). That an update waits for the previous transition is assumed.
            raise _error(
                "ConflictException",
                f"Workforce {workforce['WorkforceName']} is {workforce['Status']}; "
                "it can be updated once it is Active.",
            )
        if params.get("OidcConfig"):
            if "CognitoConfig" in workforce:
                raise _invalid("OidcConfig cannot be set on a workforce that uses Amazon Cognito.")
            if self._teams_of(workforce):
                raise _error("ConflictException", "OidcConfig can only be changed when no work teams exist.")
            workforce["OidcConfig"] = {k: v for k, v in params["OidcConfig"].items() if k != "ClientSecret"}
        if "SourceIpConfig" in params:
            workforce["SourceIpConfig"] = self._check_cidrs(params["SourceIpConfig"])
        if params.get("WorkforceVpcConfig"):
            workforce["WorkforceVpcConfig"] = params["WorkforceVpcConfig"]
        if params.get("IpAddressType"):
            workforce["IpAddressType"] = params["IpAddressType"]
        workforce["LastUpdatedDate"] = _now()
        _transition(workforce, "Updating")
        return self._answer("UpdateWorkforce", {"Workforce": workforce})

    def list_workforces(self) -> Response:
        params = self._params()
        keys = {"Name": "WorkforceName", "CreateDate": "CreateDate"}
        items = _sorted(list(self._settle().values()), params, keys, "CreateDate")
        page, token = _page(items, params)
        return self._answer("ListWorkforces", {"Workforces": page, "NextToken": token})

    def delete_workforce(self) -> Response:
        workforce = self._workforce(self._params()["WorkforceName"])
        if workforce["Status"] == "Deleting":
            return self._answer("DeleteWorkforce", {})  # already on its way (assumed: no source)
        if self._teams_of(workforce):
            raise _error(
                "ResourceInUse",
                f"Workforce {workforce['WorkforceName']} still has work teams; delete them first.",
            )
        # DeleteWorkforce is asynchronous: Describe answers Status Deleting until the workforce is gone
        # (Terraform's WaitWorkforceDeleted, added with PR #27538).
        if not _transition(workforce, "Deleting"):
            self._forget_workforce(workforce)
        return self._answer("DeleteWorkforce", {})

    def _teams_of(self, workforce: dict[str, Any]) -> list[dict[str, Any]]:
        return [t for t in self.gt.workteams.values() if t["WorkforceArn"] == workforce["WorkforceArn"]]

    # -- work teams -------------------------------------------------------------------------------
    def _workteam(self, name: str) -> dict[str, Any]:
        team = self.gt.workteams.get(name)
        if team is None:
            raise _invalid(f"The work team {name} does not exist.")
        return team

    def _check_members(self, workforce: dict[str, Any], members: list[dict[str, Any]]) -> None:
        cognito = workforce.get("CognitoConfig")
        for member in members:
            cmd, omd = member.get("CognitoMemberDefinition"), member.get("OidcMemberDefinition")
            if bool(cmd) == bool(omd):
                raise _invalid(
                    "Each member definition needs exactly one of CognitoMemberDefinition and "
                    "OidcMemberDefinition."
                )
            if cognito is None:
                if cmd:
                    raise _invalid(
                        "The workforce uses OIDC; member definitions must be OidcMemberDefinition."
                    )
                continue
            if not cmd:  # so an OidcMemberDefinition: exactly one of the two, checked above
                raise _invalid("The workforce uses Amazon Cognito; use CognitoMemberDefinition.")
            if cmd["UserPool"] != cognito["UserPool"] or cmd["ClientId"] != cognito["ClientId"]:
                raise _invalid(
                    "All member definitions must use the workforce's user pool "
                    f"{cognito['UserPool']} and app client {cognito['ClientId']}."
                )
            self._cognito_pool(cmd["UserPool"], cmd["ClientId"], cmd["UserGroup"])

    def _check_topic(self, config: dict[str, Any] | None) -> dict[str, Any]:
        """The team's NotificationConfiguration. `{}` (no NotificationTopicArn, which is optional) clears the
        topic: ASSUMED, AWS documents no way to remove one (gtops/kinds/workteam.py, CLEAR_TOPIC). An ARN
        not matching the model's pattern, "" included, is the standard pattern refusal."""
        config = config or {}
        if "NotificationTopicArn" not in config:
            return {}
        arn = config["NotificationTopicArn"]
        if not isinstance(arn, str) or not _TOPIC_ARN.fullmatch(arn):
            raise _invalid(
                f"1 validation error detected: Value '{arn}' at "
                "'notificationConfiguration.notificationTopicArn' failed to satisfy constraint: "
                f"Member must satisfy regular expression pattern: {_TOPIC_ARN.pattern}"
            )
        parts = arn.split(":")
        if len(parts) >= 6 and parts[3] == self.region and parts[4] == self.current_account:
            from moto.sns.models import sns_backends

            with LOCKS["sns"]:
                exists = arn in sns_backends[self.current_account][self.region].topics
            if not exists:
                raise _invalid(f"The notification topic {arn} does not exist.")
        return {"NotificationTopicArn": arn}

    def _workforce_for_team(self, params: dict[str, Any]) -> dict[str, Any]:
        """The team's workforce; with none in the region, one is created implicitly (named `default`)."""
        wanted = params.get("WorkforceName")
        if self._settle():
            found = next(iter(self.gt.workforces.values())) if wanted is None else self._workforce(wanted)
            _check_active(found)
            return found
        first = (params["MemberDefinitions"][0] or {}).get("CognitoMemberDefinition")
        if not first:
            raise _invalid("No workforce exists; create an OIDC workforce before its work teams.")
        config = {"UserPool": first["UserPool"], "ClientId": first["ClientId"]}
        return self._new_workforce(wanted or "default", {"CognitoConfig": config}, implicit=True)

    def create_workteam(self) -> Response:
        params = self._params()
        name = params["WorkteamName"]
        if name in self.gt.workteams:
            raise _error("ResourceInUse", f"Workteam {name} already exists.")
        if len(self.gt.workteams) >= MAX_WORKTEAMS:
            raise _error(
                "ResourceLimitExceeded",
                f"The account-level service limit 'Maximum number of work teams' is {MAX_WORKTEAMS} "
                f"Workteams, with current utilization of {len(self.gt.workteams)} Workteams.",
            )
        # Check everything before the implicit workforce is created, so a failed call changes nothing.
        if not self._settle():
            first = (params["MemberDefinitions"][0] or {}).get("CognitoMemberDefinition")
            if first:
                probe = {"CognitoConfig": {"UserPool": first["UserPool"], "ClientId": first["ClientId"]}}
                self._check_members(probe, params["MemberDefinitions"])
        notification = self._check_topic(params.get("NotificationConfiguration"))
        workforce = self._workforce_for_team(params)
        self._check_members(workforce, params["MemberDefinitions"])
        now = _now()
        team: dict[str, Any] = {
            "WorkteamName": name,
            "MemberDefinitions": params["MemberDefinitions"],
            "WorkteamArn": self.gt.arn(f"workteam/private-crowd/{name}"),
            "WorkforceArn": workforce["WorkforceArn"],
            "Description": params["Description"],
            "SubDomain": workforce["SubDomain"],
            "CreateDate": now,
            "LastUpdatedDate": now,
            "NotificationConfiguration": notification,
        }
        if params.get("WorkerAccessConfiguration"):
            team["WorkerAccessConfiguration"] = params["WorkerAccessConfiguration"]
        self.gt.workteams[name] = team
        self.gt.tags[team["WorkteamArn"]] = self._tags_in(params.get("Tags"))
        return self._answer("CreateWorkteam", {"WorkteamArn": team["WorkteamArn"]})

    def describe_workteam(self) -> Response:
        team = self._workteam(self._params()["WorkteamName"])
        return self._answer("DescribeWorkteam", {"Workteam": team})

    def update_workteam(self) -> Response:
        params = self._params()
        team = self._workteam(params["WorkteamName"])
        workforce = next(w for w in self.gt.workforces.values() if w["WorkforceArn"] == team["WorkforceArn"])
        if "MemberDefinitions" in params:
            self._check_members(workforce, params["MemberDefinitions"])
        notification = (
            self._check_topic(params["NotificationConfiguration"])
            if "NotificationConfiguration" in params
            else None
        )
        if "MemberDefinitions" in params:  # a full replacement: groups not listed are dropped
            team["MemberDefinitions"] = params["MemberDefinitions"]
        if "Description" in params:
            team["Description"] = params["Description"]
        if notification is not None:
            team["NotificationConfiguration"] = notification
        if "WorkerAccessConfiguration" in params:
            team["WorkerAccessConfiguration"] = params["WorkerAccessConfiguration"]
        team["LastUpdatedDate"] = _now()
        return self._answer("UpdateWorkteam", {"Workteam": team})

    def list_workteams(self) -> Response:
        params = self._params()
        keys = {"Name": "WorkteamName", "CreateDate": "CreateDate"}
        items = _sorted(list(self.gt.workteams.values()), params, keys, "CreateDate")
        page, token = _page(items, params)
        return self._answer("ListWorkteams", {"Workteams": page, "NextToken": token})

    def delete_workteam(self) -> Response:
        team = self._workteam(self._params()["WorkteamName"])
        del self.gt.workteams[team["WorkteamName"]]
        self.gt.tags.pop(team["WorkteamArn"], None)
        return self._answer("DeleteWorkteam", {"Success": True})

    # -- labeling jobs ----------------------------------------------------------------------------
    def _job(self, name: str) -> dict[str, Any]:
        job = self.gt.labeling_jobs.get(name.lower())
        if job is None:
            arn = self.gt.arn(f"labeling-job/{name.lower()}")
            raise _error("ResourceNotFound", f"Could not find labeling job '{arn}'.")
        return job

    def _refreshed(self, job: dict[str, Any]) -> dict[str, Any]:
        call_labeling("refresh", job, self.current_account, self.region)
        return job

    def _check_job(self, params: dict[str, Any]) -> None:
        from gtops.sandbox import job_rules

        human = params["HumanTaskConfig"]
        team_arn = human["WorkteamArn"]
        crowd = f"{PUBLIC_CROWD_ACCOUNT}:workteam/public-crowd/default"
        public = f"arn:{self.partition}:sagemaker:{self.region}:{crowd}"
        if team_arn != public and not any(t["WorkteamArn"] == team_arn for t in self.gt.workteams.values()):
            raise _invalid(f"Workteam {team_arn} does not exist.")
        job_rules.check_role(params["RoleArn"], self.current_account)
        job_rules.check_ui(human, self.region)
        job_rules.check_lambdas(human, self.current_account, self.region)
        job_rules.check_limits(human, public=team_arn == public)
        if team_arn == public:
            job_rules.check_public(human)
        ui = human.get("UiConfig") or {}
        if bool(ui.get("UiTemplateS3Uri")) == bool(ui.get("HumanTaskUiArn")):
            raise _invalid("UiConfig needs exactly one of UiTemplateS3Uri and HumanTaskUiArn.")
        attribute = params["LabelAttributeName"]
        if attribute.endswith("-metadata"):
            raise _invalid("LabelAttributeName must not end with '-metadata'.")
        pre = human.get("PreHumanTaskLambdaArn") or ""
        task = pre.rsplit(":", 1)[-1].removeprefix("function:").removeprefix("PRE-")
        if pre and pre.rsplit(":", 1)[-1].startswith("PRE-"):
            if task in REF_TASKS and not attribute.endswith("-ref"):
                raise _invalid(f"LabelAttributeName must end with '-ref' for {task} labeling jobs.")
            if task not in REF_TASKS and attribute.endswith("-ref"):
                raise _invalid(f"LabelAttributeName must not end with '-ref' for {task} labeling jobs.")

    def create_labeling_job(self) -> Response:
        params = self._params()
        name = params["LabelingJobName"]
        if name.lower() in self.gt.labeling_jobs:
            raise _error(
                "ResourceInUse",
                "Job name must be unique within an AWS account and region, and a job with this name "
                f"already exists ({self.gt.labeling_jobs[name.lower()]['LabelingJobArn']})",
            )
        self._check_job(params)
        now = _now()
        job: dict[str, Any] = dict(params)
        job.update(
            {
                "LabelingJobArn": self.gt.arn(f"labeling-job/{name.lower()}"),
                "LabelingJobStatus": "Initializing",
                "LabelCounters": {
                    "TotalLabeled": 0,
                    "HumanLabeled": 0,
                    "MachineLabeled": 0,
                    "FailedNonRetryableError": 0,
                    "Unlabeled": 0,
                },
                "CreationTime": now,
                "LastModifiedTime": now,
                "JobReferenceCode": self.current_account + secrets.token_hex(4),
            }
        )
        tags = self._tags_in(params.get("Tags"))
        job["Tags"] = tags
        self.gt.labeling_jobs[name.lower()] = job
        self.gt.tags[job["LabelingJobArn"]] = tags
        call_labeling("on_create", job, self.current_account, self.region)
        return self._answer("CreateLabelingJob", {"LabelingJobArn": job["LabelingJobArn"]})

    def describe_labeling_job(self) -> Response:
        job = self._refreshed(self._job(self._params()["LabelingJobName"]))
        return self._answer("DescribeLabelingJob", job)

    def list_labeling_jobs(self) -> Response:
        params = self._params()
        jobs = [self._refreshed(j) for j in self.gt.labeling_jobs.values()]
        jobs = _time_filtered(jobs, params, "CreationTime")
        jobs = _time_filtered(jobs, params, "LastModifiedTime")
        if params.get("StatusEquals"):
            jobs = [j for j in jobs if j["LabelingJobStatus"] == params["StatusEquals"]]
        keys = {"Name": "LabelingJobName", "CreationTime": "CreationTime", "Status": "LabelingJobStatus"}
        page, token = _page(_sorted(jobs, params, keys, "CreationTime"), params)
        summaries = [_job_summary(j) for j in page]
        return self._answer("ListLabelingJobs", {"LabelingJobSummaryList": summaries, "NextToken": token})

    def list_labeling_jobs_for_workteam(self) -> Response:
        params = self._params()
        arn = params["WorkteamArn"]
        if not any(t["WorkteamArn"] == arn for t in self.gt.workteams.values()):
            raise _error("ResourceNotFound", f"Workteam {arn} does not exist.")
        jobs = [
            self._refreshed(j)
            for j in self.gt.labeling_jobs.values()
            if j["HumanTaskConfig"]["WorkteamArn"] == arn
        ]
        jobs = _time_filtered(jobs, params, "CreationTime")
        code = params.get("JobReferenceCodeContains")
        if code:
            jobs = [j for j in jobs if code in j["JobReferenceCode"]]
        jobs = _sorted(
            jobs,
            {**params, "NameContains": None},
            {"Name": "LabelingJobName", "CreationTime": "CreationTime"},
            "CreationTime",
        )
        page, token = _page(jobs, params)
        summaries = [_team_job_summary(j, self.current_account) for j in page]
        return self._answer(
            "ListLabelingJobsForWorkteam", {"LabelingJobSummaryList": summaries, "NextToken": token}
        )

    def stop_labeling_job(self) -> Response:
        job = self._refreshed(self._job(self._params()["LabelingJobName"]))
        if job["LabelingJobStatus"] != "InProgress":
            raise _invalid(
                f"Labeling job {job['LabelingJobName']} is {job['LabelingJobStatus']}; "
                "only an InProgress job can be stopped."
            )
        if _labeling() is None or not hasattr(_labeling(), "stop"):
            job["LabelingJobStatus"] = "Stopped"
            job["LastModifiedTime"] = _now()
        else:
            call_labeling("stop", job, self.current_account, self.region)
        return json_response({})

    # -- tags -------------------------------------------------------------------------------------
    def _own_resource(self, arn: str) -> tuple[bool, Callable[[], bool]]:
        """Whether `arn` is a Ground Truth resource (ours), and a check that it exists."""
        resource = arn.split(":", 5)[-1] if arn.count(":") >= 5 else ""
        kind, _, rest = resource.partition("/")
        backend = self.gt
        if kind == "workforce":
            return True, lambda: any(w["WorkforceArn"] == arn for w in backend.workforces.values())
        if kind == "workteam":
            return True, lambda: any(t["WorkteamArn"] == arn for t in backend.workteams.values())
        if kind == "labeling-job":
            return True, lambda: rest in backend.labeling_jobs
        return False, lambda: False

    def _tagged(self, arn: str) -> list[dict[str, str]]:
        ours, exists = self._own_resource(arn)
        if ":workforce/" in arn:
            # AWS's tag operations do not take a workforce: "ValidationException: Invalid resource type:
            # workforce" on ListTags (hashicorp/terraform-provider-aws#20065, why Terraform's workforce has no
            # tags); AddTags and DeleteTags are assumed to answer the same. CreateWorkforce takes Tags.
            raise _invalid("Invalid resource type: workforce")
        if not exists():
            # AddTags/ListTags/DeleteTags model no errors; AWS answers a missing or deleted resource with a
            # ValidationException (aws/amazon-sagemaker-feedback#108); the message is assumed.
            raise _invalid(f"Resource {arn} does not exist.")
        return self.gt.tags.setdefault(arn, [])

    def _sync_job_tags(self, arn: str, tags: list[dict[str, str]]) -> None:
        self.gt.tags[arn] = tags
        for job in self.gt.labeling_jobs.values():
            if job["LabelingJobArn"] == arn:
                job["Tags"] = tags

    def add_tags(self) -> Any:
        params = self._params()
        arn = params["ResourceArn"]
        if not self._own_resource(arn)[0]:
            return super().add_tags()
        tags = self._tags_in(self._tagged(arn) + params["Tags"])
        self._sync_job_tags(arn, tags)
        return self._answer("AddTags", {"Tags": tags})

    def delete_tags(self) -> Any:
        params = self._params()
        arn = params["ResourceArn"]
        if not self._own_resource(arn)[0]:
            return super().delete_tags()
        keys = set(params["TagKeys"])
        tags = [t for t in self._tagged(arn) if t["Key"] not in keys]
        self._sync_job_tags(arn, tags)
        return self._answer("DeleteTags", {})

    def list_tags(self) -> Any:
        params = self._params()
        arn = params["ResourceArn"]
        if not self._own_resource(arn)[0]:
            return super().list_tags()
        page, token = _page(self._tagged(arn), {**params, "MaxResults": params.get("MaxResults") or 50})
        return self._answer("ListTags", {"Tags": page, "NextToken": token})


def _check_active(workforce: dict[str, Any]) -> None:
    """A team goes on an Active workforce only (assumed: AWS documents no answer for a workforce in
    transition; Terraform's workforce resource waits for Active before anything uses it)."""
    if workforce["Status"] != "Active":
        raise _invalid(
            f"Workforce {workforce['WorkforceName']} is {workforce['Status']}; "
            "work teams can be created on it once it is Active."
        )


def _time_filtered(jobs: list[dict[str, Any]], params: dict[str, Any], field: str) -> list[dict[str, Any]]:
    after, before = params.get(f"{field}After"), params.get(f"{field}Before")
    if after is not None:
        jobs = [j for j in jobs if validation._epoch(j[field]) > validation._epoch(after)]
    if before is not None:
        jobs = [j for j in jobs if validation._epoch(j[field]) < validation._epoch(before)]
    return jobs


def _job_summary(job: dict[str, Any]) -> dict[str, Any]:
    human = job["HumanTaskConfig"]
    summary = dict(job)
    summary["WorkteamArn"] = human["WorkteamArn"]
    summary["PreHumanTaskLambdaArn"] = human.get("PreHumanTaskLambdaArn")
    summary["AnnotationConsolidationLambdaArn"] = (human.get("AnnotationConsolidationConfig") or {}).get(
        "AnnotationConsolidationLambdaArn"
    )
    return summary


def _team_job_summary(job: dict[str, Any], account: str) -> dict[str, Any]:
    counters = job.get("LabelCounters") or {}
    labeled = counters.get("TotalLabeled", 0)
    pending = counters.get("Unlabeled", 0)
    return {
        "LabelingJobName": job["LabelingJobName"],
        "JobReferenceCode": job["JobReferenceCode"],
        "WorkRequesterAccountId": account,
        "CreationTime": job["CreationTime"],
        "LabelCounters": {
            "HumanLabeled": counters.get("HumanLabeled", 0),
            "PendingHuman": pending,
            "Total": labeled + pending + counters.get("FailedNonRetryableError", 0),
        },
        "NumberOfHumanWorkersPerDataObject": job["HumanTaskConfig"]["NumberOfHumanWorkersPerDataObject"],
    }
