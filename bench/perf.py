"""Benchmark (not a test): the whole `gtops` command against its floors, side by side, in one run.

Every gtops figure is a whole process (`python -m gtops ...`, start-up included), the median of repeated runs,
measured against the gtops sandbox over loopback. Rows:

  start-up   a no-change `gtops plan --sandbox` of specs/trains-and-cars (a fresh sandbox with no latency:
             the calls themselves take about 0.1 s), the same as a first run on a machine (an empty cache
             folder: no parsed AWS models, no remembered check passes), `gtops --help`, and
             `python -c "import boto3"`.
  validate   `gtops validate` of a spec whose roster is a 50,000-row CSV file (and 1,000 rows).
  plan       a no-change plan of N workers in 10 groups, sandbox answering after 50 ms with the Cognito quotas
             on; floor: its pages at the UserList quota, ceil(N/60) + sum_g ceil(n_g/60) pages / 30/s.
             Baseline: a per-worker refresh, AdminGetUser + AdminListGroupsForUser for every worker (how
             Terraform reads aws_cognito_user and aws_cognito_user_in_group), 10 threads (Terraform's
             -parallelism), paced at the quotas so it is never throttled: its best case.
  apply      `gtops apply` inviting N new workers (AdminCreateUser + AdminAddUserToGroup each) into the
             existing pool and groups, closing check included; floor: the quota-bound time, N/25 s
             (UserUpdate 25/s; UserCreation's 50/s runs alongside). Baseline: a sequential boto3 loop (the
             manual workflow), whose own floor is 2 round trips per worker.
  emulator   a full ListUsers pass of the sandbox at 10,000 and 50,000 users, no latency, no quotas: linear
             means the 50k pass costs about 5x the 10k one. Also the pages per second the sandbox serves to 16
             concurrent chains, against the 30/s a plan asks of it.

N = 1,000 and 10,000 by default (under 10 minutes, most of it the 10k apply at the quota); --big adds 50,000
(about 40 minutes more). Long baselines run on a sample and are scaled (their cost per worker is flat;
marked *). The sandbox runs in this process, on its own thread, so pools can be filled directly (no quota)
for the rows that need existing users; gtops and the baselines run as separate processes.

Usage: python bench/perf.py [--big] [--rows startup,validate,plan,apply,emulator] [--runs 3]
       [--out bench/results/perf.json]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
REGION = "us-east-1"
GROUPS = tuple(f"g{i}" for i in range(10))
LATENCY_MS = 50
USER_LIST = 30.0  # ListUsers / ListUsersInGroup per second (the UserList quota)
USER_UPDATE = 25.0  # AdminAddUserToGroup per second (the UserUpdate quota)
USER_CREATION = 50.0
REFRESH_SAMPLE = 500  # workers the per-worker refresh really reads, at most
LOOP_SAMPLE = 150  # workers the sequential loop really creates
ROWS = ("startup", "validate", "plan", "apply", "emulator")
CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_DEFAULT_REGION": REGION,
}


def say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# ---------------------------------------------------------------------------------------------------------
# the sandbox, in this process


class Sandbox:
    def __init__(self, state_dir: Path) -> None:
        from gtops.sandbox.server import make_server

        self.server = make_server("127.0.0.1", 0)
        self.port = self.server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.state_dir = state_dir
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def env(self) -> dict[str, str]:
        """What a gtops process needs to use this sandbox, with --sandbox or without."""
        env = dict(os.environ, **CREDENTIALS)
        env.update(GTOPS_SANDBOX_PORT=str(self.port), GTOPS_SANDBOX_DIR=str(self.state_dir))
        env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH", "")) if p)
        env.pop("AWS_ENDPOINT_URL", None)
        env.pop("GTOPS_COGNITO_QUOTAS", None)
        return env

    def configure(self, latency_ms: float, quotas: bool) -> None:
        from gtops import sandbox

        sandbox.configure(latency_ms=latency_ms, quotas=quotas, fault_rate=0.0)

    def reset(self) -> None:
        from gtops import sandbox

        sandbox.reset(realism=False)

    def stats(self) -> dict[str, int]:
        from gtops.sandbox.realism import REALISM

        return dict(REALISM.stats)

    def client(self, service: str) -> Any:
        import boto3

        return boto3.client(service, endpoint_url=self.url, region_name=REGION, **_lower(CREDENTIALS))

    def pool_id(self, name: str) -> str:
        pools = self.client("cognito-idp").list_user_pools(MaxResults=60)["UserPools"]
        return next(p["Id"] for p in pools if p["Name"] == name)

    def fill(self, pool_id: str, n: int, start: int = 0) -> None:
        """Create workers start..n-1 of the roster directly in the emulator (no quota, no latency), exactly
        as gtops would: e-mail, verified, given name, one group each."""
        from moto.cognitoidp.models import cognitoidp_backends

        from gtops.sandbox.hooks import LOCKS

        backend = cognitoidp_backends["123456789012"][REGION]
        with LOCKS["cognito-idp"]:
            for i in range(start, n):
                email = email_of(i)
                attrs = [
                    {"Name": "email", "Value": email},
                    {"Name": "email_verified", "Value": "true"},
                    {"Name": "given_name", "Value": f"Worker {i}"},
                ]
                user = backend.admin_create_user(pool_id, email, "SUPPRESS", None, attrs)
                backend.admin_add_user_to_group(pool_id, GROUPS[i % len(GROUPS)], user.username)

    def stop(self) -> None:
        self.server.shutdown()


def _lower(creds: dict[str, str]) -> dict[str, str]:
    return {
        "aws_access_key_id": creds["AWS_ACCESS_KEY_ID"],
        "aws_secret_access_key": creds["AWS_SECRET_ACCESS_KEY"],
    }


def email_of(i: int) -> str:
    return f"worker{i:06d}@example.com"


# ---------------------------------------------------------------------------------------------------------
# specs


def bench_spec(folder: Path, n: int, pool: str = "BenchPool") -> Path:
    """A pool, 10 groups and N workers (one group each) in a CSV roster."""
    folder.mkdir(parents=True, exist_ok=True)
    groups = "\n".join(f"  - name: {g}" for g in GROUPS)
    (folder / "setup.yaml").write_text(
        f"""name: bench
