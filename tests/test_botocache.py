"""The process-wide botocore loader and its disk cache of parsed service models (gtops.botocache)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from gtops import botocache
from gtops.aws import Aws
from gtops.cachedir import private_cache
from gtops.settings import Settings


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.setattr(botocache, "_shared", None)
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.setenv(name, "testing")
    return tmp_path / "gtops" / "botocore"


def test_handles_share_the_models_but_never_their_region_endpoint_or_credentials(cache: Path):
    west = Aws(Settings(), "us-west-2", endpoint_url="http://127.0.0.1:1")
    east = Aws(Settings(sandbox=True), "eu-west-1", endpoint_url="http://127.0.0.1:2")
    a, b = west._build("sns", attempts=1, pool_size=1), east._build("sns", attempts=1, pool_size=1)
    loader = west.session.get_component("data_loader")
    assert loader is east.session.get_component("data_loader")
    assert (a.meta.region_name, b.meta.region_name) == ("us-west-2", "eu-west-1")
    assert (a.meta.endpoint_url, b.meta.endpoint_url) == ("http://127.0.0.1:1", "http://127.0.0.1:2")
    assert west.session.get_credentials() is not east.session.get_credentials()
    assert loader.file_loader.folder == cache  # models parsed once, kept for the next process


def test_a_cached_model_reads_back_equal_and_a_corrupt_one_is_parsed_again(cache: Path):
    loader = botocache.CachedJSONFileLoader(private_cache("botocore"))
    data = os.path.join(os.path.dirname(botocache.botocore.__file__), "data")
    path = os.path.join(data, "sts", "2011-06-15", "service-2")
    first = loader.load_file(path)
    cached = list(cache.glob("*.marshal"))
    assert len(cached) == 1
    assert loader.load_file(path) == first  # from the cache this time
    cached[0].write_bytes(b"\x00not marshal")
    assert loader.load_file(path) == first


def test_a_cache_folder_others_can_write_to_is_never_used(cache: Path):
    cache.mkdir(parents=True)
    assert private_cache("botocore") == cache
    cache.chmod(0o777)
    assert private_cache("botocore") is None
