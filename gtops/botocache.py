"""One botocore data loader for every AWS handle of a process, reading service models from a disk cache.

Every client needs its service's model (service-2.json, the endpoint rules, ...): botocore parses those JSON
files again in every session, and the parse is most of what creating a client costs (SageMaker's model alone
is megabytes). Here the sessions of one process share one loader (models, endpoints and partitions only: no
region, credentials or endpoint URL lives in it), and a parsed file is kept in marshal form under
`$XDG_CACHE_HOME/gtops/botocore` (~/.cache/gtops/botocore), keyed by the file's path, size, mtime and the
botocore version, so the next process reads it several times faster. A folder gtops does not own alone is
never used; anything unreadable is parsed again from the JSON.
"""

from __future__ import annotations

import hashlib
import marshal
import os
import threading
from pathlib import Path
from typing import Any

import botocore
from botocore.loaders import JSONFileLoader, Loader

from gtops.cachedir import private_cache

_lock = threading.Lock()
_shared: Loader | None = None


def _plain(value: Any) -> Any:
    """botocore's OrderedDicts as dicts (same order), which marshal can store."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


class CachedJSONFileLoader(JSONFileLoader):
    """botocore's JSON file loader, with each parsed file kept in marshal form in `folder`."""

    def __init__(self, folder: Path | None) -> None:
        self.folder = folder

    def load_file(self, file_path: str) -> Any:
        if self.folder is None:
            return super().load_file(file_path)
        for ext in (".json", ".json.gz"):  # botocore's own order
            full = file_path + ext
            try:
                st = os.stat(full)
            except OSError:
                continue
            key = f"{botocore.__version__}\0{full}\0{st.st_size}\0{st.st_mtime_ns}"
            cached = self.folder / (hashlib.sha256(key.encode()).hexdigest()[:40] + ".marshal")
            try:
                data = marshal.loads(cached.read_bytes())
                if isinstance(data, dict):
                    return data
            except (OSError, ValueError, EOFError, TypeError):
                pass
            data = super().load_file(file_path)
            if isinstance(data, dict):
                self._store(cached, data)
            return data
        return None

    @staticmethod
    def _store(cached: Path, data: dict[str, Any]) -> None:
        tmp = cached.with_name(f"{cached.name}.{os.getpid()}.{threading.get_ident()}.tmp")
        try:
            tmp.write_bytes(marshal.dumps(_plain(data)))
            os.replace(tmp, cached)
        except (OSError, ValueError):
            tmp.unlink(missing_ok=True)


def share_loader(core: Any) -> None:
    """Give the botocore session `core` the process's shared, disk-cached loader (the first session's own
    loader, made caching). A session whose loader searches other folders (AWS_DATA_PATH changed since) keeps
    its own."""
    global _shared
    own: Loader = core.get_component("data_loader")
    with _lock:
        if _shared is None:
            own.file_loader = CachedJSONFileLoader(private_cache("botocore"))
            _shared = own
        elif own is not _shared and list(own.search_paths) == list(_shared.search_paths):
            core.register_component("data_loader", _shared)
        elif own is not _shared:
            own.file_loader = CachedJSONFileLoader(private_cache("botocore"))
