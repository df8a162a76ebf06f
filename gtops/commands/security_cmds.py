"""`gtops iam-policy`: the least-privilege IAM policy a pipeline role needs for one spec."""

from __future__ import annotations

import json
import os
import re
from typing import Annotated

import typer

from gtops.commands._common import (
    DEFAULT,
    PathsArg,
    VarOpt,
    load,
    stderr,
    with_connection,
)
from gtops.settings import Settings

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
        "--account", help="AWS account id for the ARNs (default: asked of STS, else a placeholder)."
    ),
]


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


def iam_policy(
    ctx: typer.Context,
    paths: PathsArg = None,
    var: VarOpt = None,
    read_only: ReadOnlyOpt = False,
    destroy: DestroyOpt = False,
    account: AccountOpt = None,
    conn: Settings = DEFAULT,
) -> None:
    """Print the IAM policy (JSON) a pipeline role needs to plan and apply these specs."""
    from gtops.errors import GtopsError
    from gtops.iam import ACCOUNT_PLACEHOLDER, build_policy, check_grammar, job_files, partition_of

    if read_only and destroy:
        raise GtopsError("--read-only and --destroy cannot be combined")
    s = conn
    spec = load(s, paths, var)
    where = (
        s.region
        or spec.data.get("region")
        or os.environ.get("AWS_REGION")
        or os.environ.get("AWS_DEFAULT_REGION")
    )
    if not where:
        raise GtopsError("No AWS region: set `region:` in the spec, pass --region, or set AWS_REGION.")
    acct, how = _account(ctx, s, where, account)
    policy = build_policy(spec.data, where, acct, partition_of(where), read_only=read_only, destroy=destroy)
    problems = check_grammar(policy)
    if problems:  # a bug in gtops, never the user's input
        raise GtopsError("the generated policy is not valid: " + "; ".join(problems))
    typer.echo(json.dumps(policy, indent=2))
    variant = (
        "read-only (plan, drift)" if read_only else "plan and apply" + (" and destroy" if destroy else "")
    )
    stderr(
        f"# IAM policy for setup {spec.data.get('name')!r}, {variant}, region {where}, account from {how}."
    )
    if acct == ACCOUNT_PLACEHOLDER:
        stderr(
            f"# {ACCOUNT_PLACEHOLDER} stands for your account id: pass --account, or keep it as is in a "
            "CloudFormation template (Fn::Sub fills it in)."
        )
    if spec.data.get("pool") and not spec.data["pool"].get("id"):
        stderr(
            "# The user pool's id is unknown until it exists, so its statement covers the account's pools in "
            "this region (userpool/*); pin `pool.id` in the spec to narrow it to one pool."
        )
    if not read_only:
        for note in job_files(spec.data).notes:
            stderr(f"# {note}.")


def register(app: typer.Typer) -> None:
    app.command("iam-policy")(with_connection(iam_policy))
