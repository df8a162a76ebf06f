"""The `gtops` command: parse, call the core, render, map errors to exit codes. Nothing else.

Heavy imports (boto3, moto) happen inside the commands that need them, so `gtops --help` and
`gtops validate` start fast.
"""

from __future__ import annotations

import os
import sys
from typing import Annotated

import typer

try:  # recent typer vendors click; older typer uses the click package
    from typer._click import exceptions as click_exceptions
except ImportError:  # pragma: no cover - depends on the installed typer
    # mypy sees only the installed typer's layout, where this import is the fallback never taken.
    from click import exceptions as click_exceptions  # type: ignore[no-redef]

from gtops import __version__
from gtops.commands._common import with_connection
from gtops.errors import GtopsError
from gtops.settings import Settings

app = typer.Typer(
    name="gtops",
    help="Declarative plan/apply for SageMaker Ground Truth private labeling.",
    context_settings={"help_option_names": ["-h", "--help"]},
    no_args_is_help=True,
    add_completion=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"gtops {__version__}")
        raise typer.Exit()


def _global(
    ctx: typer.Context,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version and exit.")
    ] = False,
    conn: Settings = Settings(),
) -> None:
    """The connection options work before the command name too (gtops --sandbox plan ...)."""
    ctx.obj = conn


app.callback()(with_connection(_global))


# Command modules register themselves on `app`; imported here so `gtops --help` lists them all.
from gtops.commands import register_all  # noqa: E402

register_all(app)


def main(argv: list[str] | None = None) -> None:
    """One error boundary: domain errors and usage errors exit 1 with one clear message.

    Exit 2 is reserved for "changes or drift present" (Terraform's -detailed-exitcode), so click's own
    usage-error code 2 is mapped to 1.
    """
    args = sys.argv[1:] if argv is None else argv
    from gtops import redact

    redact.clear()
    streams = (sys.stdout, sys.stderr)
    sys.stdout, sys.stderr = (redact.RedactingStream(s) for s in streams)
    try:
        _run(args)
    finally:
        for stream in (sys.stdout, sys.stderr):
            stream.flush()
        sys.stdout, sys.stderr = streams


def run() -> None:
    """The `gtops` command (console script and `python -m gtops`): `main`, then leave without tearing the
    interpreter down. Freeing every module and object one by one at exit is a tenth of a second of a
    no-change plan and nothing a finished command needs: output is flushed, threads are joined and exit
    handlers run first, as a normal exit would."""
    try:
        main()
        code = 0
    except SystemExit as done:
        if isinstance(done.code, str):
            print(done.code, file=sys.stderr)
        code = done.code if isinstance(done.code, int) else 0 if done.code is None else 1
    _leave(code)


def _leave(code: int) -> None:
    import atexit
    import threading

    for thread in threading.enumerate():
        if thread is not threading.current_thread() and not thread.daemon:
            thread.join()
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed pipe (gtops plan | head): nothing more to say to it
            pass
    os._exit(code)


def _run(args: list[str]) -> None:
    from gtops import cli_values

    command = typer.main.get_command(app)
    cli_values.install(command)
    try:
        code = command(args=args, prog_name="gtops", standalone_mode=False)
        sys.exit(code if isinstance(code, int) else 0)
    except typer.Exit as done:
        sys.exit(done.exit_code)
    except typer.Abort:
        typer.echo("Aborted.", err=True)
        sys.exit(1)
    except click_exceptions.ClickException as usage:
        usage.show(file=sys.stderr)
        sys.exit(1)
    except GtopsError as err:
        typer.echo(f"Error: {err}", err=True)
        sys.exit(err.exit_code)
    except KeyboardInterrupt:
        typer.echo("Interrupted.", err=True)
        sys.exit(130)
    except Exception as err:  # the last line of defence: never a traceback unless asked for
        if os.environ.get("GTOPS_DEBUG") == "1":
            raise
        typer.echo(f"Error: unexpected {type(err).__name__}: {err}", err=True)
        typer.echo("Set GTOPS_DEBUG=1 for the full traceback, and please report it.", err=True)
        sys.exit(1)
