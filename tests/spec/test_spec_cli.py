"""`gtops validate` and `gtops schema` as a user runs them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from gtops.spec.schema import schema_json

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = Path(__file__).parent / "fixtures"


def gtops(*args: str, cwd: Path = ROOT, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "gtops", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, **(env or {})},
    )


def test_validate_summarises_a_valid_setup() -> None:
    result = gtops("validate", "specs/trains-and-cars")
    assert result.returncode == 0, result.stderr
    assert result.stdout == "3 files valid: setup 'trains-and-cars' (1 group, 1 team, 5 workers, 1 job)\n"


def test_validate_prints_every_problem_to_stderr_and_exits_1() -> None:
    result = gtops("validate", "tests/spec/fixtures/csv-bad-rows.yaml")
    assert result.returncode == 1
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert lines[:4] == [
        "tests/spec/fixtures/csv-bad-rows.csv:3:1: email: 'not-an-email' is not an e-mail address",
        "tests/spec/fixtures/csv-bad-rows.csv:4:19: phone: '555-1234' is not an E.164 phone number such as "
        "+14155550100",
        "tests/spec/fixtures/csv-bad-rows.csv:5:25: enabled: 'perhaps' is not true/false/yes/no/1/0",
        "tests/spec/fixtures/csv-bad-rows.csv:6:1: row has 5 fields but the header has 4",
    ]
    assert "Traceback" not in result.stderr


def test_validate_json_format() -> None:
    bad = gtops("validate", "--format", "json", "tests/spec/fixtures/range-workers-per-object.yaml")
    assert bad.returncode == 1
    assert json.loads(bad.stdout) == {
        "valid": False,
        "problems": [
            {
                "file": "tests/spec/fixtures/range-workers-per-object.yaml",
                "line": 15,
                "column": 5,
                "path": "jobs[0].workers_per_object",
                "message": "must be at most 9, not 12",
            }
        ],
    }
    good = gtops("validate", "-f", "json", "specs/cats-dogs")
    assert good.returncode == 0 and json.loads(good.stdout) == {"valid": True, "problems": []}


def test_validate_var_option_and_bad_var() -> None:
    ok = gtops("validate", "--var", "stage=prod", "tests/spec/fixtures/var-undefined.yaml")
    assert ok.returncode == 0, ok.stderr
    bad = gtops("validate", "--var", "stage", "tests/spec/fixtures/var-undefined.yaml")
    assert bad.returncode == 1 and "--var wants name=value" in bad.stderr


def test_validate_defaults_to_the_current_folder(tmp_path: Path) -> None:
    (tmp_path / "s.yaml").write_text("name: here\npool: {name: p}\n")
    result = gtops("validate", cwd=tmp_path, env={"PYTHONPATH": str(ROOT)})
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("1 file valid: setup 'here'")


def test_schema_command_prints_the_schema() -> None:
    result = gtops("schema")
    assert result.returncode == 0
    assert result.stdout == schema_json()


def test_validate_does_not_import_boto3_or_moto() -> None:
    code = (
        "import sys\n"
        "from gtops.cli import main\n"
        "try:\n"
        "    main(['validate', 'specs/birds'])\n"
        "except SystemExit as done:\n"
        "    assert done.code == 0, done.code\n"
        "heavy = sorted(m for m in sys.modules if m.split('.')[0] in ('boto3', 'botocore', 'moto'))\n"
        "print(heavy)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "[]"


def test_a_folder_of_setups_is_checked_setup_by_setup(tmp_path: Path) -> None:
    good = tmp_path / "setups" / "good"
    bad = tmp_path / "setups" / "bad"
    good.mkdir(parents=True)
    bad.mkdir(parents=True)
    (good / "setup.yaml").write_text("name: good\nregion: us-east-1\npool: {name: good-pool}\n")
    (bad / "setup.yaml").write_text("name: bad\nregion: us-east-1\npool: {name: bad-pool, sign_in: fax}\n")
    result = gtops("validate", str(tmp_path / "setups"))
    assert result.returncode == 1
    assert "setup 'good'" in result.stdout
    assert "bad/setup.yaml:3:" in result.stderr and "sign_in" in result.stderr
    every_example = gtops("validate", "specs")
    assert every_example.returncode == 0, every_example.stderr
    assert every_example.stdout.count(" valid: setup ") == len(
        [d for d in (ROOT / "specs").iterdir() if d.is_dir()]
    )
