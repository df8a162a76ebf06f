"""Crash test: a real `gtops apply` process killed with SIGKILL at random points, ten times; every re-run
converges with nothing created twice. The sandbox's latency switch stretches the apply so the kills land
all along it (pool, client, workforce, team, OAuth, invitation, workers) rather than in the first step.
The killed applies are real processes; each re-run, which is about what gtops then does, runs in this
process under the same environment (tests/inprocess.py)."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time

import pytest
from figures import record
from rel_helpers import REPO, STACK, boto, control, gtops_proc, gtops_served, sandbox_env

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

WORKERS = 20
LATENCY_MS = 15
KILLS = 10


def _spec(tmp_path):
    spec = tmp_path / "spec"
    spec.mkdir()
    (spec / "setup.yaml").write_text(
        (STACK / "setup.yaml").read_text() + "members:\n  invitation: email\n  csv: workers.csv\n"
    )
    (spec / "workers.csv").write_text(
        "email,groups\n" + "".join(f"crash{i:02d}@example.com,Label-group\n" for i in range(WORKERS))
    )
    return spec


def _start(env, spec) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "gtops", "apply", str(spec), "--auto-approve"],
        env=env,
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def _counts(url: str) -> dict[str, int]:
    idp, sm, sns = boto("cognito-idp", url), boto("sagemaker", url), boto("sns", url)
    pools = idp.list_user_pools(MaxResults=60)["UserPools"]
    out = {
        "pools": len(pools),
        "topics": len(sns.list_topics()["Topics"]),
        "workforces": len(sm.list_workforces()["Workforces"]),
        "teams": len(sm.list_workteams()["Workteams"]),
    }
    if pools:
        pid = pools[0]["Id"]
        out["clients"] = len(idp.list_user_pool_clients(UserPoolId=pid, MaxResults=60)["UserPoolClients"])
        out["groups"] = len(idp.list_groups(UserPoolId=pid)["Groups"])
        emails: list[str] = []
        token = None
        while True:
            page = idp.list_users(UserPoolId=pid, Limit=60, **({"PaginationToken": token} if token else {}))
            emails += [a["Value"] for u in page["Users"] for a in u["Attributes"] if a["Name"] == "email"]
            token = page.get("PaginationToken")
            if not token:
                break
        out["users"] = len(emails)
        out["distinct_users"] = len(set(emails))
    return out


def test_apply_killed_at_random_points_converges_on_rerun(server, tmp_path):
    spec = _spec(tmp_path)
    env = sandbox_env(server, tmp_path)
    control(server, "config", {"latency_ms": LATENCY_MS})
    started = time.monotonic()
    full = gtops_proc(env, "apply", str(spec), "--auto-approve")
    duration = time.monotonic() - started
    assert full.code == 0, full.text
    expected = _counts(server)
    assert expected["users"] == WORKERS

    rng = random.Random(1337)
    interrupted = 0
    for _ in range(KILLS):
        control(server, "reset")
        control(server, "config", {"latency_ms": LATENCY_MS})
        proc = _start(env, spec)
        time.sleep(rng.uniform(0.1, 0.75) * duration)
        if proc.poll() is None:
            interrupted += 1
            os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
        control(server, "config", {"latency_ms": 0})
        rerun = gtops_served(env, "apply", str(spec), "--auto-approve")  # in this process: see the docstring
        assert rerun.code == 0, rerun.text  # includes apply's own re-read: AWS now matches the spec
        assert "Traceback" not in rerun.err
        assert _counts(server) == expected
    assert interrupted >= KILLS - 2  # the kills really landed mid-apply
    record(
        "crash",
        scenario=f"SIGKILL at a random point of the apply (workforce stack + {WORKERS} workers), then re-run",
        faults=f"{KILLS} kills ({interrupted} mid-apply)",
        runs=2 * KILLS,
        converged=f"{KILLS} of {KILLS} re-runs",
        lost=0,
        duplicated=0,
    )
