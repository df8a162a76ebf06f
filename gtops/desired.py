"""The typed spec -> desired resources, in the spec's own vocabulary (each kind builds its own).

Only fields the spec declares appear in `attrs` (absent = unmanaged); the planner compares just those.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from gtops.model import Resource

if TYPE_CHECKING:
    from gtops.setup import Setup


def build(setup: Setup) -> list[Resource]:
    from gtops.kinds import REGISTRY

    return [res for kind in REGISTRY if kind.desired is not None for res in kind.desired(setup)]
