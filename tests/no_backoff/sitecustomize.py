"""Retries that do not wait, in a Python process the tests start (gtops, the AWS CLI).

Python imports `sitecustomize` at start-up from its path, so a test puts this folder first on PYTHONPATH
(tests/no_backoff.py) to make a child process skip retry backoff: every retry still happens, with the same
number of attempts, but without waiting out up to 20 s of jittered sleep. Nothing in gtops knows about it,
and nothing is imported early: each patch is applied when its module is first imported, so a process that
never imports botocore (`gtops validate`) stays as it was. tests/no_backoff.py applies the same PATCHES in
the test process.
"""

from __future__ import annotations

import importlib.abc
import sys
from typing import Any


def _no_delay(self: Any, context: Any) -> float:
    return 0.0


class NoWait:
    """A module's `time`, but `sleep()` returns at once."""

    def __init__(self, time: Any):
        self._time = time

    def __getattr__(self, name: str) -> Any:
        return getattr(self._time, name)

    @staticmethod
    def sleep(seconds: float) -> None:
        return None


# module -> (attribute path, replacement given the original)
PATCHES: dict[str, tuple[str, Any]] = {
    # botocore's standard retry mode: up to 20 s (1 s base for throttles) between attempts.
    "botocore.retries.standard": ("ExponentialBackoff.delay_amount", lambda original: _no_delay),
    # gtops's create-exactly-once retries (0.2 s doubling to 5 s) and workforce polling.
    "gtops.aws": ("time", NoWait),
    "gtops.kinds.sagemaker": ("time", NoWait),
    # gtops's members writer: jittered backoff from 0.2 s, capped at 10 s (its quota pacing is untouched).
    "gtops.members.apply": ("BACKOFF_BASE", lambda original: 0.0),
}


def target(module: Any, path: str) -> tuple[Any, str]:
    """(object, attribute name) that `path` names in `module`."""
    *parents, name = path.split(".")
    owner = module
    for parent in parents:
        owner = getattr(owner, parent)
    return owner, name


def patch(module: Any) -> None:
    path, replacement = PATCHES[module.__name__]
    owner, name = target(module, path)
    setattr(owner, name, replacement(getattr(owner, name)))


class _Patching(importlib.abc.MetaPathFinder):
    """Finds a patched module as the other finders do, then patches it once it has run."""

    def find_spec(self, name: str, path: Any, target: Any = None) -> Any:
        if name not in PATCHES:
            return None
        for finder in sys.meta_path:
            if finder is self or not hasattr(finder, "find_spec"):
                continue
            spec = finder.find_spec(name, path, target)
            if spec is not None:
                break
        else:
            return None
        if spec.loader is None or not hasattr(spec.loader, "exec_module"):
            return spec
        original = spec.loader

        class Loader(importlib.abc.Loader):
            def create_module(self, spec: Any) -> Any:
                return original.create_module(spec)

            def exec_module(self, module: Any) -> None:
                original.exec_module(module)
                patch(module)

        spec.loader = Loader()
        return spec


if __name__ == "sitecustomize":
    sys.meta_path.insert(0, _Patching())
