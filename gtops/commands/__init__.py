"""CLI command modules; each owns a few commands and registers them on the app.

Keep imports here and at the top of command modules light: boto3/moto are imported inside commands.
"""

from __future__ import annotations

import importlib
from typing import Any

import typer
from typer.core import TyperCommand

MODULES = (
    "spec_cmds",
    "plan_cmds",
    "gitops_cmds",
    "members_cmd",
    "jobs_cmds",
    "send_cmd",
    "security_cmds",
    "sandbox_cmd",
)


def _shown(param: Any) -> str:
    name = param.metavar or (param.name or "").upper()
    return name + ("..." if param.nargs != 1 else "")


class HelpCommand(TyperCommand):
    """Help in one style: every value is an upper-case name (JOB, PATHS..., FILE), optional arguments in
    brackets, and never a Python type (typer would print `{job}`, `<str>`, `<list[Path]>`). An option that
    names no metavar of its own shows its name (`--port PORT`)."""

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        for param in self.params:
            takes_value = not getattr(param, "is_flag", False) and not getattr(param, "count", False)
            if param.param_type_name == "option" and takes_value and param.metavar is None:
                param.metavar = (param.name or "value").upper()

    def collect_usage_pieces(self, ctx: Any) -> list[str]:
        pieces = [self.options_metavar] if self.options_metavar else []
        for param in self.get_params(ctx):
            if param.param_type_name == "argument":
                name = param.metavar or (param.name or "").upper()
                shown = name if param.required else f"[{name}]"
                pieces.append(shown + ("..." if param.nargs != 1 else ""))
        return pieces

    def format_options(self, ctx: Any, formatter: Any) -> None:
        arguments, options = [], []
        for param in self.get_params(ctx):
            record = param.get_help_record(ctx)
            if record is None:
                continue
            if param.param_type_name == "argument":
                arguments.append((_shown(param), record[1]))
            else:
                options.append(record)
        for title, rows in (("Arguments", arguments), ("Options", options)):
            if rows:
                with formatter.section(title):
                    formatter.write_dl(rows)


def _uniform_help(app: typer.Typer) -> None:
    for info in app.registered_commands:
        if info.cls in (None, TyperCommand):
            info.cls = HelpCommand
    for group in app.registered_groups:
        if group.typer_instance is not None:
            _uniform_help(group.typer_instance)


def register_all(app: typer.Typer) -> None:
    for name in MODULES:
        module = importlib.import_module(f"gtops.commands.{name}")
        module.register(app)
    _uniform_help(app)
