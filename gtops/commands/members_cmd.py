"""`gtops members resend` and `gtops members list`: the worker chores that are not plan/apply."""

from __future__ import annotations

import json
import sys
from typing import Annotated, Any

import typer

from gtops.commands._common import (
    DEFAULT,
    PathsArg,
    VarFileOpt,
    VarOpt,
    check_format,
    load_and_connect,
    stderr,
    with_connection,
)
from gtops.settings import Settings

members_app = typer.Typer(
    name="members",
    help="Worker chores besides plan/apply: re-send invitations, list the pool's workers.",
    no_args_is_help=True,
    rich_markup_mode=None,
)

EmailOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--email",
        metavar="EMAIL",
        help="Only this roster worker (repeatable); default: every one who never signed in.",
    ),
]
DryRunOpt = Annotated[bool, typer.Option("--dry-run", help="Only list who would get an invitation.")]
ListFormatOpt = Annotated[
    str, typer.Option("--format", "-f", metavar="FORMAT", help="Output format: text or json.")
]


@members_app.command("resend")
@with_connection
def resend(
    ctx: typer.Context,
    paths: PathsArg = None,
    email: EmailOpt = None,
    dry_run: DryRunOpt = False,
    var: VarOpt = None,
    var_file: VarFileOpt = None,
    conn: Settings = DEFAULT,
) -> None:
    """Re-send the invitation e-mail to roster workers who never signed in (status FORCE_CHANGE_PASSWORD).

    Prints the e-mail of each worker who got one. No user is created and no password is shown.
    """
    from gtops.aws import translated_errors
    from gtops.errors import GtopsError
    from gtops.members.resend import resend_invitations

    spec, aws, endpoint = load_and_connect(conn, paths, var, var_file)
    with translated_errors(endpoint):
        result = resend_invitations(aws, spec.setup, only=email, dry_run=dry_run)
    for note in result.notes:
        stderr(f"note: {note}")
    for address in result.sent:
        print(address)
    for address, why in result.failed:
        stderr(f"failed: {address}: {why}")
    verb = "would get" if dry_run else "got"
    stderr(
        f"{len(result.sent)} workers {verb} a new invitation"
        + (f", {len(result.failed)} failed" if result.failed else "")
    )
    if result.failed:
        raise GtopsError(
            f"{len(result.failed)} invitations could not be re-sent; run the command again to retry"
        )


@members_app.command("list")
@with_connection
def list_workers(
    ctx: typer.Context,
    paths: PathsArg = None,
    fmt: ListFormatOpt = "text",
    var: VarOpt = None,
    var_file: VarFileOpt = None,
    conn: Settings = DEFAULT,
) -> None:
    """List the pool's users: e-mail, status, enabled, managed groups, and whether the roster has them."""
    from gtops.aws import translated_errors
    from gtops.members.resend import live_roster

    check_format(fmt, ("text", "json"))
    spec, aws, endpoint = load_and_connect(conn, paths, var, var_file)
    with translated_errors(endpoint):
        roster = live_roster(aws, spec.setup)
    members = spec.setup.members
    in_spec = {w.key for w in members.workers} if members is not None else set()
    rows: list[dict[str, Any]] = [
        {
            "email": u.email,
            "username": u.username,
            "status": u.status,
            "enabled": u.enabled,
            "groups": sorted(u.groups),
            "in_roster": bool(u.email) and u.key in in_spec,
        }
        for u in sorted(roster.users, key=lambda u: (u.key, u.username))
    ]
    if fmt == "json":
        json.dump(rows, sys.stdout, indent=2)
        sys.stdout.write("\n")
        return
    width = max((len(r["email"] or "") for r in rows), default=5)
    for r in rows:
        flags = ("" if r["enabled"] else " disabled") + ("" if r["in_roster"] else " not-in-roster")
        print(f"{(r['email'] or '-').ljust(width)}  {r['status']:<21} {','.join(r['groups']) or '-'}{flags}")
    stderr(f"{len(rows)} users, {sum(not r['in_roster'] for r in rows)} not in the roster")


def register(app: typer.Typer) -> None:
    app.add_typer(members_app, name="members")
