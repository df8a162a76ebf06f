"""Least privilege: the IAM policy a pipeline role needs to plan and apply one spec.

`USES` is the inventory of every AWS operation gtops calls, one row per code path, with the resource it
touches and the part of the spec that makes gtops call it. The policy is built from that table only, so a
new call that is not listed here is denied in a pipeline using the generated policy. The tests keep the table
honest: they scan gtops's source for operations missing from it, check that each row's code path exists, and
run real applies, recording every call, to check the policy allows each one.

Resources are scoped where AWS allows it. Some operations accept only "*" (listing, CreateUserPool,
DescribeUserPoolDomain, Search...). A pool's id is unknown until it exists, so the pool is scoped to the
account and region (`userpool/*`) unless `pool.id` pins it. Deletes of things that left the spec (prune,
destroy) are scoped by the `gtops:setup` ownership tag where the service supports tag conditions, so a
destroy policy cannot delete another setup's pool, topic, workforce or teams.

Roles gtops creates (managed job roles, the role of deployed Lambdas) are written only with the permissions
boundary the spec names (`iam:PermissionsBoundary` condition): a pipeline role allowed to create and write
roles could otherwise make one with more rights than its own and pass it to SageMaker or Lambda.
"""

from __future__ import annotations

import fnmatch
import functools
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from gtops import kinds
from gtops.errors import GtopsError
from gtops.kinds.base import APPLY, DESTROY, PLAN, Use
from gtops.model import SETUP_TAG

if TYPE_CHECKING:
    from gtops.setup import Setup

__all__ = ["APPLY", "DESTROY", "PLAN", "USES", "Use", "action_of", "build_policy"]
ACCOUNT_PLACEHOLDER = "${AWS::AccountId}"
SAGEMAKER = "sagemaker.amazonaws.com"
COGNITO = "cognito-idp.amazonaws.com"
LAMBDA = "lambda.amazonaws.com"


# Calls made outside the kinds' own modules (the account, the lock, saved plans, destroy's checks). Every kind
# lists its own operations (gtops/kinds/<kind>.py `iam`); USES is the whole inventory.
OWN_USES: tuple[Use, ...] = (
    Use("gtops.aws:Aws.account", "sts", ("GetCallerIdentity",), "any"),
    Use("gtops.gitops.lock:S3Lock", "s3", ("GetObject",), "lock", "lock", APPLY),
    Use("gtops.gitops.lock:S3Lock", "s3", ("PutObject", "DeleteObject"), "lock", "lock", APPLY),
    Use("gtops.gitops.planfile:record_applied", "cognito-idp", ("DescribeUserPool",), "pool", "pool", APPLY),
    Use("gtops.gitops.planfile:record_applied", "cognito-idp", ("TagResource",), "pool", "pool", APPLY),
    Use("gtops.gitops.destroy:_running_jobs", "sagemaker", ("ListLabelingJobs",), "any", "always", DESTROY),
    # Checks before apply (gtops.preflight): who the caller is, and what its policies allow.
    Use("gtops.preflight:caller_arn", "sts", ("GetCallerIdentity",), "any"),
    Use("gtops.preflight:_decisions", "iam", ("SimulatePrincipalPolicy",), "callers"),
    Use("gtops.preflight:_source_with_path", "iam", ("GetRole",), "callers"),
    Use(
        "gtops.gitops.destroy:_running_jobs",
        "sagemaker",
        ("DescribeLabelingJob",),
        "all_jobs",
        "always",
        DESTROY,
    ),
)
USES: tuple[Use, ...] = OWN_USES + kinds.uses()


# IAM action names that differ from the API operation's.
ACTION_NAMES: dict[tuple[str, str], str] = {
    ("s3", "HeadObject"): "s3:GetObject",
    ("s3", "HeadBucket"): "s3:ListBucket",
    ("s3", "ListObjectsV2"): "s3:ListBucket",
    ("s3", "GetBucketCors"): "s3:GetBucketCORS",
    ("s3", "PutBucketCors"): "s3:PutBucketCORS",
}


