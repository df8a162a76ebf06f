"""Checks before apply for the labeling jobs a plan creates (the labeling_job kind's `preflight`).

What CreateLabelingJob, gtops's uploads and the job itself need from the account, checked with reads only:

- Buckets: every bucket a new job reads or writes exists (s3:HeadBucket), and the ones holding its input (the
  manifest, the data objects, gtops's uploads) are in the job's Region: "The Amazon S3 bucket that contains
  the input data must be in the same AWS Region in which you are running Amazon SageMaker Ground Truth"
  (SageMaker Developer Guide, Input data). HeadBucket gives the Region in `x-amz-bucket-region` "whether
  access to the bucket is authorized or not" (S3 API reference, HeadBucket); 404 means no such bucket, 403 a
  bucket this caller may not list. An output bucket elsewhere is only a warning (AWS documents the rule for
  input data).
- The job role, when the spec names one (a managed role is gtops's own): iam:GetRole finds it at that ARN and
  its trust policy lets sagemaker.amazonaws.com call sts:AssumeRole (DG: the execution role's trust).
- `kms_key`: kms:DescribeKey finds it, in the job's Region, Enabled, ENCRYPT_DECRYPT and symmetric (S3
  server-side encryption uses only symmetric KMS keys; the key encrypts the job's output in S3).
- Lambdas named by ARN (custom jobs): lambda:GetFunctionConfiguration finds them (the lighter read:
  GetFunction also presigns a code URL). AWS's own PRE-/ACS- functions belong to other accounts and are
  never called: `gtops validate` checks them against builtin_lambdas.json.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from gtops.aws import error_code
from gtops.jobs import s3 as s3u
from gtops.plan import Action
from gtops.preflight import Finding, Preflight, denied, error, warning

if TYPE_CHECKING:
    from gtops.jobs.prepare import Prepared

SAGEMAKER = "sagemaker.amazonaws.com"
INPUT_RULE = (
    "Ground Truth reads input data only from a bucket in the job's Region (SageMaker Developer Guide, "
    "Input data)"
)


def created(ctx: Preflight) -> list[Prepared]:
    """The prepared requests of the jobs this plan creates (gtops.jobs.plan left them in the live ids)."""
    prepared = ctx.live.ids.job_prepared
    out = []
    for change in ctx.changes("labeling_job", Action.CREATE):
        found = prepared.get(change.address.name.lower())
        if found is not None:
            out.append(found)
    return out


def check(ctx: Preflight) -> list[Finding]:
    jobs = created(ctx)
    if not jobs:
        return []
    return buckets(ctx, jobs) + job_roles(ctx, jobs) + keys(ctx, jobs) + functions(ctx, jobs)


# --- buckets -----------------------------------------------------------------------------------------


@dataclass
class Bucket:
    name: str
    exists: bool | None = None  # None: this caller may not tell (403)
    region: str | None = None
    inputs: list[str] = field(default_factory=list)  # jobs reading from it (or gtops uploading their files)
    outputs: list[str] = field(default_factory=list)  # jobs writing their output to it


def bucket_region(s3: Any, name: str) -> tuple[bool | None, str | None]:
    """(exists, region) of a bucket from HeadBucket; exists is None when the caller is denied (403)."""
    try:
        answer = s3.head_bucket(Bucket=name)
    except Exception as err:
        response = getattr(err, "response", None) or {}
        headers = (response.get("ResponseMetadata") or {}).get("HTTPHeaders") or {}
        region = headers.get("x-amz-bucket-region")
        if s3u.missing(err):
            return False, None
        if denied(err):
            return None, region
        if region:  # a redirect botocore did not follow: the bucket is elsewhere
            return True, region
        raise
    headers = (answer.get("ResponseMetadata") or {}).get("HTTPHeaders") or {}
    return True, answer.get("BucketRegion") or headers.get("x-amz-bucket-region")


def _uses(jobs: list[Prepared]) -> dict[str, Bucket]:
    found: dict[str, Bucket] = {}

    def add(uri: str, job: str, output: bool) -> None:
        if not uri.startswith("s3://"):
            return
        bucket = found.setdefault(s3u.split(uri)[0], Bucket(s3u.split(uri)[0]))
        listed = bucket.outputs if output else bucket.inputs
        if job not in listed:
            listed.append(job)

    for p in jobs:
        for uri in [u.uri for u in p.uploads] + p.reads:
            add(uri, p.name, False)
        for uri in p.writes:
            add(uri, p.name, True)
    return found


def _jobs(names: list[str]) -> str:
    return ("job " if len(names) == 1 else "jobs ") + ", ".join(names)


def buckets(ctx: Preflight, jobs: list[Prepared]) -> list[Finding]:
    s3 = ctx.aws.client("s3")
    region = ctx.aws.region
    out: list[Finding] = []
    for name, bucket in sorted(_uses(jobs).items()):
        bucket.exists, bucket.region = bucket_region(s3, name)
        users = sorted(set(bucket.inputs + bucket.outputs))
        subject = f"s3://{name}"
        if bucket.exists is False:
            out.append(
                error(
                    subject,
                    f"the bucket does not exist ({_jobs(users)} {'uses' if len(users) == 1 else 'use'} it).",
                    f"create it in {region} (aws s3 mb s3://{name} --region {region}), or name another "
                    "bucket.",
                )
            )
            continue
        if bucket.region and bucket.region != region:
            if bucket.inputs:
                out.append(
                    error(
                        subject,
                        f"the bucket is in {bucket.region}, not {region}, and holds input of "
                        f"{_jobs(bucket.inputs)}: {INPUT_RULE}.",
                        f"put the input (and `assets:`) in a bucket in {region}, or run the setup in "
                        f"{bucket.region}.",
                    )
                )
            else:
                out.append(
                    warning(
                        subject,
                        f"the output bucket of {_jobs(bucket.outputs)} is in {bucket.region}, not {region} "
                        "(AWS documents only same-Region input; output elsewhere is untested).",
                        f"use an output bucket in {region}.",
                    )
                )
        if bucket.exists is None:
            out.append(
                warning(
                    subject,
                    f"this caller may not list the bucket (HeadBucket answered 403), so gtops cannot tell "
                    f"whether {_jobs(users)} can use it.",
                    f"grant s3:ListBucket on arn:{ctx.aws.partition()}:s3:::{name} "
                    "(`gtops iam-policy` includes it).",
                )
            )
    return out


# --- the job role ---------------------------------------------------------------------------------------


def _matches(pattern: str, value: str) -> bool:
    import fnmatch

    return fnmatch.fnmatchcase(value.lower(), pattern.lower())


def _listed(value: Any) -> list[str]:
    return [value] if isinstance(value, str) else [v for v in value or [] if isinstance(v, str)]


def trusts(document: Any, service: str) -> bool:
    """Whether a trust policy lets `service` call sts:AssumeRole (an Allow statement naming it, or any
    principal; conditions such as aws:SourceAccount are the role owner's business)."""
    if isinstance(document, str):
        from urllib.parse import unquote

        try:
            document = json.loads(unquote(document))
        except ValueError:
            return False
    statements = (document or {}).get("Statement") if isinstance(document, dict) else None
    if isinstance(statements, dict):
        statements = [statements]
    for statement in statements or []:
        if not isinstance(statement, dict) or statement.get("Effect") != "Allow":
            continue
        if not any(_matches(a, "sts:AssumeRole") for a in _listed(statement.get("Action"))):
            continue
        principal = statement.get("Principal")
        if principal == "*" or (
            isinstance(principal, dict)
            and (service in _listed(principal.get("Service")) or "*" in _listed(principal.get("AWS")))
        ):
            return True
    return False


def trust_fix(arn: str) -> str:
    policy = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"Service": SAGEMAKER}, "Action": "sts:AssumeRole"}],
    }
    return (
        f"let SageMaker assume it: aws iam update-assume-role-policy --role-name {arn.rsplit('/', 1)[-1]} "
        f"--policy-document '{json.dumps(policy, separators=(',', ':'))}'"
    )


