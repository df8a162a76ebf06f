"""The reads gtops's checks before apply make (gtops.preflight), answered as AWS answers them.

moto (5.2.x) lacks or is kinder than AWS on each of these, so a check tested on it would pass where AWS fails:

- iam:SimulatePrincipalPolicy is not implemented. Here it evaluates the policies moto stores for the user or
  role (inline and attached; a user's groups' too; a role's permissions boundary) against each action and
  resource, with the ContextEntries given, the way IAM's evaluation logic does for identity policies in one
  account: an explicit Deny wins, else an Allow is needed (within the boundary, if any), else implicitDeny.
  Conditions support the String*, Arn*, Bool and Null operators (with IfExists and the ForAnyValue /
  ForAllValues prefixes); a condition on a key the request does not supply fails and the key is reported in
  MissingContextValues, as the simulator does. Results follow the current API: one EvaluationResult per
  action, the decision per resource in ResourceSpecificResults. The ARN must be "a user, group, or role"
  (API reference, PolicySourceArn); an assumed-role session ARN is refused with InvalidInput "Invalid Entity
  Arn: <arn>" (the real message, newrelic/newrelic-lambda-cli#96); an unknown entity is NoSuchEntity
  (GetRole's wording, assumed for the simulator). The caller needs iam:SimulatePrincipalPolicy itself: an
  IAM user or role (by its access key) whose policies do not allow it gets AccessDenied; the sandbox's
  default credentials may do anything.
- S3 HeadBucket answers 200 for a bucket of any Region. AWS answers a request signed for another Region than
  the bucket's with 301 and the bucket's Region in `x-amz-bucket-region` (S3 API reference, HeadBucket: the
  header is returned "whether access to the bucket is authorized or not"); botocore then retries in that
  Region. Here too.
- KMS CreateKey without KeyUsage leaves it unset; AWS defaults it to ENCRYPT_DECRYPT (API reference,
  CreateKey). DescribeKey finds a key by an ARN of another Region or account; AWS's KMS is regional and
  answers NotFoundException (wording moto's own; the Region rule assumed from "KMS keys are Regional"). An
  "arn:" KeyId that is not a KMS key or alias ARN is InvalidArnException (modelled error; wording assumed).
- STS GetCallerIdentity with credentials moto did not issue names `arn:aws:sts::ACCOUNT:user/moto`; AWS
  would name the account's root user, `arn:aws:iam::ACCOUNT:root`, which the sandbox's default credentials
  stand for (they may do anything).
- Lambda GetFunction / GetFunctionConfiguration on another account's function look in the caller's account.
  AWS answers AccessDeniedException unless the function's resource policy allows the caller (Lambda
  permissions), which the sandbox never has: "User: <caller> is not authorized to perform:
  lambda:GetFunctionConfiguration on resource: <arn> because no resource-based policy allows the
  lambda:GetFunctionConfiguration action" (AWS's wording for this case).
"""

from __future__ import annotations

import fnmatch
import json
import re
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import unquote

_MARK = "_gtops_preflight_installed"

ENTITY = re.compile(r"^arn:aws[a-z-]*:iam::(\d{12}):(user|group|role)/(?:[\x21-\x7e]*/)?([\w+=,.@-]+)$")
KMS_ARN = re.compile(r"^arn:aws[a-z-]*:kms:([a-z0-9-]+):(\d{12}):(key|alias)/.+$")
LAMBDA_OWNER = re.compile(r"^(?:arn:aws[a-z-]*:lambda:[a-z0-9-]+:)?(\d{12}):function:")
DEFAULT_PAGE = 100  # MaxItems default (API reference)