def action_of(service: str, operation: str) -> str:
    """The IAM action authorizing an API operation: cognito-idp:CreateGroup, s3:GetObject for HeadObject..."""
    return ACTION_NAMES.get((service, operation), f"{service}:{operation}")


# --- what the spec needs -----------------------------------------------------------------------------------


def _local_lambdas(s: Setup) -> bool:
    return any(not v.startswith("arn:") for j in s.jobs for v in (j.lambdas or {}).values())


def _members(s: Setup) -> bool:
    return bool(s.pool and s.members and s.members.workers)


def _named_roles(s: Setup) -> list[str]:
    """Job roles the spec names by ARN (gtops's managed roles are its own)."""
    return sorted({j.role for j in s.jobs if j.role != "managed"})


def _named_functions(s: Setup) -> list[str]:
    """Custom Lambdas the spec names by ARN (not AWS's built-in PRE-/ACS- functions, nor the deployed)."""
    from gtops.jobs.tasks import task_of_lambda

    values = {v for j in s.jobs for v in (j.lambdas or {}).values() if v.startswith("arn:")}
    return sorted(v for v in values if task_of_lambda(v) == "custom")


# Which spec feature makes gtops call an operation (a Use's `when`).
_NEEDS: dict[str, Callable[[Setup], bool]] = {
    "always": lambda s: True,
    "pool": lambda s: s.pool is not None,
    "pool_mfa": lambda s: bool(s.pool and s.pool.mfa),
    "pool_mfa_sms": lambda s: bool(s.pool and s.pool.mfa and s.pool.mfa.sms_role_arn),
    "client": lambda s: bool(s.pool and s.client),
    "groups": lambda s: bool(s.pool and s.groups),
    "domain": lambda s: bool(s.pool and s.domain),
    "workforce": lambda s: s.workforce is not None,
    "teams": lambda s: bool(s.teams),
    # Teams are read for prune.groups too (a group a team outside the spec uses is never pruned).
    "workforce_or_teams": lambda s: bool(s.workforce or s.teams or (s.pool and s.prune.groups)),
    "topic": lambda s: s.topic is not None,
    "managed_topic": lambda s: bool(s.topic and s.topic.existing_arn is None),
    "members": _members,
    "members_topic": lambda s: _members(s) and s.topic is not None,
    "jobs": lambda s: bool(s.jobs),
    "relaunch_auto": lambda s: any(j.relaunch == "auto" for j in s.jobs),
    "managed_roles": lambda s: any(j.role == "managed" for j in s.jobs) or _local_lambdas(s),
    "lambdas": _local_lambdas,
    "external_teams": lambda s: any(
        j.team and j.team.rsplit("/", 1)[-1] not in {t.name for t in s.teams} for j in s.jobs if not j.public
    ),
    "streaming": lambda s: any(j.streaming for j in s.jobs),
    "job_topics_created": lambda s: any(
        v and not v.startswith("arn:") for j in s.jobs for v in (j.input.get("sns_topic"), j.output_topic)
    ),
    "lock": lambda s: s.lock is not None,
    "named_job_roles": lambda s: bool(_named_roles(s)),
    "job_keys": lambda s: any(j.kms_key for j in s.jobs),
    "named_functions": lambda s: bool(_named_functions(s)),
    "prune_groups": lambda s: bool(s.pool and s.prune.groups),
    "prune_teams": lambda s: s.prune.teams,
    "prune_members": lambda s: bool(s.pool and s.prune.members),
    "prune_jobs": lambda s: s.prune.jobs,
}


# --- resources -------------------------------------------------------------------------------------------


