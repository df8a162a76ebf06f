"""`gtops iam-policy`: the least-privilege IAM policy a pipeline role needs for one spec."""

from __future__ import annotations

import json
import os
import re
from typing import TYPE_CHECKING, Annotated

import typer

from gtops.commands._common import (
    DEFAULT,
    PathsArg,
    VarFileOpt,
    VarOpt,
    load,
    stderr,
    with_connection,
)
from gtops.settings import Settings

if TYPE_CHECKING:
    from gtops.setup import Setup

ReadOnlyOpt = Annotated[
    bool,
    typer.Option(
        "--read-only", help="Only what plan and drift need (Describe/List/Get): for schedules and PRs."
    ),
]
DestroyOpt = Annotated[
    bool,
    typer.Option(
        "--destroy",
        help="Also what pruning, forced replacements and `gtops destroy` need (deletes). Off by default.",
    ),
]
AccountOpt = Annotated[
    str | None,
    typer.Option(
        "--account",
        metavar="ACCOUNT_ID",
        help="AWS account id for the ARNs (default: asked of STS, else a placeholder).",
    ),
]
BoundaryOpt = Annotated[
    str | None,
    typer.Option(
        "--permissions-boundary",
        metavar="ARN",
        help="IAM policy ARN the roles gtops creates must carry as permissions boundary; role writes are "
        "allowed only with it (default: the spec's permissions_boundary).",
    ),
]
NoBoundaryOpt = Annotated[
    bool,
    typer.Option(
        "--no-permissions-boundary",
        help="Allow role writes without a permissions boundary (the pipeline could escalate its own "
        "privileges through the roles it creates).",
    ),
]

BOUNDARY_MISSING = (
    "this spec makes gtops create IAM roles (`role: managed` jobs or local Lambdas), and a pipeline role "
    "that may create and write roles without a permissions boundary can give one more rights than it has "
    "itself, then pass it to SageMaker or Lambda. Name the boundary policy with --permissions-boundary ARN "
    "or the spec's `permissions_boundary:` key (every role gtops creates then carries it, and the policy "
    "allows role writes only with it), or pass --no-permissions-boundary to accept the risk."
)


def _account(ctx: typer.Context, s, region: str, given: str | None) -> tuple[str, str]:
    """(account, how it was found): the flag, STS when credentials are at hand, else the placeholder."""
    from gtops.errors import GtopsError
    from gtops.iam import ACCOUNT_PLACEHOLDER

    if given is not None:
        if not re.fullmatch(r"\d{12}", given):
            raise GtopsError(f"--account must be a 12-digit AWS account id, not {given!r}")
        return given, "--account"
    try:
        from gtops.aws import Aws
        from gtops.commands._common import endpoint_for

        aws = Aws(s, region, endpoint_for(s))
        if aws.session.get_credentials() is None:
            return ACCOUNT_PLACEHOLDER, "no AWS credentials"
        return aws.account, "STS GetCallerIdentity"
    except Exception as err:  # unreachable endpoint, bad credentials: the placeholder is still useful
        reason = type(err).__name__
        return ACCOUNT_PLACEHOLDER, f"STS was not reachable ({reason})"


def _boundary(setup: Setup, region: str, given: str | None, refused: bool, read_only: bool) -> str | None:
    """The permissions boundary role writes are conditioned on: the flag, else the spec's key. Refuses a
    policy that lets the pipeline write roles without one, unless --no-permissions-boundary says so."""
    from gtops.errors import GtopsError
    from gtops.iam import needs_roles
    from gtops.spec.aws_rules import arn_partition_problem
    from gtops.spec.fields import POLICY_ARN

    in_spec = setup.permissions_boundary
    if refused:
        if given:
            raise GtopsError("--permissions-boundary and --no-permissions-boundary cannot be combined")
        if in_spec:
            raise GtopsError(
                f"--no-permissions-boundary contradicts the spec's permissions_boundary ({in_spec}): gtops "
                "creates its roles with that boundary; drop the flag"
            )
        return None
    if given is not None:
        if not re.fullmatch(POLICY_ARN, given):
            raise GtopsError(
                f"--permissions-boundary must be an IAM policy ARN (arn:aws:iam::123456789012:policy/Name), "
                f"not {given!r}"
            )
        if why := arn_partition_problem(given, region, "permissions boundary policy"):
            raise GtopsError(f"--permissions-boundary {why}")
    boundary = given or in_spec
    if boundary is None and needs_roles(setup) and not read_only:
        raise GtopsError(BOUNDARY_MISSING)
    return boundary


