"""Read-only readers of live AWS, one module per service, returning the spec's resource model.

Readers find resources by natural keys (pool by name, group by name in that pool, client by name, the
region's workforce, team by name) and record the ids later steps need in `LiveState.ids`.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from gtops.model import Address, Resource


@dataclass
class LiveState:
    resources: dict[Address, Resource] = field(default_factory=dict)
    # Ids and values AWS assigned: pool_id, client_id, workforce_arn, subdomain, topic_arn, team_arns...
    ids: dict[str, Any] = field(default_factory=dict)

    def add(self, resource: Resource) -> None:
        self.resources[resource.address] = resource

    def get(self, address: Address) -> Resource | None:
        return self.resources.get(address)

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


def read_live(aws, data: dict, desired: list[Resource]) -> LiveState:
    from gtops.live import cognito, sagemaker, sns

    state = LiveState()
    state.ids["account"] = aws.account
    kinds = {r.kind for r in desired}
    if "sns_topic" in kinds:
        sns.read_topic(aws, data, state)
    if data.get("pool"):
        cognito.read_pool_stack(aws, data, state)
    # Teams are read for prune.groups too: a group a team outside the spec uses is never pruned.
    if data.get("workforce") or data.get("teams") or (data.get("prune") or {}).get("groups"):
        sagemaker.read_workforce_and_teams(aws, data, state)
    return state