@dataclass
class Target:
    """Where the policy applies: partition, region, account (or the placeholder) and the spec."""

    spec: Setup
    region: str
    account: str
    partition: str = "aws"
    boundary: str | None = None  # the permissions boundary every role gtops writes must carry

    def arn(self, service: str, resource: str, region: bool = True, account: bool = True) -> str:
        r = self.region if region else ""
        a = self.account if account else ""
        return f"arn:{self.partition}:{service}:{r}:{a}:{resource}"

    @functools.cached_property
    def files(self) -> JobFiles:
        return job_files(self.spec, self.region)

    @property
    def setup(self) -> str:
        return self.spec.name


@dataclass(frozen=True)
class Grant:
    resources: tuple[str, ...]
    condition: tuple[tuple[str, str, tuple[str, ...]], ...] = ()  # (operator, key, values)


def _sm_names(names: Iterable[str]) -> list[str]:
    """SageMaker lower-cases some names in ARNs; IAM matches ARNs case-sensitively, so allow both."""
    out: list[str] = []
    for name in names:
        for variant in (name, name.lower()):
            if variant not in out:
                out.append(variant)
    return out


def _pool(t: Target) -> list[Grant]:
    pinned = t.spec.pool.id if t.spec.pool else None
    return [Grant((t.arn("cognito-idp", f"userpool/{pinned or '*'}"),))]


def _topic(t: Target) -> list[Grant]:
    topic = t.spec.topic
    arn = (topic.existing_arn or t.arn("sns", topic.name)) if topic else t.arn("sns", "*")
    return [Grant((arn,))]


def _workforce_arn(t: Target) -> str:
    return t.arn("sagemaker", f"workforce/{t.spec.workforce.name if t.spec.workforce else 'default'}")


def _team_arns(t: Target) -> list[str]:
    names = _sm_names(team.name for team in t.spec.teams)
    return [t.arn("sagemaker", f"workteam/private-crowd/{n}") for n in names]


def _owned(t: Target, arn: str) -> Grant:
    return _setup_owned(t, (arn,))


# Condition keys per the Service Authorization Reference (docs.aws.amazon.com/service-authorization/latest/
# reference/), "Resource types" tables:
# - list_amazoncognitouserpools.html: resource type `userpool` has aws:ResourceTag/${TagKey}, and
#   DeleteUserPool, UpdateUserPool, DeleteGroup, AdminDeleteUser, DeleteUserPoolClient and
#   DeleteUserPoolDomain all authorize on `userpool*`, so the pool's tags decide every delete inside it.
# - list_amazonsns.html: resource type `topic` has aws:ResourceTag/${TagKey}; DeleteTopic is on `topic*`.
# - list_amazonsagemaker.html: resource types `workforce` and `workteam` have aws:ResourceTag/${TagKey};
#   DeleteWorkforce and DeleteWorkteam are on them.
# gtops tags each of these with gtops:setup when it creates or adopts it (Setup.ownership_tags).
def _setup_owned(t: Target, arns: Iterable[str]) -> Grant:
    return Grant(tuple(arns), (("StringEquals", f"aws:ResourceTag/{SETUP_TAG}", (t.setup,)),))


def _job_names(t: Target) -> list[str]:
    names: list[str] = []
    for job in t.spec.jobs:
        names.append(job.name)
        if job.relaunch == "auto":  # the name gets a hash suffix of the job's configuration
            names.append(f"{job.name}-*")
    return _sm_names(names)


def _s3(t: Target, bucket: str, key: str | None = None) -> str:
    return f"arn:{t.partition}:s3:::{bucket}" + ("" if key is None else f"/{key}")


def _split(uri: str) -> tuple[str, str]:
    bucket, _, key = uri[5:].partition("/")
    return bucket, key


def _prefix_arn(t: Target, uri: str) -> str:
    bucket, key = _split(uri)
    return _s3(t, bucket, key + "*" if not key or key.endswith("/") else key)


@dataclass
class JobFiles:
    """The S3 locations one spec's jobs touch, known without calling AWS."""

    inputs: list[str]  # objects and prefixes gtops reads
    assets: list[str]  # prefixes gtops uploads to
    cors: list[str]  # buckets whose CORS rules gtops reads and merges
    notes: list[str]


