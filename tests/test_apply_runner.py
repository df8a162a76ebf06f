"""The apply runner's order, skip and blocking rules, with fake steps: plain functions, no AWS at all."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

import gtops.apply.runner as runner
from gtops.apply.context import ApplyContext
from gtops.apply.runner import ApplyReport, _dependents, phases, run
from gtops.errors import GtopsError
from gtops.model import Address, Resource
from gtops.plan import Action, Change, Plan

TOPIC = Address("sns_topic", "notify")
POOL = Address("cognito_user_pool", "pool")
GROUP = Address("cognito_user_group", "g1")
CLIENT = Address("cognito_user_pool_client", "c1")
DOMAIN = Address("cognito_user_pool_domain", "d1")
WORKFORCE = Address("sagemaker_workforce", "default")
TEAM = Address("sagemaker_workteam", "t1")
OAUTH = Address("cognito_client_oauth", "c1")
ANA = Address("cognito_user", "ana@example.com")
BOB = Address("cognito_user", "bob@example.com")
JOB = Address("labeling_job", "job1")

# A small setup's dependency graph, as the desired state gives it.
DEPENDS = {
    TOPIC: (),
    POOL: (),
    GROUP: (POOL,),
    CLIENT: (POOL,),
    DOMAIN: (POOL,),
    WORKFORCE: (POOL, CLIENT),
    TEAM: (WORKFORCE, GROUP, TOPIC),
    OAUTH: (CLIENT, TEAM),
    ANA: (POOL, GROUP),
    BOB: (POOL, GROUP),
    JOB: (TEAM,),
}


def desired(*addresses: Address) -> list[Resource]:
    return [Resource(a, {}, DEPENDS[a]) for a in addresses]


def plan(*changes: tuple[Address, Action]) -> Plan:
    return Plan([Change(address, action) for address, action in changes])


class Steps:
    """Fake steps: every (kind, phase) succeeds and is recorded, except those told to fail."""

    def __init__(self, fail: dict[tuple[Address, str], Exception] | None = None, missing=()):
        self.fail = fail or {}
        self.missing = set(missing)
        self.calls: list[tuple[str, str]] = []

    def step_for(self, kind: str, phase: str) -> Callable[[Any, Change], None] | None:
        if (kind, phase) in self.missing:
            return None

        def step(ctx: ApplyContext, change: Change) -> None:
            self.calls.append((str(change.address), phase))
            err = self.fail.get((change.address, phase))
            if err is not None:
                raise err

        return step


@pytest.fixture
def steps(monkeypatch: pytest.MonkeyPatch) -> Steps:
    fake = Steps()
    monkeypatch.setattr(runner.kinds, "step", lambda kind, phase: fake.step_for(kind, phase))
    return fake


@pytest.fixture
def members(monkeypatch: pytest.MonkeyPatch) -> list[list[Change]]:
    """The members batch, faked: every worker change is done; the batches it was given are recorded."""
    from gtops.members import apply as members_apply

    batches: list[list[Change]] = []

    def apply_members(ctx, changes):
        batches.append(list(changes))
        result = members_apply.MembersResult()
        result.done = [(c.address, members_apply.PHASE[c.action]) for c in changes]
        return result

    monkeypatch.setattr(members_apply, "apply_members", apply_members)
    return batches


def context(log: list[str] | None = None) -> ApplyContext:
    from gtops.setup import Setup

    return ApplyContext(aws=None, setup=Setup(name="s"), live=None, log=None if log is None else log.append)  # type: ignore[arg-type]


class Refused(Exception):
    """Looks like a botocore ClientError: it has an AWS error response."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.response = {"Error": {"Code": code, "Message": message}}


# --- phases: the order steps run in ----------------------------------------------------------------------


def test_phases_delete_in_reverse_dependency_order_then_the_rest_forward():
    p = plan(
        (TEAM, Action.DELETE),
        (GROUP, Action.DELETE),
        (POOL, Action.UPDATE),
        (WORKFORCE, Action.CREATE),
        (TOPIC, Action.CREATE),
        (CLIENT, Action.NOOP),
    )
    assert [(phase, str(c.address)) for phase, c in phases(p)] == [
        ("delete", str(TEAM)),
        ("create", str(TOPIC)),
        ("update", str(POOL)),
        ("create", str(WORKFORCE)),
        ("delete", str(GROUP)),  # a group's delete waits for the updates (a team may still list it)
    ]


