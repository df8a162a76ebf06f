"""Reading live state in independent chains at once (gtops.live.read_live): same state whatever the timing,
readers after what they build on, and a failure raised only once every chain has stopped."""

from __future__ import annotations

import threading
import time
from types import SimpleNamespace
from typing import Any

import pytest

from gtops import live
from gtops.kinds import REGISTRY, Kind
from gtops.model import Address, Resource


def test_readers_that_build_on_others_share_their_chain() -> None:
    chains = live._chains([kind for kind in REGISTRY if kind.read is not None])
    by_kind = {kind.name: i for i, chain in enumerate(chains) for kind in chain}
    # the pool's id, the described client and the pool's and client's names are what these readers need
    pool_chain = by_kind["cognito_user_pool"]
    for name in (
        "cognito_user_group",
        "cognito_user_pool_client",
        "cognito_client_oauth",
        "sagemaker_workforce",
    ):
        assert by_kind[name] == pool_chain, name
    assert by_kind["sagemaker_workteam"] == by_kind["sagemaker_workforce"]
    assert len(chains) >= 2  # the topic reads on its own
    readers = [kind.name for kind in REGISTRY if kind.read is not None]
    for kind in REGISTRY:  # a reader names only readers before it (the registry is in dependency order)
        for name in kind.reads_after:
            assert name in readers[: readers.index(kind.name)], (kind.name, name)
    for chain in chains:  # each chain keeps the registry's order
        order = [REGISTRY.index(kind) for kind in chain]
        assert order == sorted(order)


def _kind(name: str, delay: float, after: tuple[str, ...] = (), seen: list[str] | None = None) -> Kind:
    def read(aws: Any, setup: Any, state: live.LiveState) -> None:
        for parent in after:
            assert any(r.kind == parent for r in state.resources.values()), f"{name} read before {parent}"
        time.sleep(delay)
        if seen is not None:
            seen.append(threading.current_thread().name)
        state.add(Resource(Address(name, "x"), {"v": name}))

    return Kind(name, read=read, reads_after=after)


def test_the_merged_state_is_in_registry_order_whatever_finishes_first(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    seen: list[str] = []
    kinds = [
        _kind("slow_root", 0.2, seen=seen),
        _kind("fast_root", 0.0, seen=seen),
        _kind("child", 0.0, ("slow_root",), seen=seen),
    ]
    monkeypatch.setattr("gtops.kinds.REGISTRY", kinds)
    state = live.read_live(SimpleNamespace(account="1"), SimpleNamespace())  # type: ignore[arg-type]
    assert [a.kind for a in state.resources] == ["slow_root", "fast_root", "child"]
    assert len(set(seen)) == 2  # two chains, two threads


def test_a_failing_chain_is_raised_after_the_others_finished(monkeypatch: pytest.MonkeyPatch) -> None:
    finished: list[str] = []

    def boom(aws: Any, setup: Any, state: Any) -> None:
        raise RuntimeError("AccessDenied on ListUserPools")

    def slow(aws: Any, setup: Any, state: Any) -> None:
        time.sleep(0.2)
        finished.append("slow")

    monkeypatch.setattr("gtops.kinds.REGISTRY", [Kind("a", read=boom), Kind("b", read=slow)])
    with pytest.raises(RuntimeError, match="AccessDenied"):
        live.read_live(SimpleNamespace(account="1"), SimpleNamespace())  # type: ignore[arg-type]
    assert finished == ["slow"]


def test_every_task_sees_the_callers_context_variables() -> None:
    import contextvars

    marker: contextvars.ContextVar[str] = contextvars.ContextVar("marker", default="unset")
    token = marker.set("the check after apply")
    try:
        assert live.run_all([marker.get, marker.get, marker.get]) == ["the check after apply"] * 3
    finally:
        marker.reset(token)