def job_files(setup: Setup, region: str = "us-east-1") -> JobFiles:
    """Prepared offline as apply would (local manifests and folders too: they decide the CORS buckets)."""
    from gtops.jobs.prepare import Context, assets_prefix, prepare

    inputs: list[str] = []
    assets: list[str] = []
    cors: list[str] = []
    notes: list[str] = []

    def add(items: list[str], *values: str) -> None:
        for value in values:
            if value not in items:
                items.append(value)

    ctx = Context(setup=setup, region=region, account="000000000000", s3=None)
    outputs = {j.name.lower(): j.output if j.output.endswith("/") else j.output + "/" for j in setup.jobs}
    for index, job in enumerate(setup.jobs):
        prefix = assets_prefix(job)
        add(assets, prefix)
        add(inputs, prefix)
        for named in (job.template, job.label_file):  # existing S3 objects the spec names
            if named and named.startswith("s3://"):
                add(inputs, named)
        source = job.input
        if "job" in source:  # chained: the source job's output manifest (a spec job's output prefix)
            found = outputs.get(source["job"].lower())
            if found:
                add(inputs, found)
            else:
                notes.append(
                    f"job {job.name}: add read access to the output manifest of job {source['job']} "
                    "(it is not in the spec)"
                )
            continue
        if "s3_prefix" in source:  # listing it needs S3: known from the spec alone
            uri = source["s3_prefix"]
            add(inputs, uri if uri.endswith("/") else uri + "/")
            add(cors, _split(uri)[0])
            continue
        try:
            prepared = prepare(ctx, index, job)
        except GtopsError:  # unreadable local files are validate's business; keep what the spec names
            prepared = None
        if prepared is not None:  # the execution role reads the images; gtops only needs their CORS
            add(cors, *prepared.cors_buckets)
        if "manifest" in source:
            add(inputs, source["manifest"])
            bucket = _split(source["manifest"])[0]
            add(cors, bucket)
            notes.append(
                f"job {job.name}: if {source['manifest']} lists images outside bucket {bucket}, "
                "add their buckets to the InputBucketCors statement"
            )
    return JobFiles(inputs, assets, sorted(cors), notes)


def _job_roles(t: Target) -> list[str]:
    from gtops.jobs.prepare import managed_role_name

    out: list[str] = []
    for job in t.spec.jobs:
        role = job.role
        if role == "managed":
            role = t.arn("iam", f"role/{managed_role_name(t.setup)}", region=False)
        if role and role not in out:
            out.append(role)
    return out


def _managed_role_arns(t: Target) -> tuple[str, ...]:
    from gtops.jobs.prepare import managed_role_name

    names = []
    if any(j.role == "managed" for j in t.spec.jobs):
        names.append(managed_role_name(t.setup))
    if _local_lambdas(t.spec):
        names.append(managed_role_name(t.setup, "lambda"))
    return tuple(t.arn("iam", f"role/{n}", region=False) for n in names)


def _managed_roles(t: Target) -> list[Grant]:
    arns = _managed_role_arns(t)
    return [Grant(arns)] if arns else []


# iam:PermissionsBoundary, per the Service Authorization Reference for IAM (docs.aws.amazon.com/
# service-authorization/latest/reference/list_awsidentityandaccessmanagementiam.html, "Actions" table), is a
# key of CreateRole (the boundary in the request), PutRolePermissionsBoundary (likewise), PutRolePolicy and
# UpdateAssumeRolePolicy (the boundary the role already has), but not of TagRole: a condition on a key an
# action lacks never matches, so TagRole stays unconditioned (tags change no permissions of the role).
# iam:DeleteRolePermissionsBoundary is never granted. Roles are created with their boundary and the boundary
# is put before any other write (jobs/apply.py), so each conditioned call sees it.
def _bounded(t: Target) -> list[Grant]:
    arns = _managed_role_arns(t)
    if not arns:
        return []
    if t.boundary is None:  # --no-permissions-boundary: said out loud by `gtops iam-policy`
        return [Grant(arns)]
    return [Grant(arns, (("StringEquals", "iam:PermissionsBoundary", (t.boundary,)),))]