def test_phases_keep_a_group_delete_before_its_pool_delete_when_the_pool_goes_too():
    p = plan((POOL, Action.DELETE), (GROUP, Action.DELETE), (TEAM, Action.UPDATE))
    assert [(phase, str(c.address)) for phase, c in phases(p)] == [
        ("delete", str(GROUP)),
        ("delete", str(POOL)),
        ("update", str(TEAM)),
    ]


def test_phases_split_a_replacement_into_its_delete_and_its_create():
    p = plan((CLIENT, Action.REPLACE), (GROUP, Action.DELETE), (TEAM, Action.UPDATE))
    assert [(phase, str(c.address)) for phase, c in phases(p)] == [
        ("delete", str(CLIENT)),
        ("create", str(CLIENT)),
        ("update", str(TEAM)),
        ("delete", str(GROUP)),
    ]


def test_phases_order_deletes_of_one_kind_by_name():
    a, b = Address("cognito_user_group", "a"), Address("cognito_user_group", "b")
    p = plan((b, Action.DELETE), (TEAM, Action.DELETE), (a, Action.DELETE))
    assert [str(c.address) for _, c in phases(p)] == [str(TEAM), str(a), str(b)]


def test_an_empty_or_all_noop_plan_has_no_phases():
    assert phases(plan()) == []
    assert phases(plan((POOL, Action.NOOP))) == []


# --- _dependents ---------------------------------------------------------------------------------------


def test_dependents_are_transitive_and_include_the_start():
    by_address = {r.address: r for r in desired(*DEPENDS)}
    assert _dependents({CLIENT}, by_address) == {CLIENT, WORKFORCE, TEAM, OAUTH, JOB}
    assert _dependents({TOPIC}, by_address) == {TOPIC, TEAM, OAUTH, JOB}
    assert _dependents({JOB}, by_address) == {JOB}
    assert _dependents(set(), by_address) == set()


def test_dependents_of_a_pool_are_everything_built_on_it():
    by_address = {r.address: r for r in desired(*DEPENDS)}
    assert _dependents({POOL}, by_address) == set(DEPENDS) - {TOPIC}


# --- run: everything succeeds --------------------------------------------------------------------------


def test_all_steps_run_in_phase_order_and_are_counted(steps):
    p = plan((TEAM, Action.DELETE), (POOL, Action.CREATE), (GROUP, Action.UPDATE), (CLIENT, Action.REPLACE))
    log: list[str] = []
    report = run(p, context(log), desired(POOL, GROUP, CLIENT))
    assert steps.calls == [
        (str(TEAM), "delete"),
        (str(CLIENT), "delete"),
        (str(POOL), "create"),
        (str(GROUP), "update"),
        (str(CLIENT), "create"),
    ]
    assert report.ok
    assert report.counts == {"added": 2, "changed": 1, "destroyed": 2}
    assert report.done == [
        f"{TEAM} (delete)",
        f"{CLIENT} (delete)",
        f"{POOL} (create)",
        f"{GROUP} (update)",
        f"{CLIENT} (create)",
    ]
    assert log[:2] == [f"{TEAM}: Destroying...", f"{TEAM}: Destruction complete"]
    assert f"{POOL}: Creating..." in log and f"{GROUP}: Modifications complete" in log
    assert report.summary() == "Apply complete! Resources: 2 added, 1 changed, 2 destroyed."


def test_noops_run_nothing(steps):
    report = run(plan((POOL, Action.NOOP)), context(), desired(POOL))
    assert steps.calls == [] and report.ok and report.done == []


# --- run: a failed create or update ---------------------------------------------------------------------


