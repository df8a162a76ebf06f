"""Faults survived: throttles, 500s and dropped connections on every mutating call of a real apply.

The real `gtops` command runs against a sandbox server, so a "drop" is a socket the server really closes. It
runs in this process under a gtops process's environment (tests/inprocess.py; the process boundary is
tests/e2e's and test_crash's subject), with retries that keep their attempts but not their backoff
(tests/no_backoff.py).
Transient faults (1-2 per call) must be absorbed by retries and leave AWS exactly as a clean apply does;
a persistent fault must stop the apply with a report, and the next run must converge.
"""

from __future__ import annotations

import pytest
from figures import record
from rel_helpers import STACK, TRAINS, boto, control, gtops_served, live_dump, sandbox_env, stats

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("faults")]  # one clean_dumps per run

STACK_MUTATIONS = [
    "CreateTopic",
    "SetTopicAttributes",
    "CreateUserPool",
    "CreateGroup",
    "CreateUserPoolClient",
    "CreateUserPoolDomain",
    "CreateWorkforce",
    "CreateWorkteam",
    "UpdateUserPoolClient",
    "UpdateUserPool",
]
# trains-and-cars adds tags, workers and a labeling job. (The sandbox cannot target S3 calls yet.)
TRAINS_MUTATIONS = [
    *STACK_MUTATIONS,
    "TagResource",
    "AdminCreateUser",
    "AdminAddUserToGroup",
    "CreateLabelingJob",
]


def _prepare(url: str, spec) -> None:
    if spec == TRAINS:
        from tests.sandbox.conftest import EXAMPLE_ROLE, ensure_role

        boto("s3", url).create_bucket(Bucket="gtops-demo-data")
        ensure_role(boto("iam", url), *EXAMPLE_ROLE)


def _converged(env, spec) -> None:
    again = gtops_served(env, "plan", str(spec), "--detailed-exitcode")
    assert again.code == 0, again.text


@pytest.fixture(scope="module")
def clean_dumps(sandbox_url, tmp_path_factory):
    """What a clean apply of each spec leaves in AWS."""
    env = sandbox_env(sandbox_url, tmp_path_factory.mktemp("clean"))
    out = {}
    for spec in (TRAINS,):
        control(sandbox_url, "reset")
        control(sandbox_url, "config", {"latency_ms": 0, "fault_rate": 0, "targets": []})
        _prepare(sandbox_url, spec)
        run = gtops_served(env, "apply", str(spec), "--auto-approve")
        assert run.code == 0, run.text
        out[spec] = live_dump(sandbox_url)
    return out


@pytest.mark.parametrize(
    ("spec", "kind"),
    # trains-and-cars makes every mutating call the workforce stack makes, and more.
    [(TRAINS, "throttle"), (TRAINS, "error"), (TRAINS, "drop")],
    ids=["trains-and-cars-throttle", "trains-and-cars-error", "trains-and-cars-drop"],
)
def test_transient_faults_on_every_mutation_are_absorbed(server, clean_dumps, tmp_path, spec, kind):
    mutations = STACK_MUTATIONS if spec == STACK else TRAINS_MUTATIONS
    count = 1  # each retry waits on botocore's backoff (up to 2^attempt s): one fault per call keeps it fast
    targets = [{"operation": op, "nth": 1, "kind": kind, "count": count} for op in mutations]
    _prepare(server, spec)
    control(server, "config", {"targets": targets})
    env = sandbox_env(server, tmp_path)
    run = gtops_served(env, "apply", str(spec), "--auto-approve")
    injected = stats(server)["faults"]
    control(server, "config", {"targets": []})

    assert run.code == 0, run.text
    assert "Traceback" not in run.err
    assert injected == len(targets) * count  # every targeted call was really made, and really faulted
    assert live_dump(server) == clean_dumps[spec]
    _converged(env, spec)
    record(
        f"transient-{kind}-{'stack' if spec == STACK else 'trains'}",
        scenario=f"{kind} x{count} on each of {len(mutations)} mutating calls "
        f"({'workforce stack' if spec == STACK else 'trains-and-cars: stack, 5 workers, 1 job'})",
        faults=injected,
        runs=1,
        converged="1 of 1 runs",
        lost=0,
        duplicated=0,
    )


