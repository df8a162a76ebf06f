"""Option values are converted by gtops.cli_values (no pydantic): same values in, same clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.inprocess import run_main


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["sandbox", "advance", "--steps", "0", "job"], "'--steps' / '-n': 0 is not in the range x>=1."),
        (["sandbox", "advance", "--steps", "two", "job"], "'--steps' / '-n': 'two' is not a valid integer."),
        (["results", "--worst", "-1", "job"], "'--worst': -1 is not in the range x>=0."),
        (["sandbox", "start", "--latency-ms", "fast"], "'fast' is not a valid number."),
    ],
)
def test_a_bad_number_is_one_clear_line_and_exit_1(args: list[str], message: str) -> None:
    code, out, err = run_main(*args)
    assert code == 1 and out == ""
    assert message in err and "Traceback" not in err, err


def test_plain_values_reach_the_command_typed(tmp_path: Path) -> None:
    spec = tmp_path / "s.yaml"
    spec.write_text("name: s\nregion: eu-west-1\npool: {name: p}\nvars: {team: x}\n")
    # list[Path] argument, str and list[str] options
    code, out, err = run_main("--region", "eu-west-1", "validate", str(spec), "--var", "team=y")
    assert code == 0, err
    assert "valid" in (out + err).lower()


def test_the_lean_conversion_covers_every_gtops_option() -> None:
    """Every option of every command takes gtops's conversion, so no command imports pydantic for its values
    (a new option of an unusual type shows up here)."""
    import typer

    from gtops import cli, cli_values

    command = typer.main.get_command(cli.app)
    cli_values.install(command)
    left: list[str] = []

    def walk(cmd, path: str) -> None:
        for param in cmd.params:
            if (
                getattr(param, "type_descriptor", None) is not None
                and getattr(param, "_runtime_param", None) is None
            ):
                left.append(f"{path} {param.name}")
        for name, sub in getattr(cmd, "commands", {}).items():
            walk(sub, f"{path} {name}")

    walk(command, "gtops")
    if cli_values.RuntimeParam is None:  # a typer that converts through click: nothing to take over
        assert cli_values.install(command) == 0
    else:
        assert left == []


@pytest.mark.parametrize("value", ["abc", "0", "70000", "٣"])
def test_a_bad_sandbox_port_variable_is_one_error(value: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GTOPS_SANDBOX_PORT", value)
    code, out, err = run_main("sandbox", "status")
    assert code == 1 and "GTOPS_SANDBOX_PORT" in err and "not a port number" in err, err
    assert "Traceback" not in err


def test_a_sandbox_port_option_out_of_range_is_refused_before_any_wait() -> None:
    code, _, err = run_main("sandbox", "start", "--port", "0")
    assert code == 1 and "0 is not in the range x>=1 and x<=65535." in err, err


def test_the_command_leaves_quickly_with_all_its_output_and_its_exit_code(tmp_path: Path) -> None:
    """`gtops` skips the interpreter's teardown (gtops.cli.run): every byte still arrives, exit handlers
    still run, and the exit code is the command's."""
    import json
    import subprocess
    import sys

    done = tmp_path / "atexit-ran"
    hook = (
        "import atexit, pathlib, runpy, sys\n"
        f"atexit.register(lambda: pathlib.Path({str(done)!r}).write_text('yes'))\n"
        "sys.argv[0] = 'gtops'\n"
        "runpy.run_module('gtops', run_name='__main__')\n"
    )
    schema = subprocess.run(
        [sys.executable, "-c", hook, "schema"], capture_output=True, text=True, timeout=120
    )
    assert schema.returncode == 0 and json.loads(schema.stdout)["title"] == "gtops spec"  # all of it, flushed
    assert done.read_text() == "yes"
    (tmp_path / "bad.yaml").write_text("name: s\npool: {name: p, mfa: sometimes}\n")
    bad = subprocess.run(
        [sys.executable, "-m", "gtops", "validate", str(tmp_path / "bad.yaml")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert bad.returncode == 1 and "bad.yaml:2:" in bad.stderr


def test_a_thread_pool_left_open_does_not_keep_the_command_from_ending(tmp_path: Path) -> None:
    import subprocess
    import sys

    code = (
        "from concurrent.futures import ThreadPoolExecutor\n"
        "import sys\n"
        "from gtops import cli\n"
        "pool = ThreadPoolExecutor(2)\n"  # never shut down, as a failed batch might leave one
        "pool.submit(print, 'worked', file=sys.stderr).result()\n"
        "sys.argv = ['gtops', '--version']\n"
        "cli.run()\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and done.stdout.startswith("gtops ") and "worked" in done.stderr
