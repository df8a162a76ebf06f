"""Checks before apply: what AWS would refuse in the middle of an apply, found before its first write.

`gtops plan` and `gtops apply` (a saved plan too) run these once the plan is computed, with read calls only,
and only for a plan that changes something. Each check returns findings. An error stops the run before
anything is written, with its reason and its fix; a warning joins the plan's warnings. A check that cannot
run (the caller may not read what it needs, or cannot be simulated) is skipped with a note on stderr, never
guessed. `--no-preflight` skips them all.

Checks:
- permissions (this module): iam:SimulatePrincipalPolicy on the caller's role or user, with the actions and
  resources `gtops iam-policy` would grant for this spec (and the condition values they carry). The
  simulator is advisory (AWS: "The policy simulator results can differ from your live Amazon Web Services
  environment"; it leaves out session policies and resource policies), and the caller of a plan is often
  not the one who applies it (a read-only pull-request role), so a denial is an error only for apply and a
  warning for plan.
- each kind's own (`Kind.preflight`): labeling jobs (gtops.jobs.preflight: buckets exist and are in the
  job's region, the job role exists and trusts SageMaker, the KMS key is usable, a Lambda named by ARN
  exists), work teams (25 per account and region), workers (Cognito's default e-mail sends 50 messages a
  day per account; a user is in at most 100 groups).

Every call a check makes is a read listed as a PLAN `Use` of its kind (or of gtops.iam's own table), so
the policy `gtops iam-policy --read-only` prints still covers `gtops plan`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from gtops.aws import error_code, error_message
from gtops.errors import GtopsError
from gtops.plan import Action, Change

if TYPE_CHECKING:
    from gtops.engine import Planned
    from gtops.kinds.base import AwsHandle
    from gtops.live import LiveState
    from gtops.plan import Plan
    from gtops.setup import Setup

# Error codes meaning "this caller may not read that" (IAM, S3 HEAD, Lambda, KMS, STS).
DENIED = frozenset({"AccessDenied", "AccessDeniedException", "403", "Forbidden", "UnauthorizedOperation"})
SHOWN = 8  # denied actions listed in one finding; the rest are counted


@dataclass(frozen=True)
class Finding:
    """One thing AWS would refuse (error) or that deserves a look (warning), with what to do about it."""

    subject: str  # what it is about: an address, a bucket, a role, the caller
    reason: str  # a sentence: what is wrong, and the AWS rule behind it
    fix: str  # a sentence: what to do
    error: bool = True

    def __str__(self) -> str:
        return f"{self.subject}: {self.reason} Fix: {self.fix}"


def error(subject: str, reason: str, fix: str) -> Finding:
    return Finding(subject, reason, fix, True)


def warning(subject: str, reason: str, fix: str) -> Finding:
    return Finding(subject, reason, fix, False)


def denied(err: Exception) -> bool:
    return error_code(err) in DENIED


@dataclass
class Preflight:
    """What a check sees: the computed plan (with its spec, live state and AWS connection), whether the run
    goes on to apply, and a place for notes about checks it had to skip."""

    planned: Planned
    applying: bool
    notes: list[str] = field(default_factory=list)
    # Checks share what they learn within one run (a bucket's region, say), keyed by their own names.
    memo: dict[str, Any] = field(default_factory=dict)

    @property
    def aws(self) -> AwsHandle:
        return self.planned.aws

    @property
    def setup(self) -> Setup:
        return self.planned.setup

    @property
    def live(self) -> LiveState:
        return self.planned.live

    @property
    def plan(self) -> Plan:
        return self.planned.plan

    @property
    def account(self) -> str:
        return self.live.ids.account or self.aws.account

    def changes(self, kind: str, *actions: Action) -> list[Change]:
        """The plan's changes of one kind (with one of `actions`, or any actionable one)."""
        wanted = set(actions) or {Action.CREATE, Action.UPDATE, Action.REPLACE, Action.DELETE}
        return [c for c in self.plan.changes if c.address.kind == kind and c.action in wanted]

    def skipped(self, what: str, err: Exception | str) -> None:
        """Note a check that could not run, and why (an AWS error's code and message, or a sentence)."""
        if isinstance(err, str):
            why = err
        else:
            why = f"{error_code(err) or type(err).__name__}: {error_message(err)}"
        self.notes.append(f"preflight skipped {what}: {why}")


Check = Callable[[Preflight], Iterable[Finding]]


@dataclass
class Report:
    errors: list[Finding]
    warnings: list[Finding]
    notes: list[str]


class PreflightFailed(GtopsError):
    """The plan would fail part-way through apply; nothing was written."""