def _boundary_roles(t: Target) -> list[Grant]:
    """PutRolePermissionsBoundary: only to put the one boundary; never granted without one (it could swap
    a role's boundary for a wider policy)."""
    return _bounded(t) if t.boundary is not None else []


def needs_roles(setup: Setup) -> bool:
    """Whether the spec makes gtops create IAM roles (managed job roles, roles of deployed Lambdas)."""
    return _NEEDS["managed_roles"](setup)


def _functions(t: Target) -> list[Grant]:
    from gtops.jobs.prepare import lambda_function_name

    arns = []
    for job in t.spec.jobs:
        for role, value in (job.lambdas or {}).items():
            if not value.startswith("arn:"):
                options = job.lambda_options.get(role)
                name = (options.name if options else None) or lambda_function_name(t.setup, value)
                arns.append(t.arn("lambda", f"function:{name}"))
    return [Grant(tuple(sorted(set(arns))))] if arns else []


def _passed(service: str, roles: list[str]) -> list[Grant]:
    if not roles:
        return []
    return [Grant(tuple(roles), (("StringEquals", "iam:PassedToService", (service,)),))]


def _lambda_role(t: Target) -> list[Grant]:
    from gtops.jobs.prepare import managed_role_name

    roles = []
    for job in t.spec.jobs:
        for role, value in (job.lambdas or {}).items():
            if value.startswith("arn:"):
                continue
            options = job.lambda_options.get(role)
            given = options.role if options else None
            roles.append(given or t.arn("iam", f"role/{managed_role_name(t.setup, 'lambda')}", region=False))
    return _passed(LAMBDA, sorted(set(roles)))


def _external_teams(t: Target) -> list[Grant]:
    """Teams the jobs use that the spec does not manage: looked up by name (DescribeWorkteam)."""
    from gtops.jobs.prepare import team_name

    managed = {team.name for team in t.spec.teams}
    names = sorted({team_name(j.team) for j in t.spec.jobs if j.team and team_name(j.team) not in managed})
    arns = [t.arn("sagemaker", f"workteam/private-crowd/{n}") for n in _sm_names(names)]
    return [Grant(tuple(arns))] if arns else []


def _topics(t: Target) -> list[Grant]:
    """SNS topics of streaming jobs: created when named, published to by `gtops send`."""
    arns = []
    for job in t.spec.jobs:
        for value in (job.input.get("sns_topic"), job.output_topic):
            if value:
                arns.append(value if value.startswith("arn:") else t.arn("sns", value))
    return [Grant(tuple(sorted(set(arns))))] if arns else []


def _lock(t: Target) -> list[Grant]:
    lock = t.spec.lock
    if lock is None:
        return []
    return [Grant((_s3(t, lock.bucket, lock.key or "*"),))]


def _cors(t: Target) -> list[str]:
    return [_s3(t, b) for b in t.files.cors]


def _all_job_buckets(t: Target) -> list[Grant]:
    """Every bucket a job reads or writes (inputs, assets, CORS buckets and outputs), for HeadBucket."""
    names = {_split(u)[0] for u in t.files.inputs} | set(t.files.cors)
    names |= {_split(j.output)[0] for j in t.spec.jobs if j.output.startswith("s3://")}
    return [Grant(tuple(sorted(_s3(t, b) for b in names)))] if names else []


def _job_keys(t: Target) -> list[Grant]:
    """kms:DescribeKey authorizes on the key; a key named by alias is known only once resolved."""
    arns = set()
    for job in t.spec.jobs:
        key = job.kms_key
        if not key:
            continue
        if key.startswith("arn:") and ":key/" in key:
            arns.add(key)
        elif key.startswith("alias/") or ":alias/" in key:
            arns.add(t.arn("kms", "key/*"))
        else:
            arns.add(t.arn("kms", f"key/{key}"))
    return [Grant(tuple(sorted(arns)))] if arns else []