region: {REGION}
pool:
  name: {pool}
  sign_in: email
  case_sensitive: false
groups:
{groups}
members:
  invitation: suppress
  csv: workers.csv
safety:
  max_worker_change: 0.3
  min_workers: 10
"""
    )
    with open(folder / "workers.csv", "w") as out:
        out.write("email,groups,given_name\n")
        for i in range(n):
            out.write(f"{email_of(i)},{GROUPS[i % len(GROUPS)]},Worker {i}\n")
    return folder


# ---------------------------------------------------------------------------------------------------------
# processes


# Peak memory is the child's own VmHWM, written on stderr as it exits: its ru_maxrss would not do, as Linux
# carries the forking parent's peak (this process holds the sandbox's pools) over into the child's.
PEAK = "gtops-bench-vmhwm-kib:"
PEAK_HOOK = (
    "import atexit, sys\n"
    "def _peak():\n"
    "    for line in open('/proc/self/status'):\n"
    "        if line.startswith('VmHWM:'):\n"
    f"            sys.stderr.write('\\n{PEAK}' + line.split()[1] + '\\n')\n"
    "atexit.register(_peak)\n"
)


def run(argv: list[str], env: dict[str, str], cwd: Path | None = None) -> dict[str, Any]:
    """Run a Python process (`python -m module ...` or `python -c code ...`); its wall time, peak memory
    and outcome."""
    if argv[1] == "-m":
        module = argv[2]
        code = f"import runpy, sys\nsys.argv[0] = {module!r}\n"
        code += f"runpy.run_module({module!r}, run_name='__main__')"
        argv = [argv[0], "-c", PEAK_HOOK + code, *argv[3:]]
    else:
        argv = [argv[0], "-c", PEAK_HOOK + argv[2], *argv[3:]]
    started = time.monotonic()
    proc = subprocess.Popen(
        argv, env=env, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL
    )
    out_chunks: list[bytes] = []
    err_chunks: list[bytes] = []
    readers = [
        threading.Thread(target=lambda: out_chunks.append(proc.stdout.read())),  # type: ignore[union-attr]
        threading.Thread(target=lambda: err_chunks.append(proc.stderr.read())),  # type: ignore[union-attr]
    ]
    for r in readers:
        r.start()
    _, status, _ = os.wait4(proc.pid, 0)
    wall = time.monotonic() - started
    for r in readers:
        r.join()
    proc.returncode = os.waitstatus_to_exitcode(status)
    stderr, _, peak = b"".join(err_chunks).decode(errors="replace").rpartition(f"\n{PEAK}")
    return {
        "wall_s": wall,
        "rss_mib": int(peak.strip() or 0) / 1024,
        "rc": proc.returncode,
        "stdout": b"".join(out_chunks).decode(errors="replace"),
        "stderr": stderr if peak else b"".join(err_chunks).decode(errors="replace"),
    }


def gtops(args: list[str], env: dict[str, str], ok: tuple[int, ...] = (0,)) -> dict[str, Any]:
    result = run([sys.executable, "-m", "gtops", *args], env)
    if result["rc"] not in ok:
        raise SystemExit(f"gtops {' '.join(args)} exited {result['rc']}:\n{result['stderr'][-3000:]}")
    return result


def repeat(runs: int, once) -> dict[str, Any]:
    """`once()` `runs` times: the median wall time, every run's time, and the largest peak memory."""
    results = [once() for _ in range(runs)]
    walls = [r["wall_s"] for r in results]
    return {
        "median_s": round(statistics.median(walls), 3),
        "runs_s": [round(w, 3) for w in walls],
        "rss_mib": round(max(r["rss_mib"] for r in results), 1),
        "last": results[-1],
    }