def test_a_failed_step_skips_its_dependants_and_nothing_else(steps):
    steps.fail[(CLIENT, "create")] = Refused("InvalidParameterException", "bad callback")
    p = plan(*((a, Action.CREATE) for a in (TOPIC, POOL, GROUP, CLIENT, DOMAIN, WORKFORCE, TEAM, OAUTH, JOB)))
    log: list[str] = []
    report = run(p, context(log), desired(TOPIC, POOL, GROUP, CLIENT, DOMAIN, WORKFORCE, TEAM, OAUTH, JOB))
    assert report.failed == [(str(CLIENT), "InvalidParameterException: bad callback")]
    assert report.skipped == [
        (str(WORKFORCE), f"depends on {CLIENT}, which did not complete"),
        (str(TEAM), f"depends on {WORKFORCE}, which did not complete"),
        (str(OAUTH), f"depends on {CLIENT}, which did not complete"),
        (str(JOB), f"depends on {TEAM}, which did not complete"),
    ]
    # Independent resources, and the ones before the failure, still ran.
    assert [a for a, _ in steps.calls] == [str(a) for a in (TOPIC, POOL, GROUP, CLIENT, DOMAIN)]
    assert report.counts == {"added": 4, "changed": 0, "destroyed": 0}
    assert f"{CLIENT}: failed: InvalidParameterException: bad callback" in log
    assert not report.ok


def test_a_failed_update_blocks_dependants_being_created(steps):
    steps.fail[(TOPIC, "update")] = GtopsError("the topic policy cannot be read")
    p = plan((TOPIC, Action.UPDATE), (TEAM, Action.CREATE), (GROUP, Action.CREATE))
    report = run(p, context(), desired(TOPIC, POOL, GROUP, WORKFORCE, TEAM))
    assert report.failed == [(str(TOPIC), "the topic policy cannot be read")]
    assert report.skipped == [(str(TEAM), f"depends on {TOPIC}, which did not complete")]
    assert report.done == [f"{GROUP} (create)"]


def test_a_dependant_of_a_skipped_resource_is_skipped_too(steps):
    """Skips chain: the team is skipped because the workforce was, which was skipped for the client."""
    steps.fail[(CLIENT, "update")] = Refused("LimitExceededException", "too many")
    p = plan((CLIENT, Action.UPDATE), (WORKFORCE, Action.UPDATE), (TEAM, Action.UPDATE), (JOB, Action.CREATE))
    report = run(p, context(), desired(POOL, GROUP, TOPIC, CLIENT, WORKFORCE, TEAM, JOB))
    assert [a for a, _ in report.skipped] == [str(WORKFORCE), str(TEAM), str(JOB)]
    assert steps.calls == [(str(CLIENT), "update")]


def test_an_unexpected_exception_is_reported_with_its_type_not_raised(steps):
    steps.fail[(POOL, "create")] = KeyError("UserPool")
    report = run(plan((POOL, Action.CREATE), (GROUP, Action.CREATE)), context(), desired(POOL, GROUP))
    assert report.failed == [(str(POOL), "KeyError: 'UserPool'")]
    assert report.skipped == [(str(GROUP), f"depends on {POOL}, which did not complete")]


def test_a_change_gtops_has_no_step_for_is_skipped_and_blocks_its_dependants(steps):
    steps.missing.add(("sagemaker_workforce", "update"))
    p = plan((WORKFORCE, Action.UPDATE), (TEAM, Action.CREATE), (TOPIC, Action.CREATE))
    report = run(p, context(), desired(TOPIC, POOL, GROUP, CLIENT, WORKFORCE, TEAM))
    assert report.skipped == [
        (str(WORKFORCE), "gtops cannot update a sagemaker_workforce"),
        (str(TEAM), f"depends on {WORKFORCE}, which did not complete"),
    ]
    assert report.failed == []
    assert not report.ok  # a skip alone is not a complete apply
    assert steps.calls == [(str(TOPIC), "create")]


def test_the_create_half_of_a_replacement_is_skipped_when_its_delete_failed(steps):
    steps.fail[(CLIENT, "delete")] = Refused("ResourceInUseException", "in use")
    p = plan((CLIENT, Action.REPLACE), (OAUTH, Action.UPDATE))
    report = run(p, context(), desired(POOL, CLIENT, WORKFORCE, TEAM, OAUTH))
    assert report.failed == [(str(CLIENT), "ResourceInUseException: in use")]
    assert report.skipped == [
        (str(CLIENT), f"depends on {CLIENT}, which did not complete"),
        (str(OAUTH), f"depends on {CLIENT}, which did not complete"),
    ]
    assert steps.calls == [(str(CLIENT), "delete")]