def _callers(t: Target) -> list[Grant]:
    """The principal running gtops is not known when the policy is written: any role or user of the account
    (SimulatePrincipalPolicy and GetRole only read policies; they change nothing)."""
    return [Grant((t.arn("iam", "role/*", region=False), t.arn("iam", "user/*", region=False)))]


_SCOPES: dict[str, Callable[[Target], list[Grant]]] = {
    "any": lambda t: [Grant(("*",))],
    "pool": _pool,
    "topic": _topic,
    "workforce": lambda t: [Grant((_workforce_arn(t),))],
    "workforce_and_all_teams": lambda t: [
        Grant((_workforce_arn(t), t.arn("sagemaker", "workteam/private-crowd/*")))
    ],
    "teams": lambda t: [Grant(tuple(_team_arns(t)))],
    "owned_teams": lambda t: [_owned(t, t.arn("sagemaker", "workteam/private-crowd/*"))],
    "owned_named_teams": lambda t: [_setup_owned(t, _team_arns(t))] if _team_arns(t) else [],
    "owned_pool": lambda t: [_setup_owned(t, g.resources) for g in _pool(t)],
    "owned_topic": lambda t: [_setup_owned(t, g.resources) for g in _topic(t)],
    "owned_workforce": lambda t: [_setup_owned(t, (_workforce_arn(t),))],
    "jobs": lambda t: [Grant(tuple(t.arn("sagemaker", f"labeling-job/{n}") for n in _job_names(t)))],
    "all_jobs": lambda t: [Grant((t.arn("sagemaker", "labeling-job/*"),))],
    "owned_jobs": lambda t: [_owned(t, t.arn("sagemaker", "labeling-job/*"))],
    "job_inputs": lambda t: [Grant(tuple(_prefix_arn(t, u) for u in t.files.inputs))],
    "job_assets": lambda t: [Grant(tuple(_prefix_arn(t, u) for u in t.files.assets))],
    "job_buckets": lambda t: [
        Grant(
            tuple(sorted({_s3(t, _split(u)[0]) for u in t.files.inputs} | {_s3(t, b) for b in t.files.cors}))
        )
    ],
    "cors_buckets": lambda t: [Grant(tuple(_cors(t)))],
    "all_job_buckets": _all_job_buckets,
    "named_job_roles": lambda t: [Grant(tuple(_named_roles(t.spec)))] if _named_roles(t.spec) else [],
    "job_keys": _job_keys,
    "named_functions": lambda t: [Grant(tuple(_named_functions(t.spec)))] if _named_functions(t.spec) else [],
    "callers": _callers,
    "job_roles": lambda t: _passed(SAGEMAKER, _job_roles(t)),
    "sms_role": lambda t: (
        _passed(COGNITO, [t.spec.pool.mfa.sms_role_arn])
        if t.spec.pool and t.spec.pool.mfa and t.spec.pool.mfa.sms_role_arn
        else []
    ),
    "managed_roles": _managed_roles,
    "bounded_roles": _bounded,
    "boundary_roles": _boundary_roles,
    "functions": _functions,
    "lambda_role": _lambda_role,
    "job_teams": _external_teams,
    "job_topics": _topics,
    "lock": _lock,
}