def calls_of(stderr: str) -> int | None:
    for line in stderr.splitlines():
        if line.startswith("API calls: "):
            return int(line.split()[2])
    return None


# ---------------------------------------------------------------------------------------------------------
# helpers that run as their own processes (so the sandbox thread has this process to itself)

HELPERS = r"""
import json, sys, threading, time
from concurrent.futures import ThreadPoolExecutor
import boto3
from botocore.config import Config

args = json.loads(sys.argv[1])
idp = boto3.client("cognito-idp", endpoint_url=args["url"], region_name="us-east-1",
                   config=Config(retries={"mode": "standard", "max_attempts": 6}, max_pool_connections=16))
pool = args["pool"]

def refresh():
    # Terraform's read: AdminGetUser + AdminListGroupsForUser per worker, 10 at a time, paced at the quotas.
    sys.path.insert(0, args["root"])
    from gtops.members.ratelimit import RateLimiter
    limiter = RateLimiter()
    def one(email):
        limiter.acquire("AdminGetUser")
        idp.admin_get_user(UserPoolId=pool, Username=email)
        limiter.acquire("AdminListGroupsForUser")
        idp.admin_list_groups_for_user(UserPoolId=pool, Username=email, Limit=60)
    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=10) as ex:
        list(ex.map(one, args["emails"]))
    return {"wall_s": time.monotonic() - started, "calls": 2 * len(args["emails"])}

def loop():
    # The manual workflow: AdminCreateUser then AdminAddUserToGroup, one worker after the other.
    started = time.monotonic()
    failed = 0
    for i, email in enumerate(args["emails"]):
        try:
            attrs = [{"Name": "email", "Value": email}, {"Name": "email_verified", "Value": "true"}]
            user = idp.admin_create_user(
                UserPoolId=pool, Username=email, MessageAction="SUPPRESS", UserAttributes=attrs
            )["User"]
            group = args["groups"][i % len(args["groups"])]
            idp.admin_add_user_to_group(UserPoolId=pool, Username=user["Username"], GroupName=group)
        except Exception:
            failed += 1
    return {"wall_s": time.monotonic() - started, "failed": failed}

def passes():
    # Full ListUsers passes: one chain, and 16 chains split by sub, timed separately.
    def chain(flt):
        kw = {"UserPoolId": pool, "Limit": 60}
        if flt:
            kw["Filter"] = flt
        users = pages = 0
        while True:
            page = idp.list_users(**kw)
            users += len(page["Users"]); pages += 1
            if not page.get("PaginationToken"):
                return users, pages
            kw["PaginationToken"] = page["PaginationToken"]
    idp.list_users(UserPoolId=pool, Limit=1)
    out = {}
    started = time.monotonic()
    users, pages = chain(None)
    out["one"] = {"wall_s": time.monotonic() - started, "users": users, "pages": pages}
    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=16) as ex:
        parts = list(ex.map(chain, [f'sub ^= "{h}"' for h in "0123456789abcdef"]))
    out["split"] = {"wall_s": time.monotonic() - started, "users": sum(p[0] for p in parts),
                    "pages": sum(p[1] for p in parts)}
    return out

print(json.dumps({"refresh": refresh, "loop": loop, "passes": passes}[args["what"]]()))
"""


