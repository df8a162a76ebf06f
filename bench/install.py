"""Benchmark (not a test): what installing gtops costs, with and without the sandbox extra.

For `pip install .` and `pip install '.[sandbox]'` from this checkout, each into a new virtual environment
with an empty pip cache (as on a CI runner without a cache: everything is downloaded, gtops's wheel built):

  wheels   distributions installed (gtops included; pip and setuptools of the new venv excluded)
  MB       bytes added to the venv's site-packages, in 10^6
  seconds  wall time of the pip install

Then, in the venv without the extra, it checks what a user would: `gtops validate` works, moto is absent,
and `gtops sandbox` says which extra to install.
Needs the package index (PyPI); takes 2 to 3 minutes. Usage: python bench/install.py [--out PATH]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VARIANTS = (("gtops", ""), ("gtops[sandbox]", "[sandbox]"))


def say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def site_packages(venv: Path) -> Path:
    (path,) = venv.glob("lib/python*/site-packages")
    return path


def contents(venv: Path) -> tuple[set[str], int]:
    """(distribution names, total bytes) of a venv's site-packages."""
    site = site_packages(venv)
    dists = {p.name.split("-")[0].lower() for p in site.glob("*.dist-info")}
    size = sum(f.stat().st_size for f in site.rglob("*") if f.is_file() and not f.is_symlink())
    return dists, size


def measure(extra: str, work: Path) -> dict:
    venv = work / f"venv{extra.strip('[]') or '-core'}"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    base_dists, base_size = contents(venv)
    env = {**os.environ, "PIP_CACHE_DIR": str(work / f"cache{extra}"), "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
    env.pop("PYTHONPATH", None)  # the venv must use only what it installed
    started = time.monotonic()
    pip = [str(venv / "bin" / "pip"), "install", "-q", f"{ROOT}{extra}"]
    proc = subprocess.run(pip, env=env, capture_output=True, text=True)
    seconds = time.monotonic() - started
    if proc.returncode != 0:
        say(proc.stdout + proc.stderr)
        raise SystemExit(f"pip install '.{extra}' failed")
    dists, size = contents(venv)
    return {
        "venv": venv,
        "env": env,
        "wheels": len(dists - base_dists),
        "mb": (size - base_size) / 1e6,
        "seconds": seconds,
        "has_moto": "moto" in dists,
    }


def check_without_extra(venv: Path, env: dict[str, str]) -> list[str]:
    """What a user of the install without the extra sees; returns the failures."""
    failures = []
    gtops = str(venv / "bin" / "gtops")
    run = dict(capture_output=True, text=True, env={**env, "GTOPS_SANDBOX_PORT": "5199"}, cwd=ROOT)
    proc = subprocess.run([gtops, "validate", "specs/cats-dogs"], **run)  # type: ignore[call-overload]
    say(f"  gtops validate specs/cats-dogs -> exit {proc.returncode}: {proc.stdout.strip()}")
    if proc.returncode != 0:
        failures.append("validate failed: " + proc.stderr)
    proc = subprocess.run([str(venv / "bin" / "python"), "-c", "import moto"], **run)  # type: ignore[call-overload]
    if proc.returncode == 0:
        failures.append("moto is importable without the extra")
    proc = subprocess.run([gtops, "sandbox"], **run)  # type: ignore[call-overload]
    say(f"  gtops sandbox -> exit {proc.returncode}: {proc.stderr.strip()}")
    if proc.returncode != 1 or "pip install 'gtops[sandbox]'" not in proc.stderr:
        failures.append("gtops sandbox did not name the extra: " + proc.stderr)
    return failures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "install.json")
    args = parser.parse_args()
    results = {}
    failures: list[str] = []
    with tempfile.TemporaryDirectory(prefix="gtops-install-") as tmp:
        for name, extra in VARIANTS:
            say(f"pip install '.{extra}' into a new venv (empty pip cache) ...")
            result = measure(extra, Path(tmp))
            say(f"  {result['wheels']} wheels, {result['mb']:.0f} MB, {result['seconds']:.0f} s")
            if extra == "":
                failures += check_without_extra(result["venv"], result["env"])
                if result["has_moto"]:
                    failures.append("moto was installed without the extra")
            results[name] = {k: result[k] for k in ("wheels", "mb", "seconds")}
    print("\n| pip install | wheels | MB | seconds |\n|---|---|---|---|")
    for name, row in results.items():
        print(f"| `{name}` | {row['wheels']} | {row['mb']:.0f} | {row['seconds']:.0f} |")
    core, full = results["gtops"], results["gtops[sandbox]"]
    print(
        f"\nWithout the sandbox: {full['wheels'] - core['wheels']} fewer wheels, "
        f"{full['mb'] - core['mb']:.0f} MB less ({core['mb'] / full['mb']:.0%} of the size)."
    )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    meta = {"python": platform.python_version(), "machine": platform.machine(), "when": time.strftime("%F")}
    args.out.write_text(json.dumps({"meta": meta, "results": results}, indent=2) + "\n")
    say(f"written to {args.out}")
    if failures:
        for failure in failures:
            say(f"FAILED: {failure}")
        sys.exit(1)


if __name__ == "__main__":
    main()