def install() -> None:
    """Patch moto's IAM, S3, KMS and Lambda response classes (idempotent)."""
    from moto.awslambda.responses import LambdaResponse
    from moto.iam.responses import IamResponse
    from moto.kms.models import KmsBackend
    from moto.kms.responses import KmsResponse
    from moto.s3.models import S3Backend
    from moto.s3.responses import S3Response

    if getattr(IamResponse, _MARK, False):
        return
    S3Backend.create_bucket = _named(S3Backend.create_bucket)  # type: ignore[method-assign]
    IamResponse.simulate_principal_policy = _simulate_principal_policy  # type: ignore[attr-defined]
    S3Response.head_bucket = _regional(S3Response.head_bucket)  # type: ignore[method-assign]
    KmsBackend.create_key = _default_usage(KmsBackend.create_key)  # type: ignore[method-assign]
    KmsResponse.describe_key = _regional_key(KmsResponse.describe_key)  # type: ignore[method-assign]
    for name in ("get_function", "get_function_configuration"):
        setattr(LambdaResponse, name, _own_account(getattr(LambdaResponse, name), name))
    from moto.sts.models import STSBackend

    STSBackend.get_caller_identity = _root_by_default(STSBackend.get_caller_identity)  # type: ignore[method-assign]
    setattr(IamResponse, _MARK, True)


def _root_by_default(get_caller_identity: Callable[..., Any]) -> Callable[..., Any]:
    """moto answers GetCallerIdentity for credentials it did not issue with `arn:aws:sts::ACCOUNT:user/moto`,
    an ARN AWS never gives. The sandbox's default credentials may do anything, as the account's root user:
    AWS names it `arn:aws:iam::ACCOUNT:root`, with the account id as UserId (STS API reference,
    GetCallerIdentity examples)."""

    def wrapped(self: Any, access_key_id: str, region: str) -> tuple[str, str, str]:
        user_id, arn, account = get_caller_identity(self, access_key_id, region)
        if arn.endswith(":user/moto") and ":sts::" in arn:
            partition = arn.split(":")[1]
            return account, f"arn:{partition}:iam::{account}:root", account
        return user_id, arn, account

    return wrapped


# --- IAM policy evaluation -----------------------------------------------------------------------------