def helper(what: str, env: dict[str, str], **args: Any) -> dict[str, Any]:
    payload = json.dumps({"what": what, "root": str(ROOT), **args})
    result = run([sys.executable, "-c", HELPERS, payload], env)
    if result["rc"] != 0:
        raise SystemExit(f"{what} failed:\n{result['stderr'][-3000:]}")
    return json.loads(result["stdout"])


# ---------------------------------------------------------------------------------------------------------
# rows


def pages(n: int) -> int:
    return math.ceil(n / 60)


def plan_floor_s(n: int) -> float:
    per_group = [len(range(i, n, len(GROUPS))) for i in range(len(GROUPS))]
    return (pages(n) + sum(pages(k) for k in per_group)) / USER_LIST


def startup_row(sb: Sandbox, work: Path, runs: int) -> dict[str, Any]:
    say("start-up: trains-and-cars on a sandbox without latency ...")
    sb.reset()
    sb.configure(latency_ms=0, quotas=True)
    env = sb.env()
    spec = str(ROOT / "specs" / "trains-and-cars")
    gtops(["apply", "--sandbox", "--auto-approve", spec], env)
    first = gtops(["plan", "--sandbox", "--stats", spec], env)
    assert "No changes" in first["stdout"], first["stdout"][-2000:]
    plan = repeat(runs, lambda: gtops(["plan", "--sandbox", spec], env))
    # The same plan on a machine gtops has never run on: no parsed AWS models, no remembered check passes.
    cold = repeat(runs, lambda: gtops(["plan", "--sandbox", spec], _cold(env, work)))
    helps = repeat(runs, lambda: gtops(["--help"], env))
    boto = repeat(runs, lambda: run([sys.executable, "-c", "import boto3"], env))
    python = repeat(runs, lambda: run([sys.executable, "-c", "pass"], env))
    return {
        "plan": _strip(plan),
        "plan_cold": _strip(cold),
        "calls": calls_of(first["stderr"]),
        "help": _strip(helps),
        "import_boto3": _strip(boto),
        "python": _strip(python),
        "help_vs_boto3": round(helps["median_s"] / boto["median_s"], 2),
        "goal_plan_s": 0.6,
        "goal_help_vs_boto3": 0.5,
    }


def _cold(env: dict[str, str], work: Path) -> dict[str, str]:
    fresh = Path(tempfile.mkdtemp(prefix="cold-cache-", dir=work))
    return dict(env, XDG_CACHE_HOME=str(fresh))


def validate_row(sb: Sandbox, work: Path, runs: int) -> dict[str, Any]:
    out = {}
    env = sb.env()
    for n in (1_000, 50_000):
        say(f"validate: a {n}-row roster ...")
        spec = bench_spec(work / f"validate-{n}", n)
        out[str(n)] = _strip(repeat(runs, lambda spec=spec: gtops(["validate", str(spec)], env)))
    out["goal_s"], out["goal_mib"] = 1.0, 100
    return out