def get_role(iam: Any, name: str) -> dict[str, Any] | None:
    try:
        role: dict[str, Any] = iam.get_role(RoleName=name)["Role"]
        return role
    except Exception as err:
        if error_code(err) == "NoSuchEntity":
            return None
        raise


def job_roles(ctx: Preflight, jobs: list[Prepared]) -> list[Finding]:
    by_role: dict[str, list[str]] = {}
    for p in jobs:
        if p.spec.role != "managed" and p.request.get("RoleArn"):
            by_role.setdefault(p.request["RoleArn"], []).append(p.name)
    if not by_role:
        return []
    iam = ctx.aws.client("iam")
    out: list[Finding] = []
    for arn, names in sorted(by_role.items()):
        subject = f"role {arn}"
        try:
            role = get_role(iam, arn.rsplit("/", 1)[-1])
        except Exception as err:
            if not denied(err):
                raise
            ctx.skipped(f"the check of {subject}", err)
            continue
        gone = f"CreateLabelingJob refuses a role SageMaker cannot assume, so {_jobs(names)} would not start."
        if role is None:
            out.append(
                error(
                    subject,
                    f"the role does not exist: {gone}",
                    f"create it with a trust policy for {SAGEMAKER}, or set `role: managed` to have gtops "
                    "create a least-privilege one.",
                )
            )
        elif role.get("Arn") != arn:
            out.append(
                error(
                    subject,
                    f"no role has this ARN (a role of that name is {role.get('Arn')}): {gone}",
                    f"name {role.get('Arn')} in the spec.",
                )
            )
        elif not trusts(role.get("AssumeRolePolicyDocument"), SAGEMAKER):
            out.append(
                error(
                    subject,
                    f"the role's trust policy does not let {SAGEMAKER} assume it: {gone}",
                    trust_fix(arn) + ".",
                )
            )
    return out