def checks() -> list[Check]:
    """This module's own check, then each kind's, in the registry's (dependency) order."""
    from gtops.kinds import REGISTRY

    return [permissions] + [k.preflight for k in REGISTRY if k.preflight is not None]


def run(planned: Planned, applying: bool) -> Report:
    """Every check, for a plan that changes something (an empty plan writes nothing: no calls at all)."""
    if planned.plan.empty:
        return Report([], [], [])
    ctx = Preflight(planned, applying)
    found: list[Finding] = []
    for check in checks():
        found += list(check(ctx))
    return Report([f for f in found if f.error], [f for f in found if not f.error], ctx.notes)


def enforce(planned: Planned, applying: bool, say: Callable[[str], None]) -> Report:
    """Run the checks: notes go to `say`, warnings into the plan's warnings; errors raise PreflightFailed
    (call `fail` after showing the plan, so the reasons come after it)."""
    report = run(planned, applying)
    for note in report.notes:
        say(f"Note: {note}")
    planned.plan.warnings += [f"preflight: {w}" for w in report.warnings]
    return report


def fail(report: Report | None) -> None:
    """Stop with every error found (after the plan was shown); None: the checks were skipped."""
    if report is None or not report.errors:
        return
    count = len(report.errors)
    lines = "\n".join(f"  {e}" for e in report.errors)
    raise PreflightFailed(
        f"preflight found {count} problem{'s' if count != 1 else ''} AWS would refuse during apply "
        f"(nothing was changed):\n{lines}\n"
        "Fix them and plan again, or re-run with --no-preflight to skip these checks."
    )


# --- permissions ---------------------------------------------------------------------------------------

_ASSUMED = re.compile(r"^arn:(aws[a-z-]*):sts::(\d{12}):assumed-role/([^/]+)/.+$")
_ENTITY = re.compile(r"^arn:(aws[a-z-]*):iam::(\d{12}):(user|role)/.+$")
_ROOT = re.compile(r"^arn:(aws[a-z-]*):iam::(\d{12}):root$")
PROBE = "gtops-preflight"  # stands for the name a wildcard in a policy resource covers


def simulation_source(caller: str) -> tuple[str | None, str]:
    """The IAM entity whose policies the caller acts with, for PolicySourceArn, or (None, why not).

    SimulatePrincipalPolicy takes "a user, group, or role" (API reference); an assumed-role session ARN is
    refused ("Invalid Entity Arn", newrelic/newrelic-lambda-cli#96), so it becomes its role's ARN. That ARN
    has no path: a role with one is looked up by name when the first try says NoSuchEntity.
    """
    found = _ASSUMED.match(caller)
    if found:
        partition, account, role = found.groups()
        return f"arn:{partition}:iam::{account}:role/{role}", ""
    if _ENTITY.match(caller):
        return caller, ""
    if _ROOT.match(caller):
        return None, "the caller is the account's root user, which IAM policies do not limit"
    if ":federated-user/" in caller:
        return None, f"the caller {caller} is a federated user, whose session policy cannot be simulated"
    return None, f"the caller {caller} is not an IAM user or role (the simulator needs one)"


def _concrete(resource: str, pool_id: str | None) -> str:
    """A resource of the policy as a name the simulator can test: the live pool for `userpool/*`, and
    PROBE for any other wildcard (a literal `*` in an ARN is only matched by patterns that allow it)."""
    if resource == "*":
        return resource
    if pool_id and resource.endswith(":userpool/*"):
        return resource[:-1] + pool_id
    return resource.replace("*", PROBE).replace("?", "x")


def _statements(ctx: Preflight) -> list[dict[str, Any]]:
    from gtops import iam

    destroys = any(c.action in (Action.DELETE, Action.REPLACE) for c in ctx.plan.actionable)
    setup = ctx.setup
    policy = iam.build_policy(
        setup,
        ctx.aws.region,
        ctx.account,
        ctx.aws.partition(),
        destroy=destroys,
        boundary=setup.permissions_boundary,
    )
    statements: list[dict[str, Any]] = policy["Statement"]
    return statements


def _context(statement: dict[str, Any]) -> list[dict[str, Any]]:
    """The condition values a call would carry: the generated policy conditions only on values gtops
    knows (iam:PassedToService, iam:PermissionsBoundary, aws:ResourceTag/gtops:setup)."""
    out = []
    for tests in (statement.get("Condition") or {}).values():
        for key, values in tests.items():
            listed = values if isinstance(values, list) else [values]
            out.append({"ContextKeyName": key, "ContextKeyValues": listed, "ContextKeyType": "string"})
    return out


def _as_list(value: Any) -> list[str]:
    return [value] if isinstance(value, str) else list(value or [])


