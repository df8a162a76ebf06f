"""The `gtops` command: parse, call the core, render, map errors to exit codes. Nothing else.

Heavy imports (boto3, moto) happen inside the commands that need them, so `gtops --help` and
`gtops validate` start fast.
"""

from __future__ import annotations

import os
import sys
from typing import Annotated, Any

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


def command_for(args: list[str]) -> Any:
    """The click command for this invocation, with only the command it names built.

    typer turns every option of every command into click objects up front: about 30 ms for gtops's 21
    commands, most of `gtops --help` and a twentieth of a no-change plan. The global options are built
    first (they say which options before the command name take a value); then the named command alone.
    With no command named (`gtops`, `gtops --help`, an unknown name), the others are listed from stand-ins
    that carry only their name and help, which is all a listing or a "did you mean" needs. Shell completion
    needs everything, and gets everything."""
    if os.environ.get("_GTOPS_COMPLETE"):
        return typer.main.get_command(app)
    try:
        return _only_named(args)
    except Exception:  # pragma: no cover - a typer laid out otherwise: everything built, only slower
        return typer.main.get_command(app)


def _only_named(args: list[str]) -> Any:
    import copy

    infos: dict[str, Any] = {}
    for info in app.registered_commands:
        callback_name = getattr(info.callback, "__name__", "")
        infos[info.name or typer.main.get_command_name(callback_name)] = info
    for group_info in app.registered_groups:
        infos[str(group_info.name)] = group_info  # gtops names every group it adds
    bare = copy.copy(app)
    bare.registered_commands, bare.registered_groups = [], []
    group: Any = typer.main.get_command(bare)  # a group: the app has a callback
    name = _named(args, group)
    if name in infos:
        pruned = copy.copy(app)
        info = infos[name]
        pruned.registered_commands = [info] if info in app.registered_commands else []
        pruned.registered_groups = [info] if info in app.registered_groups else []
        return typer.main.get_command(pruned)
    for stand_in in _stand_ins(infos):
        group.add_command(stand_in)
    return group


def _named(args: list[str], group: Any) -> str | None:
    """The command `args` name: the first word that is not a global option or an option's value, unless a
    help flag comes first (`gtops --help plan` is the list of commands)."""
    takes_value = {
        opt
        for param in group.params
        if param.param_type_name == "option" and not param.is_flag and not param.count
        for opt in param.opts
    }
    helps = set(group.context_settings.get("help_option_names", ["--help"]))
    at = 0
    while at < len(args):
        word = args[at]
        if word in helps or word == "--":
            return None
        if not word.startswith("-"):
            return word
        at += 2 if word in takes_value else 1
    return None


def _stand_ins(infos: dict[str, Any]) -> list[Any]:
    """Name-and-help stand-ins of the commands and groups, for a listing (typer's own naming and help)."""
    import inspect

    from typer.core import TyperCommand, TyperGroup

    made: list[Any] = []
    for name, info in infos.items():
        if hasattr(info, "typer_instance"):  # a group: `gtops sandbox ...`
            sub = info.typer_instance.info
            text = info.help if isinstance(info.help, str) else sub.help
            made.append(
                TyperGroup(name=name, help=text if isinstance(text, str) else None, hidden=bool(info.hidden))
            )
        else:
            text = inspect.cleandoc(info.help) if info.help else inspect.getdoc(info.callback)
            made.append(
                TyperCommand(
                    name=name,
                    help=text,
                    short_help=info.short_help,
                    hidden=bool(info.hidden),
                    deprecated=info.deprecated,
                )
            )
    return made


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

    # What the interpreter's own exit does first: stop idle thread pools and wait for other threads
    shutdown = getattr(threading, "_shutdown", None)
    if shutdown is not None:
        shutdown()
    else:  # pragma: no cover - every CPython has it; joining is its essence
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

    command = command_for(args)
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