# --- run: failed deletes block deletes of what they stand on ---------------------------------------------


def test_a_failed_delete_blocks_deleting_what_it_depends_on(steps):
    steps.fail[(TEAM, "delete")] = Refused("ResourceInUse", "a labeling job uses the team")
    p = plan((TEAM, Action.DELETE), (WORKFORCE, Action.DELETE), (POOL, Action.DELETE))
    report = run(p, context(), [])
    assert report.failed == [(str(TEAM), "ResourceInUse: a labeling job uses the team")]
    assert report.skipped[0] == (str(WORKFORCE), f"{TEAM} could not be deleted first")
    # The skip blocks in turn (the reason names one of the two deletes that did not happen).
    assert report.skipped[1] in [(str(POOL), f"{b} could not be deleted first") for b in (TEAM, WORKFORCE)]
    assert len(report.skipped) == 2
    assert steps.calls == [(str(TEAM), "delete")]
    assert report.counts["destroyed"] == 0


def test_a_failed_delete_blocks_earlier_kinds_even_without_a_dependency(steps):
    """Deletes run latest kind first; once one fails, no earlier-kind delete runs (rank, not graph)."""
    steps.fail[(WORKFORCE, "delete")] = Refused("ValidationException", "workforce has teams")
    p = plan((WORKFORCE, Action.DELETE), (TOPIC, Action.DELETE))
    report = run(p, context(), [])  # deleted resources are not in the desired state: no graph at all
    assert report.skipped == [(str(TOPIC), f"{WORKFORCE} could not be deleted first")]
    assert steps.calls == [(str(WORKFORCE), "delete")]


def test_a_failed_delete_does_not_block_deletes_of_the_same_or_later_kind(steps):
    other = Address("sagemaker_workteam", "t2")
    steps.fail[(TEAM, "delete")] = Refused("ResourceInUse", "in use")
    p = plan((TEAM, Action.DELETE), (other, Action.DELETE), (JOB, Action.DELETE))
    report = run(p, context(), [])
    assert steps.calls == [(str(JOB), "delete"), (str(TEAM), "delete"), (str(other), "delete")]
    assert report.skipped == []
    assert report.done == [f"{JOB} (delete)", f"{other} (delete)"]


def test_a_failed_delete_blocks_a_same_kind_resource_that_it_depends_on(steps, monkeypatch):
    """Depending on something of the same kind (no rank order between them) still blocks its delete."""
    a, b = Address("cognito_user_group", "a"), Address("cognito_user_group", "b")
    monkeypatch.setitem(DEPENDS, a, (b,))
    monkeypatch.setitem(DEPENDS, b, ())
    steps.fail[(a, "delete")] = Refused("InvalidParameterException", "no")
    report = run(plan((a, Action.DELETE), (b, Action.DELETE)), context(), desired(a, b))
    assert report.skipped == [(str(b), f"{a} could not be deleted first")]


def test_forward_changes_still_run_after_a_failed_delete_they_do_not_depend_on(steps):
    steps.fail[(TEAM, "delete")] = Refused("ResourceInUse", "in use")
    p = plan((TEAM, Action.DELETE), (TOPIC, Action.CREATE), (GROUP, Action.UPDATE))
    report = run(p, context(), desired(TOPIC, POOL, GROUP))
    assert report.done == [f"{TOPIC} (create)", f"{GROUP} (update)"]
    assert report.counts == {"added": 1, "changed": 1, "destroyed": 0}


# --- run: the members batch ----------------------------------------------------------------------------