# A statement id per scope, so a reader of the policy sees why each statement is there.
_SIDS = {
    "any": "AccountWideReadsAndCreates",
    "pool": "UserPool",
    "topic": "NotificationTopic",
    "workforce": "Workforce",
    "workforce_and_all_teams": "ReadWorkforceAndTeamTags",
    "teams": "WorkTeams",
    "owned_teams": "PruneOwnedWorkTeams",
    "owned_named_teams": "DestroyOwnedWorkTeams",
    "owned_pool": "DeleteInOwnedUserPool",
    "owned_topic": "DestroyOwnedTopic",
    "owned_workforce": "DestroyOwnedWorkforce",
    "jobs": "LabelingJobs",
    "all_jobs": "FindLabelingJobs",
    "owned_jobs": "StopOwnedLabelingJobs",
    "job_inputs": "JobFiles",
    "job_assets": "JobFiles",
    "job_buckets": "JobBuckets",
    "cors_buckets": "JobBuckets",
    "all_job_buckets": "JobBuckets",
    "named_job_roles": "ReadJobRoles",
    "job_keys": "ReadJobKmsKeys",
    "named_functions": "ReadTaskLambdas",
    "callers": "PreflightSimulateCaller",
    "job_roles": "PassJobRoleToSageMaker",
    "sms_role": "PassSmsRoleToCognito",
    "managed_roles": "ManagedJobRoles",
    "bounded_roles": "WriteRolesWithinBoundary",
    "boundary_roles": "WriteRolesWithinBoundary",
    "functions": "TaskLambdas",
    "lambda_role": "PassLambdaRole",
    "job_teams": "ExistingWorkTeams",
    "job_topics": "StreamingTopics",
    "lock": "SharedLock",
}


def uses_for(setup: Setup, modes: Iterable[str]) -> list[Use]:
    wanted = set(modes)
    return [u for u in USES if u.mode in wanted and _NEEDS[u.when](setup)]


def build_policy(
    setup: Setup,
    region: str,
    account: str,
    partition: str = "aws",
    read_only: bool = False,
    destroy: bool = False,
    boundary: str | None = None,
) -> dict[str, Any]:
    """The policy document for one spec: one statement per (scope, resources, condition). `boundary` is the
    permissions boundary ARN role writes are conditioned on (None: unconditioned, see `gtops iam-policy`)."""
    modes = [PLAN] if read_only else [PLAN, APPLY] + ([DESTROY] if destroy else [])
    target = Target(setup, region, account, partition, boundary)
    merged: dict[Grant, set[str]] = {}
    sids: dict[Grant, str] = {}
    for use in uses_for(setup, modes):
        grants = _SCOPES[use.scope](target)
        for op in use.operations:
            action = action_of(use.service, op)
            for grant in _buckets_only(grants) if action == "s3:ListBucket" else grants:
                if not grant.resources:
                    continue
                merged.setdefault(grant, set()).add(action)
                sids.setdefault(grant, _SIDS[use.scope])
    statements = []
    taken: dict[str, int] = {}
    for grant, actions in merged.items():
        sid = sids[grant]
        taken[sid] = taken.get(sid, 0) + 1
        stmt: dict[str, Any] = {
            "Sid": sid if taken[sid] == 1 else f"{sid}{taken[sid]}",
            "Effect": "Allow",
            "Action": sorted(actions),
            "Resource": list(grant.resources) if len(grant.resources) > 1 else grant.resources[0],
        }
        if grant.condition:
            cond: dict[str, dict[str, Any]] = {}
            for operator, key, values in grant.condition:
                cond.setdefault(operator, {})[key] = values[0] if len(values) == 1 else list(values)
            stmt["Condition"] = cond
        statements.append(stmt)
    return {"Version": "2012-10-17", "Statement": statements}


def _buckets_only(grants: list[Grant]) -> list[Grant]:
    """s3:ListBucket (HeadBucket, ListObjectsV2) applies to the bucket ARN, not to objects."""
    out = []
    for grant in grants:
        buckets = tuple(sorted({r.split("/", 1)[0] for r in grant.resources}))
        out.append(Grant(buckets, grant.condition))
    return out


# --- checking a policy against a call --------------------------------------------------------------------


def _match(pattern: str, value: str) -> bool:
    """IAM wildcards: * any run, ? one character, case-sensitive (actions compare case-insensitively)."""
    return fnmatch.fnmatchcase(value, pattern)


