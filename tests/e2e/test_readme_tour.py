"""The README's tour runs top to bottom as written.

The shell blocks of the tour's sections (Try it, A short tour, validate, the sandbox from gtops, results) are
run in README order by one bash process, so what one block leaves (a running sandbox, `eval`'d variables, an
applied setup) is what the next one finds, on a sandbox of its own port. Every command must exit 0 (the drift
step shows its own exit code), and every output line a console block shows must appear in what the command
printed (lines with `...` stand for what the README leaves out). Sandbox jobs move only when told
(GTOPS_SANDBOX_JOB_SECONDS=0), so the README's `sandbox advance` has to be enough by itself.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from dataclasses import dataclass, field

import pytest

from tests.e2e.conftest import REPO
from tests.sandbox_server import free_port

SECTIONS = [
    "## Try it (no AWS account needed)",
    "## A short tour",
    "### Checking a spec: `gtops validate`",
    "### Use it from gtops",
    "### `gtops results JOB [PATHS...]`",
]
# The test runs this checkout's gtops, installed or not: installs are left out.
SKIPPED = {"pip install .", "pip install '.[sandbox]'"}
INSTALL = re.compile(r"^pip install \S+ && ")


@dataclass
class Step:
    section: str
    command: str
    shown: list[str] = field(default_factory=list)


def blocks(readme: str, heading: str) -> list[tuple[str, list[str]]]:
    """The fenced bash/console blocks of one section (up to the next heading of any level)."""
    start = readme.index("\n" + heading + "\n")
    end = re.search(r"\n#{1,3} ", readme[start + len(heading) + 2 :])
    body = readme[start : start + len(heading) + 2 + end.start()] if end else readme[start:]
    return [(m[1], m[2].splitlines()) for m in re.finditer(r"```(bash|console)\n(.*?)```", body, re.S)]


def tour_steps() -> list[Step]:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    steps: list[Step] = []
    for heading in SECTIONS:
        for kind, lines in blocks(readme, heading):
            for line in lines:
                if kind == "bash":
                    line = INSTALL.sub("", line)  # `pip install X && gtops ...`: the gtops part
                    if line.strip() and line.strip() not in SKIPPED:
                        steps.append(Step(heading, line))
                elif line.startswith("$ "):
                    steps.append(Step(heading, line[2:]))
                elif steps and steps[-1].section == heading:
                    steps[-1].shown.append(line)
    return steps


def test_the_tour_is_what_the_readme_says():
    commands = [s.command for s in tour_steps()]
    assert commands[0].startswith("gtops apply --sandbox --auto-approve specs/trains-and-cars")
    assert any(c.startswith("gtops sandbox advance --steps") for c in commands)
    assert any(c.startswith("aws sagemaker update-workteam") for c in commands)
    assert any(c.startswith("gtops report ") for c in commands)
    assert any("--compare" in c for c in commands)


def normal(text: str) -> str:
    return " ".join(text.split())


@pytest.mark.e2e
@pytest.mark.slow
def test_the_readme_tour_runs_top_to_bottom(tmp_path):
    steps = tour_steps()
    work = tmp_path / "checkout"  # the README's relative paths, without writing into the repository
    work.mkdir()
    shutil.copytree(REPO / "specs", work / "specs")
    shutil.copytree(REPO / "examples" / "broken", work / "examples" / "broken")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "GTOPS_"))}
    env.update(
        PYTHONPATH=str(REPO),
        GTOPS_SANDBOX_PORT=str(free_port()),
        GTOPS_SANDBOX_DIR=str(tmp_path / "sandbox"),
        GTOPS_SANDBOX_JOB_SECONDS="0",
        AWS_CONFIG_FILE=str(tmp_path / "aws-config"),
        AWS_SHARED_CREDENTIALS_FILE=str(tmp_path / "aws-credentials"),
        NO_COLOR="1",
    )
    script = [f'gtops() {{ {shlex.quote(sys.executable)} -m gtops "$@"; }}']
    for i, step in enumerate(steps):
        script.append(f"printf '\\n@@@ start {i}\\n'")
        script.append(f"{{ {step.command}\n}} 2>&1 </dev/null")
        script.append(f"printf '\\n@@@ exit {i} %s\\n' $?")
    try:
        done = subprocess.run(
            ["bash", "-c", "\n".join(script)],
            env=env,
            cwd=work,
            capture_output=True,
            text=True,
            timeout=900,
        )
    finally:
        subprocess.run(
            [sys.executable, "-m", "gtops", "sandbox", "stop"], env=env, capture_output=True, timeout=60
        )
    outputs: dict[int, str] = {}
    codes: dict[int, int] = {}
    for m in re.finditer(r"@@@ start (\d+)\n(.*?)\n@@@ exit \1 (\d+)\n", done.stdout, re.S):
        outputs[int(m[1])], codes[int(m[1])] = m[2], int(m[3])
    for i, step in enumerate(steps):
        where = f"{step.section}: `{step.command}`"
        assert i in codes, f"{where} did not run:\n{done.stdout[-3000:]}\n{done.stderr[-2000:]}"
        assert codes[i] == 0, f"{where} exited {codes[i]}:\n{outputs[i]}"
        printed = normal(outputs[i])
        for line in step.shown:
            if line.strip() and "..." not in line:
                assert normal(line) in printed, f"{where} did not print {line.strip()!r}:\n{outputs[i]}"
    assert (work / "image-labeling-job20.report.html").stat().st_size > 1000
    assert "<svg" in (work / "birds-report.html").read_text(encoding="utf-8")
