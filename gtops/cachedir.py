"""gtops's cache folder ($XDG_CACHE_HOME/gtops, else ~/.cache/gtops): what a later run may reuse, never
anything it needs. A folder someone else owns or can write to is never used."""

from __future__ import annotations

import os
from pathlib import Path


def private_cache(name: str) -> Path | None:
    """The cache subfolder `name`, made if need be (mode 0700); None when it cannot be made or is not ours
    alone."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    folder = Path(base) / "gtops" / name
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        st = folder.stat()
    except (OSError, RuntimeError):  # (RuntimeError: no home folder)
        return None
    return folder if st.st_uid == os.getuid() and not st.st_mode & 0o022 else None
