"""CLI habits: shell completion, --var-file, AWS_REGION, one style of metavar in help, `validate A B` the same
as `validate specs`, `-o -` and `--open` (their job-bound halves are in tests/jobs/)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.inprocess import run_main

ROOT = Path(__file__).resolve().parent.parent
SPEC = """\
name: varfile-demo
region: us-east-1
vars:
  team: default-team
pool: {name: pool}
groups: [{name: g1}]
client: {name: c1}
domain: varfile-demo-x
workforce: {}
teams:
  - {name: "{{ team }}", groups: [g1]}
"""


def test_shell_completion_completes_commands_and_options(monkeypatch, tmp_path):
    # The protocol the installed completion script speaks (click's _GTOPS_COMPLETE).
    monkeypatch.setenv("_GTOPS_COMPLETE", "complete_bash")
    monkeypatch.setenv("COMP_WORDS", "gtops pla")
    monkeypatch.setenv("COMP_CWORD", "1")
    code, out, _ = run_main()
    assert code == 0 and out.split() == ["plan"]
    monkeypatch.setenv("COMP_WORDS", "gtops plan --show-m")
    monkeypatch.setenv("COMP_CWORD", "2")
    code, out, _ = run_main()
    assert out.split() == ["--show-members"]
    monkeypatch.delenv("_GTOPS_COMPLETE")
    # --install-completion writes the script and sources it from the shell's rc file.
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("SHELL", "/bin/bash")
    code, out, err = run_main("--install-completion", "bash")
    assert code == 0, err
    assert "_GTOPS_COMPLETE" in (tmp_path / ".bash_completions" / "gtops.sh").read_text()
    assert "gtops.sh" in (tmp_path / ".bashrc").read_text()


def spec_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "spec"
    folder.mkdir()
    (folder / "setup.yaml").write_text(SPEC)
    return folder


def test_var_file_sets_variables_and_var_wins(tmp_path):
    folder = spec_folder(tmp_path)
    (tmp_path / "dev.yaml").write_text("team: from-file\n")
    (tmp_path / "later.json").write_text('{"team": "later-file"}\n')
    code, out, err = run_main(
        "iam-policy", str(folder), "--var-file", str(tmp_path / "dev.yaml"), "--account", "123456789012"
    )
    assert code == 0, err
    assert "workteam/private-crowd/from-file" in out
    code, out, _ = run_main(
        "iam-policy", str(folder), "--var-file", str(tmp_path / "dev.yaml"),
        "--var-file", str(tmp_path / "later.json"), "--account", "123456789012",
    )  # fmt: skip
    assert "workteam/private-crowd/later-file" in out
    code, out, _ = run_main(
        "iam-policy",
        str(folder),
        "--var-file",
        str(tmp_path / "dev.yaml"),
        "--var",
        "team=flag",
        "--account",
        "123456789012",
    )
    assert "workteam/private-crowd/flag" in out and "from-file" not in out


@pytest.mark.parametrize(
    "body, message",
    [
        (
            "team: [a, b]\n",
            "dev.yaml:1:1: team: a variable's value is text, a number or true/false, not list",
        ),
        ("team: a\n'bad name': b\n", "dev.yaml:2:1: bad name: variable names are letters, digits and _"),
        ("- team\n", "dev.yaml:1:1: a var file is a mapping of variable names to values"),
        ("team: [\n", "dev.yaml:"),
    ],
)
def test_a_bad_var_file_is_one_error_at_its_line(tmp_path, body, message):
    folder = spec_folder(tmp_path)
    (tmp_path / "dev.yaml").write_text(body)
    code, out, err = run_main("validate", str(folder), "--var-file", str(tmp_path / "dev.yaml"))
    assert code == 1 and message in err and "Traceback" not in err


def test_a_missing_var_file_names_the_flag(tmp_path):
    code, _, err = run_main("validate", str(spec_folder(tmp_path)), "--var-file", str(tmp_path / "nope.yaml"))
    assert code == 1 and "nope.yaml" in err and "Traceback" not in err


def test_aws_region_is_honoured_and_wins_over_aws_default_region(monkeypatch):
    from gtops.aws import Aws
    from gtops.settings import Settings

    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_REGION", "eu-west-1")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    assert Aws(Settings(), None, None).region == "eu-west-1"
    assert Aws(Settings(), "ap-south-1", None).region == "ap-south-1"  # --region or the spec's wins
    monkeypatch.delenv("AWS_REGION")
    assert Aws(Settings(), None, None).region == "us-east-1"


COMMANDS = [
    (), ("validate",), ("plan",), ("apply",), ("drift",), ("destroy",), ("export",), ("unlock",),
    ("status",), ("results",), ("report",), ("send",), ("preview",), ("iam-policy",), ("schema",),
    ("members", "resend"), ("members", "list"), ("sandbox", "start"), ("sandbox", "advance"),
    ("sandbox", "stop"),
]  # fmt: skip


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c) or "gtops")
def test_help_names_every_value_in_one_style(command):
    code, out, _ = run_main(*command, "--help")
    assert code == 0
    # Never a Python type or click's defaults: <str>, <list[Path]>, {job}, TEXT, INTEGER...
    assert not re.search(r"<[a-z]|\{[a-z_]+\}|\b(TEXT|INTEGER|FLOAT|PATH|BOOLEAN)\b", out), out
    for line in out.splitlines():
        option = re.match(r"\s+(?:-\w, )?(--[\w-]+) (\S+)", line)
        if option and option.group(2) != "/" and not option.group(2).startswith(("[", "(")):
            value = option.group(2)
            assert re.fullmatch(r"[A-Z][A-Z0-9_=]*(\.\.\.)?", value), line


def test_validate_a_and_b_checks_them_as_validate_specs_does():
    together = run_main("validate", "specs")
    folders = sorted(str(p) for p in (ROOT / "specs").iterdir() if p.is_dir())
    one_by_one = run_main("validate", *folders)
    assert together[0] == one_by_one[0] == 0
    assert together[1] == one_by_one[1]
    assert together[1].count("\n") == len(folders)  # one line per setup, never one merged setup


def test_output_dash_means_stdout_and_open_needs_a_file():
    code, _, err = run_main("preview", "job", "specs/birds", "-o", "-", "--open")
    assert code == 1 and "--open needs a file to open" in err
