"""Run gtops as it runs where the sandbox extra is not installed: `python -m tests.without_sandbox ARGS...`
runs `gtops ARGS...` (or `-m MODULE ARGS...` runs a module) in a Python that cannot import the modules named
in GTOPS_TEST_BLOCKED (comma-separated top-level names: what only `gtops[sandbox]` brings, worked out by
tests/test_sandbox_extra.py from the installed metadata). Every blocked import that was attempted, even
one whose ImportError the importer caught, is written one per line to GTOPS_TEST_ATTEMPTS."""

from __future__ import annotations

import atexit
import importlib.abc
import os
import runpy
import sys
from typing import Any

BLOCKED = frozenset(name for name in os.environ["GTOPS_TEST_BLOCKED"].split(",") if name)
ATTEMPTS: set[str] = set()


class _Blocker(importlib.abc.MetaPathFinder):
    """First on sys.meta_path: a blocked module is not found, as where it was never installed."""

    def find_spec(self, name: str, path: Any = None, target: Any = None) -> None:
        top = name.partition(".")[0]
        if top in BLOCKED:
            ATTEMPTS.add(top)
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None


def _record() -> None:
    with open(os.environ["GTOPS_TEST_ATTEMPTS"], "w") as out:
        out.write("".join(f"{name}\n" for name in sorted(ATTEMPTS)))


# A .pth file may import one of them at interpreter start (certifi, to add a CA): forget it, as a Python
# without it would never have had it. Nothing of gtops has been imported yet.
for loaded in [name for name in sys.modules if name.partition(".")[0] in BLOCKED]:
    del sys.modules[loaded]
sys.meta_path.insert(0, _Blocker())
atexit.register(_record)

if sys.argv[1:2] == ["-m"]:
    sys.argv = [sys.argv[2], *sys.argv[3:]]
    runpy.run_module(sys.argv[0], run_name="__main__", alter_sys=True)
else:
    from gtops.cli import main

    main(sys.argv[1:])
