"""CLI command modules; each owns a few commands and registers them on the app.

Keep imports here and at the top of command modules light: boto3/moto are imported inside commands.
"""

from __future__ import annotations

import importlib

import typer

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


def register_all(app: typer.Typer) -> None:
    for name in MODULES:
        module = importlib.import_module(f"gtops.commands.{name}")
        module.register(app)
