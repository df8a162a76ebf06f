"""gtops: declarative plan/apply for SageMaker Ground Truth private labeling.

The Python API (gtops.api), for notebooks and scripts:

    import gtops
    setup = gtops.load("specs/birds", sandbox=True)
    plan = setup.plan()
    setup.apply(plan)

Its names are imported on first use, so `import gtops` (and the `gtops` command) stays light.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

if TYPE_CHECKING:
    from gtops.api import (
        ApplyResult,
        Change,
        Drift,
        FieldDiff,
        Plan,
        Preview,
        Results,
        Setup,
        Status,
        load,
        load_plan_file,
        results,
        status,
    )
    from gtops.errors import GtopsError

__all__ = [
    "ApplyResult",
    "Change",
    "Drift",
    "FieldDiff",
    "GtopsError",
    "Plan",
    "Preview",
    "Results",
    "Setup",
    "Status",
    "__version__",
    "load",
    "load_plan_file",
    "results",
    "status",
]
_API = frozenset(__all__) - {"GtopsError", "__version__"}


def __getattr__(name: str) -> Any:
    if name in _API:
        from gtops import api

        return getattr(api, name)
    if name == "GtopsError":
        from gtops.errors import GtopsError

        return GtopsError
    raise AttributeError(f"module 'gtops' has no attribute {name!r}")
