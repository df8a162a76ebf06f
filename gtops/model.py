"""The resource model shared by the spec (desired), the live readers and the planner.

A resource is an address plus a flat-ish mapping of the fields gtops manages, written in the spec's own
vocabulary (names, not ids), so desired and live compare directly. Values only AWS can tell us (ids, the
portal subdomain) are `Ref`s until they exist.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

OWNER_TAG = "gtops:managed"
SETUP_TAG = "gtops:setup"
GTOPS_TAG_PREFIX = "gtops:"


def user_tags(tags: dict[str, str] | None) -> dict[str, str]:
    """The tags people set, sorted: gtops's own (gtops:managed, gtops:setup, ...) left out."""
    return {k: v for k, v in sorted((tags or {}).items()) if not k.startswith(GTOPS_TAG_PREFIX)}


@dataclass(frozen=True, order=True)
class Address:
    kind: str
    name: str

    def __str__(self) -> str:
        return f"{self.kind}.{self.name}"

    @classmethod
    def parse(cls, text: str) -> Address:
        kind, _, name = text.partition(".")
        if not kind or not name:
            raise ValueError(f"not a resource address (want kind.name): {text!r}")
        return cls(kind, name)

    def sort_key(self) -> tuple[int, str]:
        """Dependency order of the kind (gtops.kinds), then the name."""
        from gtops.kinds import KIND_RANK

        return (KIND_RANK.get(self.kind, len(KIND_RANK)), self.name)


@dataclass(frozen=True)
class Ref:
    """A value known only after apply: `template` formatted with attribute `attr` of `address`."""

    address: Address
    attr: str
    template: str = "{}"

    def resolve(self, value: str) -> str:
        return self.template.format(value)

    def __str__(self) -> str:
        return "(known after apply)"


@dataclass
class Resource:
    address: Address
    attrs: dict[str, Any]
    depends_on: tuple[Address, ...] = ()
    # Not compared: ids and ARNs (live), source locations (desired), ownership.
    meta: dict[str, Any] = field(default_factory=dict)
    owned: bool = True

    @property
    def kind(self) -> str:
        return self.address.kind

    @property
    def name(self) -> str:
        return self.address.name


def has_refs(value: Any) -> bool:
    if isinstance(value, Ref):
        return True
    if isinstance(value, dict):
        return any(has_refs(v) for v in value.values())
    if isinstance(value, (list, tuple)):
        return any(has_refs(v) for v in value)
    return False


def resolve_refs(value: Any, lookup: Callable[[Address, str], Any]) -> Any:
    """Replace every Ref whose target `lookup(address, attr)` knows; leave the rest as Refs."""
    if isinstance(value, Ref):
        known = lookup(value.address, value.attr)
        return value if known is None else value.resolve(known)
    if isinstance(value, dict):
        return {k: resolve_refs(v, lookup) for k, v in value.items()}
    if isinstance(value, list):
        return [resolve_refs(v, lookup) for v in value]
    if isinstance(value, tuple):
        return tuple(resolve_refs(v, lookup) for v in value)
    return value


def plain(value: Any) -> Any:
    """JSON-safe copy: Refs become the string '(known after apply)'."""
    if isinstance(value, Ref):
        return str(value)
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    return value