def plan_row(sb: Sandbox, spec: Path, n: int, runs: int) -> dict[str, Any]:
    env = sb.env()
    say(f"plan: N={n}, no changes, {runs} runs ...")
    first = gtops(["plan", "--sandbox", "--stats", str(spec)], env)
    assert "No changes" in first["stdout"], first["stdout"][-2000:]
    result = repeat(runs, lambda: gtops(["plan", "--sandbox", str(spec)], env))
    floor = plan_floor_s(n)
    sample = min(n, REFRESH_SAMPLE)
    say(f"plan: N={n}, per-worker refresh on {sample} workers ...")
    base = helper(
        "refresh", env, url=sb.url, pool=sb.pool_id("BenchPool"), emails=[email_of(i) for i in range(sample)]
    )
    base_wall = base["wall_s"] * n / sample
    goal = 1.15 * floor + 0.5
    return {
        "workers": n,
        "gtops": _strip(result),
        "calls": calls_of(first["stderr"]),
        "floor_s": round(floor, 2),
        "floor_calls": round(floor * USER_LIST),
        "goal_s": round(goal, 2),
        "share_of_floor": round(result["median_s"] / floor, 2),
        "baseline_s": round(base_wall, 1),
        "baseline_calls": 2 * n,
        "baseline_scaled": sample < n,
        "baseline_vs_gtops": round(base_wall / result["median_s"], 1),
    }


def apply_row(sb: Sandbox, work: Path, n: int) -> tuple[dict[str, Any], Path]:
    env = sb.env()
    sb.reset()
    sb.configure(latency_ms=LATENCY_MS, quotas=True)
    empty = bench_spec(work / f"stack-{n}", 0)
    gtops(["apply", "--sandbox", "--auto-approve", str(empty)], env)  # the pool and groups, no workers
    spec = bench_spec(work / f"roster-{n}", n)
    say(f"apply: N={n} new workers (floor {n / USER_UPDATE:.0f} s) ...")
    result = gtops(["apply", "--sandbox", "--auto-approve", "--stats", str(spec)], env)
    throttled = sb.stats().get("throttled", 0)
    floor = n / USER_UPDATE
    row = {
        "workers": n,
        "gtops_s": round(result["wall_s"], 2),
        "rss_mib": round(result["rss_mib"], 1),
        "calls": calls_of(result["stderr"]),
        "floor_s": floor,
        "share_of_quota_rate": round(floor / result["wall_s"], 3),
        "throttled_by_sandbox": throttled,
    }
    return row, spec


def loop_row(sb: Sandbox, n_list: list[int]) -> dict[str, Any]:
    env = sb.env()
    idp = sb.client("cognito-idp")
    pool = idp.create_user_pool(
        PoolName="LoopPool", UsernameAttributes=["email"], UsernameConfiguration={"CaseSensitive": False}
    )["UserPool"]["Id"]
    for g in GROUPS:
        idp.create_group(UserPoolId=pool, GroupName=g)
    say(f"sequential boto3 loop on {LOOP_SAMPLE} workers ...")
    emails = [f"loop{i:06d}@example.com" for i in range(LOOP_SAMPLE)]
    got = helper("loop", env, url=sb.url, pool=pool, emails=emails, groups=list(GROUPS))
    per_worker = got["wall_s"] / LOOP_SAMPLE
    return {
        "sample": LOOP_SAMPLE,
        "per_worker_s": round(per_worker, 4),
        "failed": got["failed"],
        "by_n": {str(n): round(per_worker * n, 1) for n in n_list},
        "floor_by_n": {str(n): n * 2 * LATENCY_MS / 1000 for n in n_list},
    }