def _as_list(value: Any) -> list[str]:
    return [value] if isinstance(value, str) else list(value or [])


def _conditions_hold(condition: dict[str, dict[str, Any]], context: dict[str, str]) -> bool:
    for operator, tests in condition.items():
        for key, expected in tests.items():
            if key not in context:
                return False
            value = context[key]
            options = _as_list(expected)
            if operator in ("StringEquals", "ArnEquals") and value not in options:
                return False
            if operator in ("StringLike", "ArnLike") and not any(_match(o, value) for o in options):
                return False
    return True


def allows(policy: dict, action: str, resource: str, context: dict[str, str] | None = None) -> bool:
    """Whether some Allow statement covers `action` on `resource` (a small subset of IAM's evaluation)."""
    for stmt in policy.get("Statement", []):
        if stmt.get("Effect") != "Allow":
            continue
        if not any(_match(a.lower(), action.lower()) for a in _as_list(stmt.get("Action"))):
            continue
        if not any(_match(r, resource) for r in _as_list(stmt.get("Resource"))):
            continue
        if _conditions_hold(stmt.get("Condition") or {}, context or {}):
            return True
    return False


STATEMENT_KEYS = frozenset({"Sid", "Effect", "Action", "Resource", "Condition"})
CONDITION_OPERATORS = frozenset({"StringEquals", "StringLike", "ArnEquals", "ArnLike"})


def check_grammar(policy: dict) -> list[str]:
    """Problems with the policy's shape: what IAM would refuse before looking at the actions."""
    problems = []
    if policy.get("Version") != "2012-10-17":
        problems.append("Version must be 2012-10-17")
    statements = policy.get("Statement")
    if not isinstance(statements, list) or not statements:
        return problems + ["Statement must be a non-empty list"]
    sids = [s.get("Sid") for s in statements]
    if len(set(sids)) != len(sids):
        problems.append("Sids must be unique")
    for stmt in statements:
        sid = stmt.get("Sid", "?")
        if not isinstance(sid, str) or not sid.isalnum():
            problems.append(f"Sid {sid!r} must be alphanumeric")
        extra = sorted(set(stmt) - STATEMENT_KEYS)
        if extra:
            problems.append(f"{sid}: unexpected keys {extra}")
        if stmt.get("Effect") not in ("Allow", "Deny"):
            problems.append(f"{sid}: Effect must be Allow or Deny")
        actions = _as_list(stmt.get("Action"))
        if not actions or any(":" not in a for a in actions):
            problems.append(f"{sid}: every Action must be service:Operation")
        resources = _as_list(stmt.get("Resource"))
        if not resources or any(r != "*" and not r.startswith("arn:") for r in resources):
            problems.append(f"{sid}: every Resource must be an ARN or *")
        problems += _condition_problems(sid, stmt.get("Condition"))
    if len(json.dumps(policy, separators=(",", ":"))) > 10240:
        problems.append("longer than the 10,240 characters IAM allows in a role's inline policies")
    return problems


def _condition_problems(sid: str, condition: Any) -> list[str]:
    """A Condition is {operator: {key: value or [values]}}, with values that are non-empty strings."""
    if condition is None:
        return []
    if not isinstance(condition, dict) or not condition:
        return [f"{sid}: Condition must be a non-empty object"]
    problems = []
    for operator, tests in condition.items():
        if operator not in CONDITION_OPERATORS:
            problems.append(f"{sid}: unexpected condition operator {operator!r}")
        if not isinstance(tests, dict) or not tests:
            problems.append(f"{sid}: {operator} must map condition keys to values")
            continue
        for key, values in tests.items():
            if not isinstance(key, str) or ":" not in key:
                problems.append(f"{sid}: condition key {key!r} must be service:Key")
            listed = values if isinstance(values, list) else [values]
            if not listed or not all(isinstance(v, str) and v for v in listed):
                problems.append(f"{sid}: condition {key} needs non-empty string values")
    return problems