def _decisions(iam: Any, source: str, statement: dict[str, Any], pool_id: str | None) -> Iterable[tuple]:
    """(action, resource, decision, missing context keys) for every action and resource of a statement."""
    resources = sorted({_concrete(r, pool_id) for r in _as_list(statement["Resource"])})
    request: dict[str, Any] = {"PolicySourceArn": source, "ActionNames": _as_list(statement["Action"])}
    if resources != ["*"]:
        request["ResourceArns"] = resources
    context = _context(statement)
    if context:
        request["ContextEntries"] = context
    for page in iam.get_paginator("simulate_principal_policy").paginate(**request):
        for result in page.get("EvaluationResults") or []:
            action = result["EvalActionName"]
            specific = result.get("ResourceSpecificResults") or []
            if not specific:
                yield (
                    action,
                    result.get("EvalResourceName") or "*",
                    result["EvalDecision"],
                    result.get("MissingContextValues") or [],
                )
            for one in specific:
                yield (
                    action,
                    one["EvalResourceName"],
                    one["EvalResourceDecision"],
                    one.get("MissingContextValues") or [],
                )


def _listing(items: list[str]) -> str:
    shown = ", ".join(items[:SHOWN])
    return shown + (f" and {len(items) - SHOWN} more" if len(items) > SHOWN else "")


def _source_with_path(ctx: Preflight, iam: Any, source: str) -> str | None:
    """A role ARN without its path (from an assumed-role session) as IAM knows it, via GetRole."""
    name = source.rsplit("/", 1)[-1]
    try:
        arn: str = iam.get_role(RoleName=name)["Role"]["Arn"]
        return arn
    except Exception as err:
        if denied(err) or error_code(err) == "NoSuchEntity":
            ctx.skipped("the permission check", err)
            return None
        raise


def caller_arn(aws: AwsHandle) -> str:
    """Who is calling: learned with the account by the run's first call when the handle keeps it."""
    known = getattr(aws, "caller_arn", None)
    if isinstance(known, str) and known:
        return known
    arn: str = aws.client("sts").get_caller_identity()["Arn"]
    return arn


def permissions(ctx: Preflight) -> list[Finding]:
    """Can the caller make every call the plan needs? iam:SimulatePrincipalPolicy over the statements
    `gtops iam-policy` would print for this spec (with its delete statements when the plan deletes)."""
    caller = caller_arn(ctx.aws)
    if _ROOT.match(caller):
        return []  # IAM policies do not limit the root user: nothing to simulate (and nothing to say)
    source, why = simulation_source(caller)
    if source is None:
        ctx.skipped("the permission check", why)
        return []
    iam = ctx.aws.client("iam")
    pool_id = ctx.live.ids.pool_id
    statements = _statements(ctx)
    refused: list[str] = []
    undecided: dict[str, set[str]] = {}
    retried = False
    index = 0
    while index < len(statements):
        statement = statements[index]
        try:
            decisions = list(_decisions(iam, source, statement, pool_id))
        except Exception as err:
            if error_code(err) == "NoSuchEntity" and not retried and _ASSUMED.match(caller):
                retried = True
                with_path = _source_with_path(ctx, iam, source)
                if with_path is None:
                    return []
                source = with_path
                continue
            if denied(err) or error_code(err) in ("NoSuchEntity", "InvalidInput"):
                ctx.skipped("the permission check", err)
                return []
            raise
        for action, resource, decision, missing in decisions:
            if decision == "allowed":
                continue
            what = f"{action} on {resource}"
            if decision == "implicitDeny" and missing:
                undecided.setdefault(what, set()).update(missing)
            elif what not in refused:
                refused.append(what)
        index += 1
    found: list[Finding] = []
    subject = f"caller {source}"
    if refused:
        reason = (
            f"may not make {len(refused)} call{'s' if len(refused) != 1 else ''} this plan needs "
            f"(IAM policy simulator): {_listing(refused)}."
        )
        fix = (
            "give it the policy `gtops iam-policy` prints for this spec (README: Least privilege), or apply "
            "with a role that has it; if a bucket, key or function policy grants these, re-run with "
            "--no-preflight."
        )
        if ctx.applying:
            found.append(error(subject, reason, fix))
        else:
            found.append(warning(subject, f"could not apply this plan: it {reason}", fix))
    if undecided:
        keys = sorted({k for v in undecided.values() for k in v})
        found.append(
            warning(
                subject,
                f"the simulator could not decide {_listing(sorted(undecided))}: its policies test condition "
                f"keys gtops cannot supply ({', '.join(keys)}).",
                "check those conditions hold for this run.",
            )
        )
    return found