def emulator_row(sb: Sandbox, sizes: tuple[int, ...] = (10_000, 50_000)) -> dict[str, Any]:
    env = sb.env()
    sb.reset()
    sb.configure(latency_ms=0, quotas=False)
    idp = sb.client("cognito-idp")
    out: dict[str, Any] = {}
    for n in sizes:
        pool = idp.create_user_pool(PoolName=f"Pass{n}", UsernameAttributes=["email"])["UserPool"]["Id"]
        for g in GROUPS:
            idp.create_group(UserPoolId=pool, GroupName=g)
        say(f"emulator: filling a pool with {n} users ...")
        sb.fill(pool, n)
        say(f"emulator: ListUsers passes over {n} users ...")
        got = helper("passes", env, url=sb.url, pool=pool)
        assert got["one"]["users"] == n and got["split"]["users"] == n, got
        out[str(n)] = {
            "one_chain_s": round(got["one"]["wall_s"], 2),
            "pages": got["one"]["pages"],
            "split_s": round(got["split"]["wall_s"], 2),
            "split_pages": got["split"]["pages"],
            "pages_per_s_split": round(got["split"]["pages"] / got["split"]["wall_s"], 1),
        }
    a, b = out[str(sizes[0])], out[str(sizes[-1])]
    out["ratio"] = round(b["one_chain_s"] / a["one_chain_s"], 2)
    out["goal_ratio"] = sizes[-1] / sizes[0] * 1.2
    return out


def _strip(result: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in result.items() if k != "last"}


# ---------------------------------------------------------------------------------------------------------
# the table


def table(report: dict[str, Any]) -> str:
    rows = report["rows"]
    lines = ["| | gtops | floor / baseline | ratio | goal |", "|---|---:|---:|---:|---|"]
    if "startup" in rows:
        s = rows["startup"]
        lines.append(
            f"| no-change plan, trains-and-cars, whole process ({s['calls']} calls, no latency) "
            f"| {s['plan']['median_s']:.2f} s | python alone {s['python']['median_s']:.2f} s "
            f"| | <= {s['goal_plan_s']} s |"
        )
        if "plan_cold" in s:
            lines.append(
                f"| the same, first run on a machine (no cached AWS models, no remembered check passes) "
                f"| {s['plan_cold']['median_s']:.2f} s | | | |"
            )
        lines.append(
            f"| `gtops --help` vs `python -c 'import boto3'` | {s['help']['median_s']:.2f} s "
            f"| {s['import_boto3']['median_s']:.2f} s | {s['help_vs_boto3']:.2f}x | <= 0.5x |"
        )
    if "validate" in rows:
        v = rows["validate"]
        for n in ("1000", "50000"):
            r = v[n]
            lines.append(
                f"| validate, {int(n):,}-row CSV roster | {r['median_s']:.2f} s, {r['rss_mib']:.0f} MiB | | "
                f"| {'<= 1 s, <= 100 MiB' if n == '50000' else ''} |"
            )
    for r in rows.get("plan", []):
        n = r["workers"]
        base = f"{r['baseline_s']:.1f} s" + ("*" if r["baseline_scaled"] else "")
        lines.append(
            f"| plan, {n:,} workers in 10 groups ({r['calls']} calls), {r['gtops']['rss_mib']:.0f} MiB "
            f"| {r['gtops']['median_s']:.2f} s | floor {r['floor_s']:.2f} s; per-worker refresh {base} "
            f"| {r['share_of_floor']:.2f}x floor; refresh {r['baseline_vs_gtops']}x slower "
            f"| <= {r['goal_s']:.2f} s (1.15x floor + 0.5 s) |"
        )
    loop = rows.get("loop")
    for r in rows.get("apply", []):
        n = r["workers"]
        seq = f"; sequential loop {loop['by_n'][str(n)]:.0f} s*" if loop and str(n) in loop["by_n"] else ""
        lines.append(
            f"| apply, {n:,} new workers, whole process ({r['calls']} calls) | {r['gtops_s']:.1f} s "
            f"| floor {r['floor_s']:.0f} s{seq} | {100 * r['share_of_quota_rate']:.1f}% of the quota rate "
            f"| >= 95% |"
        )
    if "emulator" in rows:
        e = rows["emulator"]
        sizes = [k for k in e if k.isdigit()]
        a, b = e[sizes[0]], e[sizes[-1]]
        lines.append(
            f"| sandbox: full ListUsers pass, {int(sizes[0]):,} / {int(sizes[-1]):,} users, no latency "
            f"| {a['one_chain_s']:.2f} s / {b['one_chain_s']:.2f} s | | {e['ratio']}x | <= 6x |"
        )
        lines.append(
            f"| sandbox: pages/s served to 16 chains, {int(sizes[0]):,} / {int(sizes[-1]):,} users "
            f"| {a['pages_per_s_split']:.0f} / {b['pages_per_s_split']:.0f} | quota 30/s | | > 30/s |"
        )
    if loop:
        lines.append(
            f"\n\\* measured on {loop['sample']} workers (the sequential loop) or {REFRESH_SAMPLE} "
            "(the refresh) and scaled to N: their cost per worker is flat."
        )
    return "\n".join(lines)


