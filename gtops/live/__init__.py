"""Live state: what the kinds' readers found in AWS, in the spec's vocabulary, and the ids a run learns.

Each kind reads its own resources (gtops/kinds/<kind>.py `read`), in dependency order, so a reader may use
what an earlier one learned (the pool's id, its described configuration). Nothing here calls AWS itself.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING, Any

from gtops.model import Address, Resource

if TYPE_CHECKING:
    from collections.abc import Callable

    from gtops.kinds.base import AwsHandle, Kind
    from gtops.members.roster import LiveWorker
    from gtops.setup import Setup


@dataclass
class LiveIds:
    """Ids and values AWS assigned, learned by reading and by apply steps (which fill in what they create)."""

    account: str = ""
    pool_id: str | None = None
    pool_arn: str | None = None
    pool_raw: dict[str, Any] | None = None  # the described pool: read-modify-write base for UpdateUserPool
    client_id: str | None = None
    client_raw: dict[str, Any] | None = None  # the described client, without its secret
    domain: str | None = None
    workforce_name: str | None = None
    workforce_arn: str | None = None
    subdomain: str | None = None  # the worker portal's host
    topic_arn: str | None = None
    team_arns: dict[str, str] = field(default_factory=dict)
    # Left by the roster planner (gtops.members.plan) for the apply and for drift:
    worker_usernames: dict[str, str] = field(default_factory=dict)  # lower-cased e-mail -> Cognito Username
    worker_subscriptions: dict[str, str] = field(default_factory=dict)  # e-mail -> subscription ARN
    unmanaged_workers: list[LiveWorker] = field(default_factory=list)
    # Left by the roster writer (gtops.members.settle): groups read back right after their last write, group
    # -> usernames, which the check after apply uses instead of reading them again.
    settled_groups: dict[str, list[str]] = field(default_factory=dict)
    settled_users: list[LiveWorker] | None = None  # and the pool's users, listed once no write changes them
    # Left by the jobs planner (gtops.jobs.plan): lower-cased job name -> its prepared request and files.
    job_prepared: dict[str, Any] = field(default_factory=dict)


@dataclass
class LiveState:
    resources: dict[Address, Resource] = field(default_factory=dict)
    ids: LiveIds = field(default_factory=LiveIds)

    def add(self, resource: Resource) -> None:
        self.resources[resource.address] = resource

    def get(self, address: Address) -> Resource | None:
        return self.resources.get(address)

    def of_kind(self, kind: str) -> list[Resource]:
        """The live resources of one kind, in the order they were read."""
        return [res for res in self.resources.values() if res.kind == kind]

    def lookup(self, address: Address, attr: str) -> Any:
        """Resolve a Ref target: e.g. (sagemaker_workforce.default, subdomain)."""
        res = self.resources.get(address)
        if res is None:
            return None
        return res.meta.get(attr, res.attrs.get(attr))

    def fingerprints(self) -> dict[str, str]:
        out = {}
        for address, res in sorted(self.resources.items()):
            body = json.dumps(res.attrs, sort_keys=True, default=str)
            out[str(address)] = hashlib.sha256(body.encode()).hexdigest()[:16]
        return out


def read_live(aws: AwsHandle, setup: Setup) -> LiveState:
    """Every kind's live resources for this setup (bulk kinds are read by their own planners).

    Kinds that build on nothing another kind reads (the topic; the pool with what hangs off it, the workforce
    and its teams, which name the pool and client) read at the same time, each chain in its own thread:
    against AWS most of a read is waiting for answers. Each chain fills a state of its own (sharing the ids,
    of which each sets its own); they are merged in the kinds' order, so a plan reads the same however the
    threads ran."""
    from gtops.kinds import REGISTRY

    state = LiveState()
    state.ids.account = aws.account
    chains = _chains([kind for kind in REGISTRY if kind.read is not None])
    found = [LiveState(ids=state.ids) for _ in chains]
    run_all(
        [partial(_read_chain, aws, setup, chain, into) for chain, into in zip(chains, found, strict=True)]
    )
    for kind in REGISTRY:
        for part in found:
            for address, res in part.resources.items():
                if res.kind == kind.name:
                    state.resources.setdefault(address, res)
    for part in found:  # anything a reader filed under another kind's name
        for address, res in part.resources.items():
            state.resources.setdefault(address, res)
    return state


def _chains(kinds: list[Kind]) -> list[list[Kind]]:
    """The readers grouped by `reads_after` (each group in registry order): groups share nothing."""
    group_of: dict[str, int] = {}
    chains: list[list[Kind]] = []
    for kind in kinds:
        parents = {group_of[name] for name in kind.reads_after if name in group_of}
        if not parents:
            group_of[kind.name] = len(chains)
            chains.append([kind])
            continue
        target = min(parents)
        for other in sorted(parents - {target}, reverse=True):  # a kind after two chains joins them
            for moved in chains[other]:
                group_of[moved.name] = target
            chains[target].extend(chains[other])
            chains[other] = []
        group_of[kind.name] = target
        chains[target].append(kind)
    order = {kind.name: i for i, kind in enumerate(kinds)}
    return [sorted(chain, key=lambda k: order[k.name]) for chain in chains if chain]


def _read_chain(aws: AwsHandle, setup: Setup, chain: list[Kind], into: LiveState) -> None:
    for kind in chain:
        assert kind.read is not None
        kind.read(aws, setup, into)


def run_all(tasks: list[Callable[[], Any]], limit: int = 32) -> list[Any]:
    """Run `tasks` at the same time (the first in this thread, at most `limit` at once); their results in
    order. Every task finishes before the first failure, in task order, is raised: no thread is left writing
    behind an error."""
    if len(tasks) <= 1:
        return [task() for task in tasks]
    import contextvars
    from concurrent.futures import ThreadPoolExecutor

    threads = max(1, min(limit, len(tasks)) - 1)
    with ThreadPoolExecutor(max_workers=threads, thread_name_prefix="gtops-read") as pool:
        # each task sees the caller's context variables (e.g. the check after apply's workers to read)
        futures = [pool.submit(contextvars.copy_context().run, task) for task in tasks[1:]]
        outcomes: list[tuple[bool, Any]] = []
        try:
            outcomes.append((True, tasks[0]()))
        except BaseException as err:  # noqa: BLE001 - re-raised below, after the other tasks
            outcomes.append((False, err))
        for future in futures:
            try:
                outcomes.append((True, future.result()))
            except BaseException as err:  # noqa: BLE001
                outcomes.append((False, err))
    for ok, value in outcomes:
        if not ok:
            raise value
    return [value for _, value in outcomes]