def test_worker_changes_run_as_one_batch_after_every_other_step(steps, members):
    p = plan((ANA, Action.CREATE), (BOB, Action.DELETE), (GROUP, Action.CREATE), (JOB, Action.CREATE))
    report = run(p, context(), desired(POOL, GROUP, TOPIC, CLIENT, WORKFORCE, TEAM, ANA, JOB))
    assert [a for a, _ in steps.calls] == [str(GROUP), str(JOB)]  # no per-worker steps
    assert [[str(c.address) for c in batch] for batch in members] == [[str(BOB), str(ANA)]]  # plan order
    assert report.done == [f"{GROUP} (create)", f"{JOB} (create)", f"{BOB} (delete)", f"{ANA} (create)"]
    assert report.counts == {"added": 3, "changed": 0, "destroyed": 1}
    assert report.ok


@pytest.mark.parametrize("broken", [POOL, GROUP], ids=["pool", "group"])
def test_the_members_batch_is_skipped_when_the_pool_or_a_group_failed(steps, members, broken):
    steps.fail[(broken, "create")] = Refused("InternalErrorException", "try again")
    p = plan((POOL, Action.CREATE), (GROUP, Action.CREATE), (ANA, Action.CREATE), (BOB, Action.UPDATE))
    report = run(p, context(), desired(POOL, GROUP, ANA, BOB))
    assert members == []  # never called
    # The first of what the workers need that did not complete is named.
    assert (str(ANA), f"{broken} did not complete") in report.skipped
    assert (str(BOB), f"{broken} did not complete") in report.skipped


def test_the_members_batch_is_skipped_when_the_pool_was_skipped(steps, members):
    steps.missing.add(("cognito_user_pool", "update"))
    p = plan((POOL, Action.UPDATE), (ANA, Action.CREATE))
    report = run(p, context(), desired(POOL, GROUP, ANA))
    assert members == []
    assert report.skipped == [
        (str(POOL), "gtops cannot update a cognito_user_pool"),
        (str(ANA), f"{POOL} did not complete"),
    ]


def test_the_members_batch_runs_when_only_unrelated_steps_failed(steps, members):
    steps.fail[(TEAM, "create")] = Refused("ResourceLimitExceeded", "too many teams")
    p = plan((TEAM, Action.CREATE), (ANA, Action.CREATE))
    report = run(p, context(), desired(POOL, GROUP, TOPIC, CLIENT, WORKFORCE, TEAM, ANA))
    assert len(members) == 1
    assert f"{ANA} (create)" in report.done
    assert report.failed == [(str(TEAM), "ResourceLimitExceeded: too many teams")]


def test_failed_workers_are_reported_with_the_rest(steps, monkeypatch):
    from gtops.members import apply as members_apply

    def apply_members(ctx, changes):
        result = members_apply.MembersResult()
        result.failed = [(str(ANA), "AdminCreateUser failed: UsernameExistsException")]
        return result

    monkeypatch.setattr(members_apply, "apply_members", apply_members)
    report = run(plan((ANA, Action.CREATE)), context(), desired(POOL, GROUP, ANA))
    assert report.failed == [(str(ANA), "AdminCreateUser failed: UsernameExistsException")]
    assert report.counts["added"] == 0


# --- the report --------------------------------------------------------------------------------------------


def test_a_stopped_report_says_what_was_done_failed_and_skipped():
    report = ApplyReport(
        done=[f"{POOL} (create)"],
        failed=[(str(CLIENT), "InvalidParameterException: bad callback")],
        skipped=[(str(TEAM), f"depends on {CLIENT}, which did not complete")],
        counts={"added": 1, "changed": 0, "destroyed": 0},
    )
    assert report.summary().splitlines() == [
        "Apply stopped. Resources: 1 added, 0 changed, 0 destroyed.",
        f"  done:    {POOL} (create)",
        f"  failed:  {CLIENT}: InvalidParameterException: bad callback",
        f"  skipped: {TEAM}: depends on {CLIENT}, which did not complete",
        "Nothing was rolled back; run `gtops apply` again to finish once the cause is fixed.",
    ]


def test_a_job_delete_is_reported_as_a_stop(steps):
    log: list[str] = []
    report = run(plan((JOB, Action.DELETE)), context(log), desired(JOB))
    assert log == [f"{JOB}: Stopping...", f"{JOB}: Stop complete"]
    assert report.counts["destroyed"] == 0 and report.stopped == 1
    assert report.summary() == "Apply complete! Resources: 0 added, 0 changed, 0 destroyed, 1 stopped."
