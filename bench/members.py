"""Benchmark (not a test): workers at scale against the gtops sandbox over loopback.

For N = 100, 1,000 and 2,000 workers in 3 groups, with the sandbox emulating AWS round trips (50 ms) and
the Cognito request-rate quotas:

  plan   the members read of `gtops plan` (median of 3 runs) against a per-worker refresh (AdminGetUser +
         AdminListGroupsForUser per worker: the Terraform read model, 10 threads as Terraform's default
         -parallelism, paced at the published quotas so it is never throttled: its best case), on the
         same live pool: API calls and wall time.
  apply  inviting N new workers (AdminCreateUser + AdminAddUserToGroup each) with gtops against a
         sequential boto3 loop (the manual workflow). Long sequential loops are measured on a sample and
         scaled linearly (their cost per worker does not depend on N); the table says so.

Each figure comes with its theoretical floor: pages for reads, quotas (and round trips) for writes.
Usage: python bench/members.py [--quick] [--port 5161] [--out bench/results/members.json]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from gtops.setup import Setup

GROUPS = ("g1", "g2", "g3")
LATENCY_MS = 50
REGION = "us-east-1"
SIZES = (100, 1000, 2000)
QUICK_SIZES = (100, 300)
SEQUENTIAL_SAMPLE = 150  # workers the sequential loop really runs for, at most
BASELINE_THREADS = 10


SES = {
    "sending_account": "DEVELOPER",
    "source_arn": "arn:aws:ses:us-east-1:123456789012:identity/bench@example.com",
}


def say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def spec(n: int, pool: str = "BenchPool") -> Setup:
    from gtops.kinds.user import MembersSpec, WorkerSpec
    from gtops.kinds.user_group import GroupSpec
    from gtops.kinds.user_pool import PoolSpec
    from gtops.setup import Prune, Safety, Setup

    workers = tuple(
        WorkerSpec(
            email=f"worker{i:05d}@example.com",
            groups=(GROUPS[i % len(GROUPS)],),
            enabled=True,
            attributes={"given_name": f"Worker {i}"},
        )
        for i in range(n)
    )
    return Setup(
        name="bench",
        region=REGION,
        # Invitations at scale go through Amazon SES: Cognito's default e-mail stops at 50 a day per account.
        pool=PoolSpec(name=pool, sign_in="email", case_sensitive=False, email=SES),
        groups=tuple(GroupSpec(g) for g in GROUPS),
        members=MembersSpec(invitation="email", workers=workers),
        prune=Prune(members=False),
        safety=Safety(max_worker_change=0.3, min_workers=10),
    )


def connect(endpoint: str):
    from gtops.aws import Aws
    from gtops.settings import Settings

    return Aws(Settings(), REGION, endpoint)


def plan_floor(n: int) -> dict[str, float]:
    per_group = [len(range(i, n, len(GROUPS))) for i in range(len(GROUPS))]
    calls = math.ceil(n / 60) + sum(math.ceil(k / 60) for k in per_group)
    # UserList allows 30/s; the longest chain of pages is the ListUsers one.
    seconds = max(calls / 30, math.ceil(n / 60) * LATENCY_MS / 1000)
    return {"calls": calls, "seconds": seconds}


def gtops_apply(endpoint: str, n: int) -> tuple[dict[str, Any], Setup]:
    """Create the stack (pool and groups), then time the members write phase for N new workers."""
    from gtops.apply.context import ApplyContext
    from gtops.engine import apply, compute
    from gtops.kinds.user import MembersSpec
    from gtops.members.apply import apply_members

    setup = spec(n)
    empty = replace(setup, members=MembersSpec(invitation="email"))
    stack = compute(SimpleNamespace(setup=empty), connect(endpoint))
    report = apply(stack)
    assert report.ok, report.summary()

    aws = connect(endpoint)
    planned = compute(SimpleNamespace(setup=setup), aws)
    changes = [c for c in planned.plan.actionable if c.address.kind == "cognito_user"]
    assert len(changes) == n, f"expected {n} invitations, planned {len(changes)}"
    ctx = ApplyContext(aws, setup, planned.live, log=lambda m: say(f"    {m}"))
    started = time.monotonic()
    result = apply_members(ctx, changes)
    wall = time.monotonic() - started
    floor = max(n / 50, n / 25)  # UserCreation 50/s, UserUpdate 25/s: the slower decides
    return {
        "workers": n,
        "wall_s": round(wall, 2),
        "calls": sum(result.calls.values()),
        "retries": result.retries,
        "failed": len(result.failed),
        "workers_per_s": round(n / wall, 2),
        "floor_s": floor,
        "share_of_quota_rate": round(floor / wall, 3),
    }, setup


def gtops_plan(endpoint: str, setup: Setup, runs: int = 3) -> dict[str, Any]:
    """The members read, `runs` times (each with fresh clients and no cache); the median is the figure."""
    times, calls = [], 0
    for _ in range(runs):
        once = gtops_plan_once(endpoint, setup)
        times.append(once["wall_s"])
        calls = once["calls"]
    return {"calls": calls, "wall_s": sorted(times)[len(times) // 2], "runs_s": times}


def gtops_plan_once(endpoint: str, setup: Setup) -> dict[str, Any]:
    from gtops.live import read_live
    from gtops.members.plan import plan_members

    aws = connect(endpoint)
    live = read_live(aws, setup)
    before = aws.stats.total
    started = time.monotonic()
    changes, _ = plan_members(aws, setup, live)
    wall = time.monotonic() - started
    assert not changes, f"the pool should match the roster; {len(changes)} changes planned"
    return {"calls": aws.stats.total - before, "wall_s": round(wall, 3)}


def baseline_plan(endpoint: str, setup: Setup) -> dict[str, Any]:
    """Per-worker refresh: AdminGetUser + AdminListGroupsForUser for every worker, 10 at a time."""
    import boto3
    from botocore.config import Config

    from gtops.members.ratelimit import RateLimiter

    idp = boto3.client(
        "cognito-idp",
        region_name=REGION,
        endpoint_url=endpoint,
        config=Config(retries={"mode": "standard", "max_attempts": 6}, max_pool_connections=BASELINE_THREADS),
    )
    pool_id = next(
        p["Id"] for p in idp.list_user_pools(MaxResults=60)["UserPools"] if p["Name"] == "BenchPool"
    )
    assert setup.members is not None
    emails = [w.email for w in setup.members.workers]
    limiter = RateLimiter()  # the published quotas: the baseline is never throttled
    calls = 0
    lock = threading.Lock()

    def refresh(email: str) -> None:
        nonlocal calls
        limiter.acquire("AdminGetUser")
        idp.admin_get_user(UserPoolId=pool_id, Username=email)
        limiter.acquire("AdminListGroupsForUser")
        idp.admin_list_groups_for_user(UserPoolId=pool_id, Username=email, Limit=60)
        with lock:
            calls += 2

    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=BASELINE_THREADS) as pool:
        list(pool.map(refresh, emails))
    wall = time.monotonic() - started
    n = len(emails)
    return {"calls": calls, "wall_s": round(wall, 2), "floor_calls": 2 * n, "floor_s": max(n / 120, n / 50)}


def sequential_apply(endpoint: str, n: int, sample: int) -> dict[str, Any]:
    """The manual workflow: one AdminCreateUser and one AdminAddUserToGroup per worker, in a loop."""
    import boto3

    idp = boto3.client("cognito-idp", region_name=REGION, endpoint_url=endpoint)
    pool_id = idp.create_user_pool(
        PoolName="SequentialPool",
        UsernameAttributes=["email"],
        UsernameConfiguration={"CaseSensitive": False},
        EmailConfiguration={"EmailSendingAccount": "DEVELOPER", "SourceArn": SES["source_arn"]},
    )["UserPool"]["Id"]
    for g in GROUPS:
        idp.create_group(UserPoolId=pool_id, GroupName=g)
    count = min(n, sample)
    started = time.monotonic()
    failed = 0
    for i in range(count):
        email = f"worker{i:05d}@example.com"
        try:
            user = idp.admin_create_user(
                UserPoolId=pool_id,
                Username=email,
                UserAttributes=[
                    {"Name": "email", "Value": email},
                    {"Name": "email_verified", "Value": "true"},
                ],
                DesiredDeliveryMediums=["EMAIL"],
            )["User"]
            idp.admin_add_user_to_group(
                UserPoolId=pool_id, Username=user["Username"], GroupName=GROUPS[i % 3]
            )
        except Exception:  # the loop keeps going, as such scripts do
            failed += 1
    measured = time.monotonic() - started
    wall = measured * n / count
    return {
        "workers_run": count,
        "measured_s": round(measured, 2),
        "wall_s": round(wall, 2),
        "scaled": count < n,
        "failed": failed,
        "workers_per_s": round(count / measured, 2),
        "floor_s": n * 2 * LATENCY_MS / 1000,  # two round trips per worker, one at a time
    }


def run_size(port: int, n: int, sample: int, fresh: bool) -> dict[str, Any]:
    from gtops.sandbox import launcher

    if fresh:  # a new sandbox process per N, so no size inherits another's leftovers
        launcher.stop(port)
        launcher.ensure_running(port)
    endpoint = launcher.endpoint(port)
    launcher.call(port, "/_gtops/reset", {})
    launcher.call(port, "/_gtops/config", {"latency_ms": LATENCY_MS, "quotas": True, "fault_rate": 0.0})
    say(f"N={n}: gtops apply of {n} new workers ...")
    apply_result, setup = gtops_apply(endpoint, n)
    say(f"N={n}: gtops plan read ...")
    plan_result = gtops_plan(endpoint, setup)
    say(f"N={n}: per-worker refresh baseline ({2 * n} calls) ...")
    base_plan = baseline_plan(endpoint, setup)
    say(f"N={n}: sequential boto3 loop ({min(n, sample)} workers) ...")
    base_apply = sequential_apply(endpoint, n, sample)
    throttled = launcher.call(port, "/_gtops/stats").get("throttled", 0)
    floor = plan_floor(n)
    return {
        "workers": n,
        "plan": {
            "gtops": plan_result,
            "baseline": base_plan,
            "floor": floor,
            "call_ratio": round(base_plan["calls"] / plan_result["calls"], 1),
            "time_ratio": round(base_plan["wall_s"] / plan_result["wall_s"], 1),
        },
        "apply": {
            "gtops": apply_result,
            "sequential": base_apply,
            "speedup": round(base_apply["wall_s"] / apply_result["wall_s"], 1),
        },
        "sandbox_throttled_calls": throttled,
    }


def table(results: list[dict[str, Any]], sample: int) -> str:
    lines = [
        f"Plan: members read, sandbox with {LATENCY_MS} ms latency and Cognito quotas",
        f"{'N':>6} {'gtops calls':>12} {'floor':>6} {'baseline':>9} {'x fewer':>8} "
        f"{'gtops s':>8} {'floor s':>8} {'baseline s':>11} {'x faster':>9}",
    ]
    for r in results:
        p = r["plan"]
        g, b, f = p["gtops"], p["baseline"], p["floor"]
        lines.append(
            f"{r['workers']:>6} {g['calls']:>12} {f['calls']:>6} {b['calls']:>9} "
            f"{p['call_ratio']:>8} {g['wall_s']:>8.2f} {f['seconds']:>8.2f} "
            f"{b['wall_s']:>11.2f} {p['time_ratio']:>9}"
        )
    lines += [
        "",
        "Apply: invite N new workers (AdminCreateUser + AdminAddUserToGroup each)",
        f"{'N':>6} {'gtops s':>8} {'floor s':>8} {'% quota':>8} {'failed':>7} {'retries':>8} "
        f"{'sequential s':>13} {'seq floor':>10} {'x faster':>9}",
    ]
    for r in results:
        a = r["apply"]
        g, s = a["gtops"], a["sequential"]
        seq = f"{s['wall_s']:.1f}" + ("*" if s["scaled"] else "")
        share = 100 * g["share_of_quota_rate"]
        lines.append(
            f"{r['workers']:>6} {g['wall_s']:>8.2f} {g['floor_s']:>8.1f} {share:>7.1f}% "
            f"{g['failed']:>7} {g['retries']:>8} {seq:>13} {s['floor_s']:>10.1f} {a['speedup']:>9}"
        )
    if any(r["apply"]["sequential"]["scaled"] for r in results):
        lines.append(
            f"* measured on the first {SEQUENTIAL_SAMPLE} workers and scaled to N (cost per worker is flat)"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help=f"N = {', '.join(map(str, QUICK_SIZES))} only")
    parser.add_argument("--port", type=int, default=5161, help="sandbox port (started here if not running)")
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "results" / "members.json")
    args = parser.parse_args(argv)

    from gtops.sandbox import launcher

    if os.environ.pop("GTOPS_COGNITO_QUOTAS", None):
        say("note: GTOPS_COGNITO_QUOTAS is ignored here; the benchmark uses the published quotas")
    os.environ.update(launcher.environment(args.port))
    started_here = launcher.health(args.port) is None
    launcher.ensure_running(args.port, quiet=False)
    sizes = QUICK_SIZES if args.quick else SIZES
    sample = 50 if args.quick else SEQUENTIAL_SAMPLE
    began = time.monotonic()
    try:
        results = [run_size(args.port, n, sample, fresh=started_here) for n in sizes]
    finally:
        launcher.call(args.port, "/_gtops/config", {"latency_ms": 0, "quotas": False})
        if started_here:
            launcher.stop(args.port)
    report = {
        "benchmark": "members",
        "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "python": platform.python_version(),
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs",
        "sandbox": {"latency_ms": LATENCY_MS, "quotas": True, "loopback": True},
        "quotas_per_s": {
            "UserCreation": 50,
            "UserUpdate": 25,
            "UserList": 30,
            "UserRead": 120,
            "UserResourceRead": 50,
        },
        "baseline_threads": BASELINE_THREADS,
        "sequential_sample": sample,
        "total_s": round(time.monotonic() - began, 1),
        "results": results,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n")
    print(table(results, sample))
    print(f"\n{report['total_s']} s in all; JSON written to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
