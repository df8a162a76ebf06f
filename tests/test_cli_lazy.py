"""Only the named command is built (gtops.cli.command_for): help, errors and options as with all built."""

from __future__ import annotations

import pytest
import typer

from gtops import cli
from tests.inprocess import run_main


def _full_help(*args: str) -> str:
    command = typer.main.get_command(cli.app)
    with command.make_context("gtops", list(args), resilient_parsing=True) as ctx:
        return command.get_help(ctx)


def test_the_list_of_commands_is_the_one_typer_builds() -> None:
    code, out, _ = run_main("--help")
    assert code == 0 and out.strip() == _full_help().strip()


@pytest.mark.parametrize(
    ("args", "named"),
    [
        (["plan", "specs/x"], "plan"),
        (["--profile", "plan", "validate", "x"], "validate"),  # "plan" is the profile's name here
        (["--region=eu-west-1", "-v", "--sandbox", "apply"], "apply"),
        (["-vv", "sandbox", "status"], "sandbox"),
        (["--help", "plan"], None),  # the help of gtops, not of plan
        (["--", "plan"], None),
        (["--version"], None),
    ],
)
def test_the_named_command_is_found_past_global_options(args: list[str], named: str | None) -> None:
    bare = typer.main.get_command(cli.app)
    assert cli._named(args, bare) == named


def test_a_misspelt_command_still_gets_a_suggestion() -> None:
    code, _, err = run_main("plna")
    assert code == 1 and "No such command 'plna'. Did you mean 'plan'?" in err


def test_a_global_option_value_equal_to_a_command_name_runs_the_real_command(tmp_path) -> None:
    spec = tmp_path / "s.yaml"
    spec.write_text("name: s\nregion: eu-west-1\npool: {name: p}\n")
    code, out, err = run_main("--profile", "plan", "validate", str(spec))
    assert code == 0, err
    assert "valid" in (out + err)


def test_a_group_builds_all_its_subcommands() -> None:
    code, out, _ = run_main("sandbox", "--help")
    assert code == 0 and all(name in out for name in ("start", "stop", "status", "reset", "advance"))