def iam_policy(
    ctx: typer.Context,
    paths: PathsArg = None,
    var: VarOpt = None,
    var_file: VarFileOpt = None,
    read_only: ReadOnlyOpt = False,
    destroy: DestroyOpt = False,
    account: AccountOpt = None,
    permissions_boundary: BoundaryOpt = None,
    no_permissions_boundary: NoBoundaryOpt = False,
    conn: Settings = DEFAULT,
) -> None:
    """Print the IAM policy (JSON) a pipeline role needs to plan and apply these specs."""
    from gtops.errors import GtopsError
    from gtops.iam import (
        ACCOUNT_PLACEHOLDER,
        build_policy,
        check_grammar,
        job_files,
        needs_roles,
    )
    from gtops.spec.aws_rules import partition_of_region

    if read_only and destroy:
        raise GtopsError("--read-only and --destroy cannot be combined")
    s = conn
    spec = load(s, paths, var, var_file)
    where = (
        s.region or spec.setup.region or os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION")
    )
    if not where:
        raise GtopsError("No AWS region: set `region:` in the spec, pass --region, or set AWS_REGION.")
    boundary = _boundary(spec.setup, where, permissions_boundary, no_permissions_boundary, read_only)
    acct, how = _account(ctx, s, where, account)
    policy = build_policy(
        spec.setup,
        where,
        acct,
        partition_of_region(where),
        read_only=read_only,
        destroy=destroy,
        boundary=boundary,
    )
    problems = check_grammar(policy)
    if problems:  # a bug in gtops, never the user's input
        raise GtopsError("the generated policy is not valid: " + "; ".join(problems))
    typer.echo(json.dumps(policy, indent=2))
    variant = (
        "read-only (plan, drift)" if read_only else "plan and apply" + (" and destroy" if destroy else "")
    )
    stderr(f"# IAM policy for setup {spec.setup.name!r}, {variant}, region {where}, account from {how}.")
    if acct == ACCOUNT_PLACEHOLDER:
        stderr(
            f"# {ACCOUNT_PLACEHOLDER} stands for your account id: pass --account, or keep it as is in a "
            "CloudFormation template (Fn::Sub fills it in)."
        )
    if spec.setup.pool and not spec.setup.pool.id:
        stderr(
            "# The user pool's id is unknown until it exists, so its statement covers the account's pools in "
            "this region (userpool/*); pin `pool.id` in the spec to narrow it to one pool."
        )
    if not read_only:
        for note in job_files(spec.setup).notes:
            stderr(f"# {note}.")
    if read_only or not needs_roles(spec.setup):
        return
    in_spec = spec.setup.permissions_boundary
    if boundary is None:
        stderr(
            "# WARNING: --no-permissions-boundary: this policy lets the pipeline create and write the roles "
            "gtops manages with no permissions boundary, so a compromised pipeline could give such a role "
            "more rights than its own and pass it on (escalate its own privileges)."
        )
    elif boundary != in_spec:
        stderr(
            f"# Role writes require the permissions boundary {boundary}, but the spec "
            + (f"names {in_spec}" if in_spec else "names none")
            + f": set `permissions_boundary: {boundary}` in the spec, or apply is denied iam:CreateRole."
        )


def register(app: typer.Typer) -> None:
    app.command("iam-policy")(with_connection(iam_policy))
