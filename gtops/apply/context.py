"""What steps share while applying: clients, the spec, and ids that earlier steps produced."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from gtops.model import Address, resolve_refs


@dataclass
class ApplyContext:
    aws: Any
    data: dict
    live: Any  # LiveState; its `ids` gain what steps create (pool_id, client_id, subdomain...)
    log: Any = None  # callable(str) for progress lines
    done: list[str] = field(default_factory=list)

    @property
    def ids(self) -> dict[str, Any]:
        return self.live.ids

    def lookup(self, address: Address, attr: str) -> Any:
        if attr == "subdomain" and self.ids.get("subdomain"):
            return self.ids["subdomain"]
        return self.live.lookup(address, attr)

    def resolve(self, value: Any) -> Any:
        return resolve_refs(value, self.lookup)

    def say(self, message: str) -> None:
        if self.log:
            self.log(message)
