"""Locking on the sandbox: two real `gtops apply` processes at once, stale locks, the local lock file."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tests.commands import run_gtops
from tests.gitops.conftest import run_aws

pytestmark = pytest.mark.e2e

LOCK = "lock: {bucket: gtops-locks}\n"


def gtops_ok(env, *args: str):
    """A real gtops process (the locks are between processes)."""
    proc = run_gtops(env, *args)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc


def _with_lock(stack):
    spec = stack / "setup.yaml"
    spec.write_text(LOCK + spec.read_text())
    return stack


def _start_two(env, *args):
    cmd = [sys.executable, "-m", "gtops", "apply", *args, "--auto-approve"]
    procs = [
        subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in "ab"
    ]
    results = []
    for p in procs:
        out, err = p.communicate(timeout=300)
        results.append((p.returncode, out, err))
    return results


def _inventory(env) -> dict:
    pools = run_aws(env, "cognito-idp", "list-user-pools", "--max-results", "60")["UserPools"]
    (pid,) = [p["Id"] for p in pools]
    return {
        "pools": len(pools),
        "groups": len(run_aws(env, "cognito-idp", "list-groups", "--user-pool-id", pid)["Groups"]),
        "clients": len(
            run_aws(env, "cognito-idp", "list-user-pool-clients", "--user-pool-id", pid)["UserPoolClients"]
        ),
        "teams": len(run_aws(env, "sagemaker", "list-workteams")["Workteams"]),
        "workforces": len(run_aws(env, "sagemaker", "list-workforces")["Workforces"]),
    }


ONE_OF_EACH = {"pools": 1, "groups": 1, "clients": 1, "teams": 1, "workforces": 1}


def test_two_applies_at_once_one_applies_the_other_fails_cleanly(env, stack):
    run_aws(env, "s3api", "create-bucket", "--bucket", "gtops-locks")
    results = _start_two(env, str(_with_lock(stack)))
    codes = sorted(code for code, _, _ in results)
    assert codes == [0, 1], results
    (loser,) = [err for code, _, err in results if code == 1]
    assert (
        "the setup is locked by" in loser
        and "since" in loser
        and "s3://gtops-locks/gtops/locks/e2e-stack.json" in loser
    )
    assert "Traceback" not in loser
    assert _inventory(env) == ONE_OF_EACH
    assert run_aws(env, "s3api", "list-objects-v2", "--bucket", "gtops-locks").get("KeyCount", 0) == 0
    assert run_gtops(env, "plan", str(stack), "--detailed-exitcode").returncode == 0


def test_two_applies_with_lock_timeout_both_succeed_in_turn(env, stack):
    run_aws(env, "s3api", "create-bucket", "--bucket", "gtops-locks")
    results = _start_two(env, str(_with_lock(stack)), "--lock-timeout", "2m")
    assert [code for code, _, _ in results] == [0, 0], results
    outs = sorted(out for _, out, _ in results)
    assert any("No changes." in out for out in outs) and any("Apply complete!" in out for out in outs)
    assert any("waiting up to 120s" in err for _, _, err in results)
    assert _inventory(env) == ONE_OF_EACH


@pytest.mark.slow
def test_stale_lock_is_reported_and_removed_by_unlock(env, stack):
    run_aws(env, "s3api", "create-bucket", "--bucket", "gtops-locks")
    holder = {
        "id": "x",
        "who": "ci@runner-7",
        "pid": 4242,
        "since": "2026-01-02T03:04:05+00:00",
        "operation": "apply",
    }
    stale = stack.parent / "stale.json"
    stale.write_text(json.dumps(holder))
    _with_lock(stack)
    run_aws(
        env,
        "s3api",
        "put-object",
        "--bucket",
        "gtops-locks",
        "--key",
        "gtops/locks/e2e-stack.json",
        "--body",
        str(stale),
    )
    blocked = run_gtops(env, "apply", str(stack), "--auto-approve")
    assert blocked.returncode == 1
    assert "locked by ci@runner-7 (pid 4242, apply) since 2026-01-02T03:04:05+00:00" in blocked.stderr
    refused = run_gtops(env, "unlock", str(stack))  # no terminal and no --force: asks, so refuses
    assert refused.returncode == 1 and "ci@runner-7" in refused.stdout
    gtops_ok(env, "unlock", str(stack), "--force")
    gtops_ok(env, "apply", str(stack), "--auto-approve")


def test_without_lock_in_spec_a_local_lock_file_is_used(env, stack):
    proc = gtops_ok(env, "apply", str(stack), "--auto-approve")
    assert "only runs on this machine are kept apart" in proc.stderr
    (path,) = (stack.parent / "cache" / "gtops" / "locks").glob("e2e-stack-us-east-1-123456789012-*.lock")
    assert str(path) in proc.stderr
    # While another process on this machine holds it, a second apply fails naming the holder.
    from gtops.gitops.lock import FileLock, me

    held = FileLock(path)
    assert held.try_acquire(me("apply", "p-1")) is None
    try:
        blocked = run_gtops(env, "apply", str(stack), "--auto-approve")
    finally:
        held.release()
    assert blocked.returncode == 1
    assert f"pid {os.getpid()}, apply) since" in blocked.stderr and "plan p-1" in blocked.stderr