# --- KMS keys -------------------------------------------------------------------------------------------


def key_region(key: str) -> str | None:
    """The Region an ARN names (arn:aws:kms:REGION:...), or None for a key id or alias name."""
    parts = key.split(":")
    return parts[3] if key.startswith("arn:") and len(parts) > 5 else None


def keys(ctx: Preflight, jobs: list[Prepared]) -> list[Finding]:
    by_key: dict[str, list[str]] = {}
    for p in jobs:
        if p.spec.kms_key:
            by_key.setdefault(p.spec.kms_key, []).append(p.name)
    if not by_key:
        return []
    region = ctx.aws.region
    kms = ctx.aws.client("kms")
    out: list[Finding] = []
    for key, names in sorted(by_key.items()):
        subject = f"KMS key {key}"
        used = f"{_jobs(names)} encrypt their output with it"
        elsewhere = key_region(key)
        if elsewhere and elsewhere != region:
            out.append(
                error(
                    subject,
                    f"the key is in {elsewhere}, not {region} ({used}): S3 encrypts an object only with a "
                    "key of the bucket's Region.",
                    f"name a key in {region}.",
                )
            )
            continue
        try:
            meta = kms.describe_key(KeyId=key)["KeyMetadata"]
        except Exception as err:
            code = error_code(err)
            if code in ("NotFoundException", "InvalidArnException"):
                out.append(
                    error(
                        subject,
                        f"KMS does not know this key in {region} ({used}; {code}).",
                        "name an existing key by id, ARN or alias/NAME.",
                    )
                )
                continue
            if denied(err):
                ctx.skipped(f"the check of {subject}", err)
                continue
            raise
        state = meta.get("KeyState") or ("Enabled" if meta.get("Enabled") else "Disabled")
        if state != "Enabled":
            out.append(
                error(
                    subject,
                    f"the key is {state} ({used}): KMS refuses to encrypt with it.",
                    "enable it (aws kms enable-key), cancel its deletion (aws kms cancel-key-deletion), "
                    "or name another key.",
                )
            )
        elif (
            meta.get("KeyUsage", "ENCRYPT_DECRYPT") != "ENCRYPT_DECRYPT"
            or meta.get("KeySpec", "SYMMETRIC_DEFAULT") != "SYMMETRIC_DEFAULT"
        ):
            out.append(
                error(
                    subject,
                    f"the key is a {meta.get('KeySpec')} key for {meta.get('KeyUsage')} ({used}): S3 "
                    "server-side encryption uses only symmetric encryption keys.",
                    "name a symmetric encryption key (SYMMETRIC_DEFAULT, ENCRYPT_DECRYPT).",
                )
            )
    return out


# --- Lambdas named by ARN -------------------------------------------------------------------------------


def functions(ctx: Preflight, jobs: list[Prepared]) -> list[Finding]:
    by_arn: dict[str, list[str]] = {}
    for p in jobs:
        deployed = {fn.arn for fn in p.local_lambdas}
        for arn in p.lambdas:
            if arn not in deployed:
                by_arn.setdefault(arn, []).append(p.name)
    if not by_arn:
        return []
    lam = ctx.aws.client("lambda")
    out: list[Finding] = []
    for arn, names in sorted(by_arn.items()):
        subject = f"Lambda {arn}"
        if not function_exists(ctx, lam, subject, arn):
            out.append(
                error(
                    subject,
                    f"the function does not exist: {_jobs(names)} would fail on their first object.",
                    "deploy it, or name a local .py file in `lambdas:` to have gtops deploy it.",
                )
            )
    return out


def function_exists(ctx: Preflight, lam: Any, subject: str, arn: str) -> bool:
    try:
        lam.get_function_configuration(FunctionName=arn)
        return True
    except Exception as err:
        if error_code(err) == "ResourceNotFoundException":
            return False
        if denied(err):
            ctx.skipped(f"the check of {subject} (another account's function needs a resource policy)", err)
            return True
        raise
