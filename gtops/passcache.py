"""Remembered passes of the slow, pure checks (a UI template through Liquid, the spec through its schema).

Those engines cost more to import (about 0.1 s and 0.05 s) than to run, and a spec that passed them once
passes them again until the checked text, the engine or gtops's checking code changes. So a pass is kept as
an empty marker file in gtops's private cache folder, named by a hash of all of those; the next run that
finds the marker skips the import. Only passes are kept: a failing check runs every time and words its
problems afresh, and a missing, unreadable or foreign cache folder means checking as if nothing was kept.
"""

from __future__ import annotations

import hashlib
import os
from importlib.util import find_spec

from gtops import __version__
from gtops.cachedir import private_cache

_FOLDER = "passes"
KEEP = 1_000  # markers kept when the folder is tidied (the most recently used)
TIDY_ABOVE = 2_000


def _stamp(module: str) -> str:
    """Which version of a module is installed, without importing it: its file's path, size and mtime."""
    try:
        spec = find_spec(module)
        origin = spec.origin if spec else None
        st = os.stat(origin) if origin else None
    except (ImportError, ValueError, OSError):
        return f"{module}:?"
    return f"{origin}:{st.st_size}:{st.st_mtime_ns}" if st else f"{module}:?"


def key(check: str, text: bytes, engines: tuple[str, ...]) -> str:
    """The name of `check`'s pass on `text`: also changes with gtops, the engine modules and the checking
    modules (listed in `engines`), so an upgrade or an edited check never reuses an old verdict."""
    digest = hashlib.sha256(f"{check}\0{__version__}\0".encode())
    for module in engines:
        digest.update(_stamp(module).encode() + b"\0")
    digest.update(text)
    return digest.hexdigest()[:40]


def passed(name: str) -> bool:
    folder = private_cache(_FOLDER)
    if folder is None:
        return False
    try:
        os.utime(folder / name)  # (its time marks it recently used, for `_tidy`)
    except OSError:
        return False
    return True


def remember(name: str) -> None:
    folder = private_cache(_FOLDER)
    if folder is None:
        return
    try:
        (folder / name).touch()
        if int(name[:4], 16) % 64 == 0:  # now and then (by the name, which is random), keep it bounded
            _tidy(folder)
    except (OSError, ValueError):  # a cache is never needed: a full disk or a read-only home only costs time
        pass


def _tidy(folder: os.PathLike[str]) -> None:
    """At most TIDY_ABOVE markers: beyond that, keep the KEEP most recently used."""
    entries = list(os.scandir(folder))
    if len(entries) <= TIDY_ABOVE:
        return
    entries.sort(key=lambda e: e.stat().st_mtime_ns, reverse=True)
    for entry in entries[KEEP:]:
        try:
            os.unlink(entry.path)
        except OSError:
            pass
