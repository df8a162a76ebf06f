"""The Python API (gtops.api): the README's notebook example run as written, and what a notebook user sees
(typed changes, reprs and HTML with workers masked, approval, stale plans)."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import gtops
from gtops.errors import Cancelled, GtopsError, SpecError
from gtops.gitops.planfile import StalePlan

ROOT = Path(__file__).resolve().parent.parent
STACK = ROOT / "tests" / "e2e" / "stack" / "setup.yaml"
ROSTER = """\
members:
  invitation: suppress
  workers:
    - {email: alice@example.com, phone: '+14155550100'}
"""


def readme_cells() -> list[tuple[str, str]]:
    """(language, code) of each fenced block of the README's Python API section, in order."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## Python API (notebooks and scripts)\n", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```(python|bash)\n(.*?)```", section, re.S)


def test_readme_notebook_example_runs_as_written(server, monkeypatch, tmp_path):
    """Every cell of the README example, in order, against a sandbox server (the shell cell is `gtops sandbox
    advance`, sent to the same server)."""
    from gtops.sandbox import launcher
    from tests.sandbox_server import control

    monkeypatch.setattr(launcher, "ensure_running", lambda *a, **k: server)  # a sandbox already running
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.chdir(ROOT)
    cells = readme_cells()
    assert [lang for lang, _ in cells].count("python") >= 4
    namespace: dict = {}
    for lang, code in cells:
        if lang == "bash":
            steps = re.search(r"gtops sandbox advance --steps (\d+)", code)
            assert steps, code
            control(server, "advance", {"job": None, "steps": int(steps.group(1))})
            continue
        exec(compile(code, "README.md", "exec"), namespace)
    plan, result, labels = namespace["plan"], namespace["result"], namespace["labels"]
    # What the README's comments say the user sees.
    assert repr(plan).startswith("<gtops.Plan 'trains-and-cars' 123456789012/us-east-1: Plan: 15 to add, 0")
    assert plan.summary == {"add": 15, "change": 0, "destroy": 0, "stop": 0}
    assert [c.address for c in plan.changes][:1] == ["sns_topic.AmazonSageMaker-label-notify"]
    assert result.ok and result.done
    assert repr(labels).startswith("<gtops.Results image-labeling-job20: 3 of 3 objects labeled (0 failed)")
    assert namespace["csv_text"].count("\n") >= 4  # a header and one line per object
    # In Jupyter: HTML tables, workers masked.
    html = plan._repr_html_()
    assert "<table" in html and "@example.com" not in html
    assert "<table" in labels._repr_html_()


@pytest.fixture
def stack(inprocess_aws, tmp_path, monkeypatch):
    folder = tmp_path / "stack"
    folder.mkdir()
    shutil.copy(STACK, folder / "setup.yaml")
    with open(folder / "setup.yaml", "a") as fh:
        fh.write(ROSTER)
    monkeypatch.chdir(tmp_path)
    return folder


def test_plan_changes_are_typed_and_views_mask_workers(stack):
    setup = gtops.load(stack)
    plan = setup.plan()
    by_address = {c.address: c for c in plan.changes}
    worker = by_address["cognito_user.alice@example.com"]
    assert (worker.kind, worker.name, worker.action, worker.actions) == (
        "cognito_user",
        "alice@example.com",
        "create",
        ("create",),
    )
    assert by_address["sagemaker_workteam.test2"].after["description"] == "labelTeam"
    # The repr counts workers; the HTML masks them (unless asked); no secret anywhere.
    shown = repr(plan)
    assert "1 worker (cognito_user): 1 to invite" in shown and "alice" not in shown
    assert "alice@example.com" not in plan._repr_html_() and "a…@e….com" in plan._repr_html_()
    assert "alice@example.com" in plan.html(show_members=True)
    assert "description: <code>&quot;labelTeam&quot;</code>" in plan._repr_html_()  # values as code, escaped
    assert plan.to_terraform_json()["resource_changes"][0]["change"]["actions"] == ["create"]


def test_apply_asks_applies_exactly_the_plan_and_refuses_a_stale_one(stack):
    setup = gtops.load(stack)
    plan = setup.plan()
    with pytest.raises(Cancelled):
        setup.apply(plan, approve=lambda p: False)
    seen = []
    result = setup.apply(plan, approve=lambda p: seen.append(p.summary) or True)
    assert result.ok and seen == [plan.summary]
    assert setup.plan().empty and setup.drift().empty
    # The old plan no longer matches AWS: applying it again is refused, not re-run.
    with pytest.raises(StalePlan):
        setup.apply(plan)
    # A saved plan round-trips through a file.
    (stack / "setup.yaml").write_text((stack / "setup.yaml").read_text().replace("labelTeam", "renamed"))
    fresh = gtops.load(stack)
    saved = fresh.plan().save(stack.parent / "plan.json")
    again = gtops.load_plan_file(saved).apply()
    assert again.ok and [c.address for c in again.plan.changes] == ["sagemaker_workteam.test2"]


def test_a_bad_spec_raises_spec_error_naming_file_and_line(tmp_path):
    bad = tmp_path / "setup.yaml"
    bad.write_text("name: x\nregion: us-east-1\npool: {name: 5, bogus: 1}\n")
    with pytest.raises(SpecError) as caught:
        gtops.load(bad)
    assert f"{bad}:3" in str(caught.value) or "setup.yaml:3" in str(caught.value)
    assert isinstance(caught.value, GtopsError)


def test_import_gtops_stays_light():
    code = "import sys, gtops; gtops.load; print(sorted(m for m in ('boto3', 'moto') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_the_commands_render_the_same_plan_in_every_format(stack):
    import json

    from tests.inprocess import run_main

    code, out, err = run_main("plan", str(stack), "--format", "terraform-json")
    assert code == 0, err
    doc = json.loads(out)
    assert doc["format_version"] == "1.2"
    actions = {r["address"]: r["change"]["actions"] for r in doc["resource_changes"]}
    assert actions["cognito_user.alice@example.com"] == ["create"]
    code, out, _ = run_main("plan", str(stack), "--format", "markdown")
    assert code == 0 and "alice@example.com" not in out and "+14155550100" not in out
    assert "1 worker (cognito_user): 1 to invite" in out
    code, out, _ = run_main("plan", str(stack), "--format", "markdown", "--show-members")
    assert "alice@example.com" in out