def _listed(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _doc(text: Any) -> dict[str, Any]:
    if isinstance(text, dict):
        return text
    try:
        found = json.loads(unquote(text) if isinstance(text, str) and text.startswith("%7B") else text)
    except (TypeError, ValueError):
        return {}
    return found if isinstance(found, dict) else {}


def _like(pattern: str, value: str, case: bool = True) -> bool:
    """IAM wildcards: * any run, ? one character."""
    if not case:
        pattern, value = pattern.lower(), value.lower()
    return fnmatch.fnmatchcase(value, pattern.replace("[", "[[]"))


_OPERATORS: dict[str, Callable[[str, str], bool]] = {
    "StringEquals": lambda want, got: want == got,
    "StringEqualsIgnoreCase": lambda want, got: want.lower() == got.lower(),
    "StringLike": lambda want, got: _like(want, got),
    "ArnEquals": lambda want, got: want == got,
    "ArnLike": lambda want, got: _like(want, got),
    "Bool": lambda want, got: want.lower() == got.lower(),
}
_NEGATED = {
    "StringNotEquals": "StringEquals",
    "StringNotEqualsIgnoreCase": "StringEqualsIgnoreCase",
    "StringNotLike": "StringLike",
    "ArnNotEquals": "ArnEquals",
    "ArnNotLike": "ArnLike",
}


def _condition(operator: str, key: str, wanted: list[str], context: dict[str, list[str]]) -> bool | None:
    """Whether one condition holds; None when its key is missing from the context (and that decides)."""
    qualifier, _, op = operator.rpartition(":")
    if_exists = op.endswith("IfExists")
    op = op.removesuffix("IfExists")
    got = context.get(key.lower())
    if op == "Null":
        return (got is None) == (str(wanted[0]).lower() == "true")
    if got is None:
        return True if if_exists or op in _NEGATED else None
    negated = op in _NEGATED
    test = _OPERATORS.get(_NEGATED.get(op, op))
    if test is None:
        return None  # an operator the sandbox does not evaluate (numeric, date, IP): undecidable
    hits = [any(test(str(w), g) for w in wanted) for g in got]
    if qualifier == "ForAllValues":
        matched = all(hits)
    else:
        matched = any(hits)
    return not matched if negated else matched


def _applies(
    statement: dict[str, Any], action: str, resource: str, context: dict[str, list[str]], missing: set[str]
) -> bool:
    if "NotAction" in statement:
        if any(_like(a, action, case=False) for a in _listed(statement["NotAction"])):
            return False
    elif not any(_like(a, action, case=False) for a in _listed(statement.get("Action"))):
        return False
    if "NotResource" in statement:
        if any(_like(r, resource) for r in _listed(statement["NotResource"])):
            return False
    elif not any(_like(r, resource) for r in _listed(statement.get("Resource"))):
        return False
    for operator, tests in (statement.get("Condition") or {}).items():
        for key, wanted in (tests or {}).items():
            held = _condition(operator, key, [str(w) for w in _listed(wanted)], context)
            if held is None:
                missing.add(key)
                return False
            if not held:
                return False
    return True


Policy = tuple[str, str, dict[str, Any]]  # (id, type, document)


def _statements(policy: Policy) -> list[dict[str, Any]]:
    return [s for s in _listed(policy[2].get("Statement")) if isinstance(s, dict)]


def evaluate(
    policies: list[Policy],
    boundary: list[Policy] | None,
    action: str,
    resource: str,
    context: dict[str, list[str]],
) -> tuple[str, list[dict[str, str]], list[str]]:
    """(decision, matched statements, missing context keys) for one action on one resource."""
    missing: set[str] = set()
    allows: list[dict[str, str]] = []
    for policy in policies + (boundary or []):
        for statement in _statements(policy):
            if statement.get("Effect") == "Deny" and _applies(statement, action, resource, context, missing):
                return "explicitDeny", [_source(policy)], []
    for policy in policies:
        if any(
            s.get("Effect") == "Allow" and _applies(s, action, resource, context, missing)
            for s in _statements(policy)
        ):
            allows.append(_source(policy))
    if allows and boundary is not None:
        within = any(
            s.get("Effect") == "Allow" and _applies(s, action, resource, context, missing)
            for policy in boundary
            for s in _statements(policy)
        )
        if not within:
            return "implicitDeny", [], sorted(missing)
    if allows:
        return "allowed", allows, []
    return "implicitDeny", [], sorted(missing)


def _source(policy: Policy) -> dict[str, str]:
    return {"SourcePolicyId": policy[0], "SourcePolicyType": policy[1]}


def _managed(backend: Any, arn: str) -> Policy | None:
    try:
        found = backend.get_policy(arn)
    except Exception:
        return None
    default = next((v for v in getattr(found, "versions", []) if v.is_default), None)
    document = _doc(default.document) if default is not None else {}
    kind = "aws-managed" if ":iam::aws:policy/" in arn else "user-managed"
    return (arn.rsplit("/", 1)[-1], kind, document)


def _entity_policies(backend: Any, entity: Any, kind: str) -> list[Policy]:
    out: list[Policy] = [(name, kind, _doc(doc)) for name, doc in sorted((entity.policies or {}).items())]
    for arn in sorted(getattr(entity, "managed_policies", {}) or {}):
        found = _managed(backend, arn)
        if found is not None:
            out.append(found)
    return out


def principal_policies(backend: Any, arn: str) -> tuple[list[Policy], list[Policy] | None]:
    """The identity policies of a user (with its groups'), group or role, and a role's boundary."""
    from moto.iam.exceptions import InvalidInput, NotFoundException

    found = ENTITY.match(arn)
    if not found:
        raise InvalidInput(f"Invalid Entity Arn: {arn}")
    account, kind, name = found.groups()
    missing = NotFoundException(f"The {kind} with name {name} cannot be found.")
    if account != backend.account_id:
        raise missing
    if kind == "role":
        role = next((r for r in backend.get_roles() if r.arn == arn), None)
        if role is None:
            raise missing
        policies = _entity_policies(backend, role, "role")
        boundary_arn = getattr(role, "permissions_boundary_arn", None)
        boundary = _managed(backend, boundary_arn) if boundary_arn else None
        return policies, [boundary] if boundary else ([] if boundary_arn else None)
    if kind == "group":
        group = next((g for g in backend.groups.values() if g.arn == arn), None)
        if group is None:
            raise missing
        return _entity_policies(backend, group, "group"), None
    user = backend.users.get(name)
    if user is None or user.arn != arn:
        raise missing
    policies = _entity_policies(backend, user, "user")
    for group in backend.get_groups_for_user(name):
        policies += _entity_policies(backend, group, "group")
    return policies, None


def _context(entries: Iterable[dict[str, Any]]) -> dict[str, list[str]]:
    """Context keys compare case-insensitively (IAM User Guide, condition keys)."""
    return {
        str(e["ContextKeyName"]).lower(): [str(v) for v in e.get("ContextKeyValues") or []]
        for e in entries
        if e.get("ContextKeyName")
    }


def _worst(decisions: list[str]) -> str:
    for decision in ("explicitDeny", "implicitDeny"):
        if decision in decisions:
            return decision
    return "allowed"


def caller_entity(response: Any) -> str | None:
    """The IAM user or role behind the request's access key, as an ARN; None for the sandbox's default
    credentials (moto's stand-in user, which may do anything)."""
    from moto.sts.models import sts_backends

    key = response.get_access_key()
    backend = response.backend
    user = backend.get_user_from_access_key_id(key)
    if user is not None:
        return str(user.arn)
    for partition_backends in (sts_backends.get(backend.account_id) or {}).values():
        assumed = partition_backends.get_assumed_role_from_access_key(key)
        if assumed is not None:
            return str(assumed.role_arn)
    return None


def _authorize(response: Any, source: str) -> None:
    """The caller itself needs iam:SimulatePrincipalPolicy on the entity simulated (IAM API reference); AWS
    answers AccessDenied "User: <caller> is not authorized to perform: iam:SimulatePrincipalPolicy on
    resource: <arn>" otherwise (IAM's usual wording)."""
    caller = caller_entity(response)
    if caller is None:
        return
    try:
        policies, boundary = principal_policies(response.backend, caller)
    except Exception:
        return
    action = "iam:SimulatePrincipalPolicy"
    decision, _, _ = evaluate(policies, boundary, action, source, {})
    if decision != "allowed":
        from moto.iam.exceptions import IAMException

        raise IAMException(
            "AccessDenied", f"User: {caller} is not authorized to perform: {action} on resource: {source}"
        )


def _simulate_principal_policy(self: Any) -> Any:
    from moto.core.responses import ActionResult
    from moto.iam.exceptions import InvalidInput

    source = self._get_param("PolicySourceArn") or ""
    actions = self._get_param("ActionNames") or []
    resources = self._get_param("ResourceArns") or ["*"]
    context = _context(self._get_param("ContextEntries") or [])
    for action in actions:
        if ":" not in action:
            raise InvalidInput(f"Action {action} is not of the form service:action")  # wording assumed
    _authorize(self, source)
    policies, boundary = principal_policies(self.backend, source)
    given = self._get_param("PolicyInputList") or []
    extra: list[Policy] = [(f"PolicyInputList.{i + 1}", "none", _doc(p)) for i, p in enumerate(given)]
    results = []
    for action in actions:
        rows = []
        for resource in resources:
            decision, matched, missing = evaluate(policies + extra, boundary, action, resource, context)
            rows.append(
                {
                    "EvalResourceName": resource,
                    "EvalResourceDecision": decision,
                    "MatchedStatements": matched,
                    "MissingContextValues": missing,
                }
            )
        result: dict[str, Any] = {
            "EvalActionName": action,
            "EvalResourceName": resources[0] if len(resources) == 1 else "*",
            "EvalDecision": _worst([r["EvalResourceDecision"] for r in rows]),
            "MatchedStatements": [m for r in rows for m in r["MatchedStatements"]],
            "MissingContextValues": sorted({k for r in rows for k in r["MissingContextValues"]}),
        }
        if resources != ["*"]:
            result["ResourceSpecificResults"] = rows
        results.append(result)
    start = int(self._get_param("Marker") or 0)
    size = int(self._get_param("MaxItems") or DEFAULT_PAGE)
    page = results[start : start + size]
    answer: dict[str, Any] = {"EvaluationResults": page, "IsTruncated": start + size < len(results)}
    if answer["IsTruncated"]:
        answer["Marker"] = str(start + size)
    return ActionResult(answer)


# --- S3, KMS, Lambda ------------------------------------------------------------------------------------


def _signed_region(headers: Any) -> str | None:
    auth = (headers or {}).get("Authorization") or (headers or {}).get("authorization") or ""
    found = re.search(r"Credential=[^/]+/\d{8}/([a-z0-9-]+)/s3/", auth)
    return found.group(1) if found else None


def _named(create_bucket: Callable[..., Any]) -> Callable[..., Any]:
    """CreateBucket refuses a name that breaks S3's naming rules (S3 user guide, "General purpose bucket
    naming rules"; the error is InvalidBucketName, "The specified bucket is not valid."), as gtops's validate
    does for a spec (gtops.spec.aws_rules.bucket_problem: one rule set for both)."""

    def wrapped(self: Any, bucket_name: str, *args: Any, **kwargs: Any) -> Any:
        from moto.s3.exceptions import InvalidBucketName

        from gtops.spec.aws_rules import bucket_problem

        if bucket_problem(bucket_name):
            raise InvalidBucketName()
        return create_bucket(self, bucket_name, *args, **kwargs)

    return wrapped


def _regional(head_bucket: Callable[..., Any]) -> Callable[..., Any]:
    def wrapped(self: Any) -> Any:
        status, headers, body = head_bucket(self)
        region = (headers or {}).get("x-amz-bucket-region")
        signed = _signed_region(self.headers)
        if status == 200 and region and signed and signed != region:
            return 301, {"x-amz-bucket-region": region, "content-type": "application/xml"}, ""
        return status, headers, body

    return wrapped


def _default_usage(create_key: Callable[..., Any]) -> Callable[..., Any]:
    def wrapped(self: Any, policy: Any, key_usage: Any, *args: Any, **kwargs: Any) -> Any:
        return create_key(self, policy, key_usage or "ENCRYPT_DECRYPT", *args, **kwargs)

    return wrapped


def _regional_key(describe_key: Callable[..., Any]) -> Callable[..., Any]:
    def wrapped(self: Any) -> Any:
        from moto.core.exceptions import JsonRESTError
        from moto.kms.exceptions import NotFoundException

        key_id = str(self._get_param("KeyId") or "")
        if key_id.startswith("arn:"):
            found = KMS_ARN.match(key_id)
            if not found:
                raise JsonRESTError("InvalidArnException", f"Invalid arn {key_id}")
            region, account, _ = found.groups()
            if region != self.region or account != self.current_account:
                raise NotFoundException(f"Key '{key_id}' does not exist")
        return describe_key(self)

    return wrapped


def _own_account(handler: Callable[..., Any], name: str) -> Callable[..., Any]:
    operation = "".join(p.title() for p in name.split("_"))

    def wrapped(self: Any) -> Any:
        from moto.core.exceptions import JsonRESTError

        parts = self.path.rstrip("/").split("/")  # .../functions/NAME or .../functions/NAME/configuration
        function = unquote(parts[-1] if name == "get_function" else parts[-2])
        owner = LAMBDA_OWNER.match(function)
        if owner and owner.group(1) != self.current_account:
            caller = f"arn:aws:iam::{self.current_account}:root"
            error = JsonRESTError(
                "AccessDeniedException",
                f"User: {caller} is not authorized to perform: lambda:{operation} on resource: {function} "
                f"because no resource-based policy allows the lambda:{operation} action",
            )
            error.code = 403
            raise error
        return handler(self)

    return wrapped
