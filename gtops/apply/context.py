"""What steps share while applying: the AWS connection, the typed spec, and the ids earlier steps made."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from gtops.model import Address, resolve_refs

if TYPE_CHECKING:
    from gtops.kinds.base import AwsHandle
    from gtops.live import LiveIds, LiveState
    from gtops.setup import Setup


@dataclass
class ApplyContext:
    aws: AwsHandle
    setup: Setup
    live: LiveState  # its `ids` gain what steps create (pool_id, client_id, subdomain...)
    log: Callable[[str], None] | None = None  # progress lines

    @property
    def ids(self) -> LiveIds:
        return self.live.ids

    def lookup(self, address: Address, attr: str) -> Any:
        if attr == "subdomain" and self.ids.subdomain:
            return self.ids.subdomain
        return self.live.lookup(address, attr)

    def resolve(self, value: Any) -> Any:
        return resolve_refs(value, self.lookup)

    def say(self, message: str) -> None:
        if self.log:
            self.log(message)
