"""`gtops sandbox`: run the local AWS emulator that `--sandbox` and the tests use.

`gtops sandbox` alone starts it in the background (same as `gtops sandbox start`). Only stdlib and the
launcher are imported at module level; moto loads in the server process.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer

from gtops.commands._common import stderr
from gtops.settings import DEFAULT_SANDBOX_PORT, sandbox_port

PortOpt = Annotated[
    int | None,
    typer.Option(
        "--port",
        "-p",
        min=1,
        max=65535,
        help=f"Sandbox port on 127.0.0.1 (default: GTOPS_SANDBOX_PORT, else {DEFAULT_SANDBOX_PORT}).",
    ),
]

sandbox_app = typer.Typer(
    name="sandbox",
    help="Run gtops's local AWS emulator (Cognito, SageMaker Ground Truth, S3, SNS, IAM). "
    "`gtops sandbox` alone starts it in the background.",
    no_args_is_help=False,
    invoke_without_command=True,
)


def _port(ctx: typer.Context, port: int | None) -> int:
    if port is not None:
        return port
    return sandbox_port()


def _print_environment(port: int) -> None:
    from gtops.sandbox.launcher import environment

    for name, value in environment(port).items():
        typer.echo(f"export {name}={value}")


def _realism(
    latency_ms: float | None,
    quotas: bool | None,
    fault_rate: float | None,
    seed: int | None,
    workforce_seconds: float | None = None,
    daily_emails: int | None = None,
) -> dict[str, Any]:
    config: dict[str, Any] = {}
    if workforce_seconds is not None:
        config["workforce_seconds"] = workforce_seconds
    if daily_emails is not None:
        config["daily_emails"] = daily_emails
    if latency_ms is not None:
        config["latency_ms"] = latency_ms
    if quotas is not None:
        config["quotas"] = quotas
    if fault_rate is not None:
        config["fault_rate"] = fault_rate
    if seed is not None:
        config["seed"] = seed
    return config


def _check(config: dict[str, Any]) -> None:
    from gtops.errors import GtopsError
    from gtops.sandbox.realism import ConfigError, Realism

    try:
        Realism().configure(**config)
    except ConfigError as err:
        raise GtopsError(str(err)) from err


def _start(
    ctx: typer.Context,
    port: int | None = None,
    foreground: bool = False,
    latency_ms: float | None = None,
    quotas: bool | None = None,
    fault_rate: float | None = None,
    seed: int | None = None,
    workforce_seconds: float | None = None,
    daily_emails: int | None = None,
) -> None:
    from gtops.sandbox import launcher

    number = _port(ctx, port)
    config = _realism(latency_ms, quotas, fault_rate, seed, workforce_seconds, daily_emails)
    _check(config)
    if foreground:
        _foreground(number, config)
        return
    was_running = launcher.health(number) is not None
    url = launcher.ensure_running(number, quiet=False, config=config)
    pid = (launcher.health(number) or {}).get("pid")
    state = "already running" if was_running else "started"
    stderr(f"gtops sandbox {state} at {url} (pid {pid}); stop it with `gtops sandbox stop`.")
    stderr("Point boto3 and the AWS CLI at it (or use --sandbox on gtops commands):")
    _print_environment(number)


def _foreground(port: int, config: dict[str, Any]) -> None:
    from gtops.errors import GtopsError
    from gtops.sandbox import configure, launcher
    from gtops.sandbox.server import make_server

    if launcher.health(port) is not None:
        raise GtopsError(f"a gtops sandbox is already running on port {port}; stop it first")
    launcher.require_installed()
    configure(**config)
    try:
        server = make_server(launcher.SANDBOX_HOST, port)
    except OSError as err:
        raise GtopsError(f"cannot listen on port {port}: {err.strerror or err}") from err
    stderr(f"gtops sandbox listening on {launcher.endpoint(port)}; Ctrl-C stops it and forgets its state.")
    _print_environment(port)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


@sandbox_app.callback()
def _default(ctx: typer.Context, port: PortOpt = None) -> None:
    if ctx.invoked_subcommand is None:
        _start(ctx, port)


@sandbox_app.command("start")
def start(
    ctx: typer.Context,
    port: PortOpt = None,
    foreground: Annotated[
        bool, typer.Option("--foreground", help="Run in this terminal instead of the background.")
    ] = False,
    latency_ms: Annotated[
        float | None, typer.Option("--latency-ms", help="Add this delay to every call (AWS: 20-100 ms).")
    ] = None,
    quotas: Annotated[
        bool | None,
        typer.Option("--quotas/--no-quotas", help="Enforce Cognito request-rate quotas (default off)."),
    ] = None,
    fault_rate: Annotated[
        float | None,
        typer.Option("--fault-rate", help="Share of calls (0-1) answered with throttling, a 500 or a drop."),
    ] = None,
    seed: Annotated[
        int | None, typer.Option("--seed", help="Seed for injected faults (reproducible).")
    ] = None,
    workforce_seconds: Annotated[
        float | None,
        typer.Option(
            "--workforce-seconds",
            help="Seconds a workforce stays Initializing, Updating or Deleting (default 0: instant).",
        ),
    ] = None,
    daily_emails: Annotated[
        int | None,
        typer.Option("--daily-emails", help="Cognito default e-mails per account a day (AWS: 50)."),
    ] = None,
) -> None:
    """Start the sandbox (in the background unless --foreground) and print its environment variables.

    On a running sandbox, the realism options given are applied to it.
    """
    _start(ctx, port, foreground, latency_ms, quotas, fault_rate, seed, workforce_seconds, daily_emails)


@sandbox_app.command("stop")
def stop(ctx: typer.Context, port: PortOpt = None) -> None:
    """Stop a background sandbox; its state is lost."""
    from gtops.sandbox import launcher

    number = _port(ctx, port)
    if launcher.stop(number):
        stderr(f"gtops sandbox on port {number} stopped.")
    else:
        stderr(f"No gtops sandbox was running on port {number}.")


@sandbox_app.command("status")
def status(
    ctx: typer.Context,
    port: PortOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the status as JSON.")] = False,
) -> None:
    """Say whether a sandbox runs on the port (exit 0) or not (exit 1)."""
    from gtops.sandbox import launcher

    info = launcher.status(_port(ctx, port))
    if as_json:
        typer.echo(json.dumps(info, indent=2, sort_keys=True))
    elif info["running"]:
        config = info["config"]
        typer.echo(f"running at {info['endpoint']} (pid {info['pid']}, gtops sandbox {info['version']})")
        typer.echo(
            f"latency {config['latency_ms']:g} ms, quotas {'on' if config['quotas'] else 'off'}, "
            f"fault rate {config['fault_rate']:g}; {info['stats']['calls']} calls served"
        )
    else:
        taken = " (the port is used by another program)" if info.get("port_taken") else ""
        typer.echo(f"not running at {info['endpoint']}{taken}")
    if not info["running"]:
        raise typer.Exit(1)


@sandbox_app.command("reset")
def reset(ctx: typer.Context, port: PortOpt = None) -> None:
    """Forget all emulated AWS state of the running sandbox (its realism settings stay)."""
    from gtops.sandbox import launcher

    number = _port(ctx, port)
    launcher.call(number, "/_gtops/reset", {})
    stderr(f"gtops sandbox on port {number} reset: no pools, teams, jobs or buckets remain.")


@sandbox_app.command("advance")
def advance(
    ctx: typer.Context,
    job: Annotated[str | None, typer.Argument(help="Labeling job name (default: every job).")] = None,
    steps: Annotated[int, typer.Option("--steps", "-n", min=1, help="How many work steps to simulate.")] = 1,
    port: PortOpt = None,
) -> None:
    """Let the simulated workers of the sandbox label more objects of a job (or of all jobs)."""
    from gtops.errors import GtopsError
    from gtops.sandbox import launcher

    answer = launcher.call(_port(ctx, port), "/_gtops/advance", {"job": job, "steps": steps})
    names = answer.get("advanced", [])
    if job is not None and not names:
        raise GtopsError(f"the sandbox has no labeling job named {job!r}")
    for name in names:
        typer.echo(name)
    stderr(f"Advanced {len(names)} labeling job(s) by {steps} step(s).")


def register(app: typer.Typer) -> None:
    app.add_typer(sandbox_app, name="sandbox")
