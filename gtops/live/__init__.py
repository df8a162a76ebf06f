"""Live state: what the kinds' readers found in AWS, in the spec's vocabulary, and the ids a run learns.

Each kind reads its own resources (gtops/kinds/<kind>.py `read`), in dependency order, so a reader may use
what an earlier one learned (the pool's id, its described configuration). Nothing here calls AWS itself.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from gtops.model import Address, Resource

if TYPE_CHECKING:
    from gtops.kinds.base import AwsHandle
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
    """Every kind's live resources for this setup (bulk kinds are read by their own planners)."""
    from gtops.kinds import REGISTRY

    state = LiveState()
    state.ids.account = aws.account
    for kind in REGISTRY:
        if kind.read is not None:
            kind.read(aws, setup, state)
    return state