def load_average() -> str:
    try:
        return " ".join(f"{x:.1f}" for x in os.getloadavg())
    except OSError:
        return "?"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--big", action="store_true", help="also N = 50,000 (about 40 minutes more)")
    parser.add_argument("--rows", default=",".join(ROWS), help=f"comma-separated among {', '.join(ROWS)}")
    parser.add_argument("--runs", type=int, default=3, help="runs per median for plans (start-up: 3x this)")
    parser.add_argument("--sizes", default="", help="override N (comma-separated), for quick checks")
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "results" / "perf.json")
    args = parser.parse_args(argv)
    wanted = [r for r in args.rows.split(",") if r]
    unknown = set(wanted) - set(ROWS)
    if unknown:
        parser.error(f"unknown rows: {', '.join(sorted(unknown))}")
    sizes = [int(s) for s in args.sizes.split(",") if s] or ([1_000, 10_000] + ([50_000] if args.big else []))

    sys.path.insert(0, str(ROOT))
    os.environ.update(CREDENTIALS)
    # gtops's byte code compiled first, as installing it does (PYTHONDONTWRITEBYTECODE would otherwise make
    # every measured process compile what changed since the last run)
    import compileall

    compileall.compile_dir(str(ROOT / "gtops"), quiet=1)
    began = time.monotonic()
    loads = [load_average()]
    rows: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="gtops-bench-") as tmp:
        work = Path(tmp)
        sb = Sandbox(work / "state")
        try:
            if "startup" in wanted:
                rows["startup"] = startup_row(sb, work, 3 * args.runs)
            if "validate" in wanted:
                rows["validate"] = validate_row(sb, work, args.runs)
            loads.append(load_average())
            if "plan" in wanted or "apply" in wanted:
                rows["plan"], rows["apply"] = [], []
                for n in sizes:
                    if "apply" in wanted:
                        row, spec = apply_row(sb, work, n)
                        rows["apply"].append(row)
                    else:  # the roster filled directly, then planned
                        sb.reset()
                        sb.configure(latency_ms=LATENCY_MS, quotas=True)
                        gtops(
                            ["apply", "--sandbox", "--auto-approve", str(bench_spec(work / f"stack-{n}", 0))],
                            sb.env(),
                        )
                        sb.fill(sb.pool_id("BenchPool"), n)
                        spec = bench_spec(work / f"roster-{n}", n)
                    if "plan" in wanted:
                        rows["plan"].append(plan_row(sb, spec, n, args.runs))
                    loads.append(load_average())
                if "apply" in wanted:
                    sb.configure(latency_ms=LATENCY_MS, quotas=True)
                    rows["loop"] = loop_row(sb, sizes)
            if "emulator" in wanted:
                rows["emulator"] = emulator_row(sb)
            loads.append(load_average())
        finally:
            sb.stop()
    report = {
        "benchmark": "perf",
        "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "python": platform.python_version(),
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs",
        "load_average_1_5_15": loads,
        "sandbox": {"latency_ms": LATENCY_MS, "quotas": True, "loopback": True},
        "total_s": round(time.monotonic() - began, 1),
        "rows": rows,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n")
    print(table(report))
    print(
        f"\n{report['machine']}, Python {report['python']}; load average during the run: {', '.join(loads)}"
    )
    print(f"{report['total_s']} s in all; JSON written to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