def test_persistent_fault_stops_with_a_report_and_the_rerun_converges(server, clean_dumps, tmp_path):
    """Exhausting the retries takes botocore's full backoff (~15-30 s; not waited out here, see
    tests/no_backoff.py), so one representative case here; tests/e2e covers a persistent 500 on each core
    mutation."""
    operation, kind = "CreateLabelingJob", "throttle"
    failed = "labeling_job.image-labeling-job20: ThrottlingException"
    _prepare(server, TRAINS)
    control(server, "config", {"targets": [{"operation": operation, "nth": 1, "kind": kind, "count": 1000}]})
    env = sandbox_env(server, tmp_path)
    first = gtops_served(env, "apply", str(TRAINS), "--auto-approve")
    injected = stats(server)["faults"]
    control(server, "config", {"targets": []})

    assert first.code == 1, first.text
    assert "Traceback" not in first.err
    assert "Apply stopped." in first.out
    assert f"  failed:  {failed}" in first.out
    assert "Nothing was rolled back; run `gtops apply` again to finish once the cause is fixed." in first.out
    assert "  done:    " in first.out  # what was done is reported, not only what failed

    second = gtops_served(env, "apply", str(TRAINS), "--auto-approve")
    assert second.code == 0, second.text
    assert live_dump(server) == clean_dumps[TRAINS]
    _converged(env, TRAINS)
    record(
        f"persistent-{operation}",
        scenario=f"persistent {kind} on every {operation} call (trains-and-cars)",
        faults=injected,
        runs=2,
        converged="run 2",
        lost=0,
        duplicated=0,
    )


@pytest.mark.slow
def test_random_faults_over_300_workers_converge_in_two_runs(server, tmp_path):
    """20% of all calls fault (throttle, 500, drop), reads included; no worker is lost or duplicated."""
    roster = tmp_path / "spec"
    roster.mkdir()
    (roster / "setup.yaml").write_text(
        (STACK / "setup.yaml").read_text() + "members:\n  invitation: email\n  csv: workers.csv\n"
    )
    emails = [f"worker{i:03d}@example.com" for i in range(300)]
    (roster / "workers.csv").write_text(
        "email,groups,given_name\n" + "".join(f"{e},Label-group,W{i}\n" for i, e in enumerate(emails))
    )
    control(server, "config", {"fault_rate": 0.2, "seed": 20, "fault_kinds": ["throttle", "error", "drop"]})
    env = sandbox_env(server, tmp_path)
    runs = 0
    for _ in range(2):
        runs += 1
        run = gtops_served(env, "apply", str(roster), "--auto-approve")
        assert "Traceback" not in run.err
        if run.code == 0:
            break
    injected = stats(server)["faults"]
    control(server, "config", {"fault_rate": 0})
    assert run.code == 0, run.text

    idp = boto("cognito-idp", server)
    pool_id = idp.list_user_pools(MaxResults=60)["UserPools"][0]["Id"]
    seen: list[str] = []
    token = None
    while True:
        page = idp.list_users(UserPoolId=pool_id, Limit=60, **({"PaginationToken": token} if token else {}))
        seen += [next(a["Value"] for a in u["Attributes"] if a["Name"] == "email") for u in page["Users"]]
        token = page.get("PaginationToken")
        if not token:
            break
    in_group: list[str] = []
    token = None
    while True:
        kwargs = {"UserPoolId": pool_id, "GroupName": "Label-group", "Limit": 60}
        page = idp.list_users_in_group(**kwargs, **({"NextToken": token} if token else {}))
        in_group += [u["Username"] for u in page["Users"]]
        token = page.get("NextToken")
        if not token:
            break
    lost = set(emails) - set(seen)
    duplicated = len(seen) - len(set(seen))
    assert lost == set() and duplicated == 0
    assert len(seen) == 300 and len(set(in_group)) == 300
    assert injected > 200  # the faults really were frequent
    _converged(env, roster)
    record(
        "random-300",
        scenario="20% random faults (throttle/500/drop) on every call, 300-worker roster",
        faults=injected,
        runs=runs,
        converged=f"run {runs}",
        lost=len(lost),
        duplicated=duplicated,
    )
