"""What a resource kind is: everything gtops knows about one kind, declared in that kind's own module.

A kind module (gtops/kinds/<kind>.py) holds the kind's spec fragment (typed spec class, parse, JSON-Schema
fragment), how its desired resources are built, how live ones are read, which fields are create-only and what
a replacement does, its apply steps, how it is exported and which AWS operations it needs (for
`gtops iam-policy`). The registry (gtops/kinds/__init__.py) lists the kinds in dependency order; every table
the planner, applier, targeting, destroy and IAM code used to keep by kind is derived from it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from gtops.model import Address, Resource

if TYPE_CHECKING:
    from gtops.apply.context import ApplyContext
    from gtops.live import LiveState
    from gtops.plan import Change
    from gtops.preflight import Finding, Preflight
    from gtops.setup import Setup
    from gtops.spec import Spec

PLAN, APPLY, DESTROY = "plan", "apply", "destroy"


class AwsHandle(Protocol):
    """What gtops asks of its AWS connection (gtops.aws.Aws, or a test's stand-in)."""

    region: str
    endpoint_url: str | None

    def client(self, service: str, retry: bool = True) -> Any: ...

    def dedicated(self, service: str, threads: int) -> Any: ...

    @property
    def account(self) -> str: ...

    def partition(self) -> str: ...


Step = Callable[["ApplyContext", "Change"], None]


def deferred(module: str, name: str) -> Step:
    """A step whose code lives in a module imported only when the step runs (`module:name`), so that
    importing the registry stays light (jobs code loads only for plans that hold jobs)."""

    def step(ctx: ApplyContext, change: Change) -> None:
        import importlib

        getattr(importlib.import_module(module), name)(ctx, change)

    step.__qualname__ = step.__name__ = name
    return step


Desired = Callable[["Setup"], list[Resource]]
Reader = Callable[[AwsHandle, "Setup", "LiveState"], None]


@dataclass
class Export:
    """One `gtops export` run as the kinds' export hooks see it (gtops.gitops.export builds it).

    `setup` is what is exported: discovered from the region (the pool, the client its workforce or teams
    use, those teams, their topic, the region's private workforce) and named as the exported spec will be;
    `live` is what `read_live` found for it. A hook reads those (and, for a bulk kind, AWS through its own
    bulk readers) and returns its part of the spec; it may add notes for the exported file's header and
    files to write beside it.
    """

    aws: AwsHandle
    setup: Setup
    live: LiveState
    data: dict[str, Any] = field(default_factory=dict)  # the exported spec: the hooks' parts, merged
    notes: list[str] = field(default_factory=list)  # said in the exported file's header
    files: dict[str, str] = field(default_factory=dict)  # written beside the spec: relative path -> text
    csv_name: str | None = None  # where a long roster goes (with --out); None: written inline


# A kind's part of the exported spec, {spec key: value} (a mapping merges key by key into what an earlier
# kind wrote, so the invitation lands in `pool:`), or None when it has nothing to say.
Exporter = Callable[[Export], Mapping[str, Any] | None]


@dataclass(frozen=True)
class Use:
    """Operations one code path calls on one service, for `gtops iam-policy`.

    `scope` names which resources (a key of gtops.iam's scopes), `when` which spec feature needs the call (a
    key of gtops.iam's needs), `mode` whether plan (and so drift and apply), apply or destroy needs it.
    """

    where: str  # "module:function" in gtops (the tests check it exists)
    service: str  # botocore service name
    operations: tuple[str, ...]
    scope: str
    when: str = "always"
    mode: str = PLAN


@dataclass(frozen=True)
class Kind:
    name: str
    # The top-level spec key this kind owns, and its JSON-Schema fragment (None: no key of its own, e.g. the
    # invitation lives in `pool:`).
    spec_key: str | None = None
    schema: Callable[[], dict[str, Any]] | None = None
    # Fields AWS will not change in place: a change to one means delete and create (a replacement).
    create_only: frozenset[str] = frozenset()
    # Rebuilt when something it depends on is replaced (a group of a replaced pool, say).
    cascades: bool = False
    # Deleting or replacing it loses what cannot be restored: always needs --force.
    protected: bool = False
    # `prune.<key>` lets gtops delete a live one that left the spec (only one gtops owns).
    prune_key: str | None = None
    # Carries gtops's ownership tags (gtops:managed, gtops:setup).
    tagged: bool = False
    # Whether this setup owns a live resource (default: its ownership tags); only owned ones are pruned.
    owned: Callable[[Resource, Setup], bool] | None = None
    # What outside the spec still uses a live resource (names), which keeps it from being pruned.
    used_by: Callable[[Resource, LiveState, set[Address]], list[str]] | None = None
    # Deleted together with this parent (it has no delete of its own), e.g. "the app client".
    with_parent: str | None = None
    # Its delete stops it and keeps its record (a labeling job): plans and reports say "stop", not "destroy".
    stops: bool = False
    # Planned by its own module from bulk reads (workers, jobs), not one resource at a time.
    bulk: bool = False
    # Its resources are people (workers: e-mail, phone, names): Markdown and notebook views mask them.
    personal: bool = False
    # For --target of a bulk kind: the kinds it hangs off.
    implies: tuple[str, ...] = ()
    # At most one per parent (a pool's domain: "pool"): a live one the spec does not name goes when it names
    # another.
    one_per_parent: str | None = None
    # A plain delete of this kind waits until every update has run, unless this parent kind goes too.
    delete_after_updates_unless: str | None = None
    # `gtops destroy`: why deleting this live resource needs --force (beyond ownership), and why the destroy
    # keeps it (an existing topic the spec only borrows), or None.
    destroy_risks: Callable[[Resource, AwsHandle, LiveState], list[str]] | None = None
    destroy_keeps: Callable[[Setup], str | None] | None = None
    # Why an in-place update of this kind needs --force (before, after), or None.
    risky_update: Callable[[Mapping[str, Any], Mapping[str, Any]], str | None] | None = None
    # Warnings about the spec's use of this kind, shown with every plan.
    warnings: Callable[[Setup], list[str]] | None = None
    desired: Desired | None = None
    read: Reader | None = None
    # The kinds whose readers this one's builds on (the pool's id, the described client): it reads after
    # them, in their thread. Kinds with nothing in common read at the same time (gtops.live.read_live).
    reads_after: tuple[str, ...] = ()
    # `gtops export`: what `read` found (the kind's live resources, and the ids and described objects it
    # keeps in LiveIds), written back in the spec's vocabulary so that the exported spec plans to no changes:
    # no ids where the spec uses names, no gtops ownership tags, durations not seconds, the portal's URL as
    # {portal_url} and the default URLs left out. Every kind with a spec key has one.
    export: Exporter | None = None
    steps: Mapping[str, Step] = field(default_factory=dict)
    # Bulk kinds plan themselves from bulk reads: (aws, spec, live) -> (changes, warnings), or None when the
    # spec does not use the kind.
    plan: Callable[[AwsHandle, Spec, LiveState], tuple[list[Change], list[str]] | None] | None = None
    # Written in one concurrent batch after the other steps instead (workers): (ctx, changes) -> report.
    batch: Callable[[ApplyContext, list[Change]], Any] | None = None
    # Checks before apply (gtops.preflight): what AWS would refuse mid-apply in this kind's changes, found
    # with read calls once the plan is computed and before any write (a missing bucket, a limit crossed).
    # (run) -> findings; each is an error (the run stops) or a warning; every call it makes is a PLAN Use.
    preflight: Callable[[Preflight], list[Finding]] | None = None
    iam: tuple[Use, ...] = ()
