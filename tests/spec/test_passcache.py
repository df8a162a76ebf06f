"""Remembered passes (gtops.passcache): a check that passed is skipped next time, a failure never is, and any
change to the text, the engine or the cache folder's ownership means checking again."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from gtops import passcache
from gtops.errors import SpecError
from gtops.jobs import templates
from gtops.spec.loader import load_spec

GOOD = "<crowd-form><crowd-classifier name='c' categories='{{ task.input.labels | to_json }}'/></crowd-form>"
BROKEN = "<crowd-form>{% if x %}</crowd-form>"


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    return tmp_path / "cache" / "gtops" / "passes"


def _engine_forbidden(monkeypatch: pytest.MonkeyPatch) -> None:
    def render(*_: object) -> list[str]:
        raise AssertionError("the template was rendered again")

    monkeypatch.setattr(templates, "_render_errors", render)


def test_a_passing_template_is_not_rendered_again(cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert templates.template_errors(GOOD, "t.html") == []
    assert len(list(cache.iterdir())) == 1
    _engine_forbidden(monkeypatch)
    assert templates.template_errors(GOOD, "t.html") == []


def test_a_failing_template_is_reported_every_time(cache: Path) -> None:
    first = templates.template_errors(BROKEN, "t.html")
    assert first and first[0].startswith("t.html:1:")
    assert templates.template_errors(BROKEN, "t.html") == first
    assert not cache.exists() or list(cache.iterdir()) == []


def test_an_edit_or_another_engine_checks_again(cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert templates.template_errors(GOOD, "t.html") == []
    # the same passing text, broken by an edit: a new text, a new check
    assert templates.template_errors(GOOD.replace("</crowd-form>", "{% for %}</crowd-form>"), "t.html")
    # the same text with the engine upgraded (its file changed): not the remembered pass
    stamp = passcache._stamp
    monkeypatch.setattr(passcache, "_stamp", lambda module: stamp(module) + "-upgraded")
    calls: list[str] = []
    render = templates._render_errors
    monkeypatch.setattr(templates, "_render_errors", lambda *a: calls.append("rendered") or render(*a))
    assert templates.template_errors(GOOD, "t.html") == []
    assert calls == ["rendered"]


def test_a_cache_folder_others_may_write_is_never_used(cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cache.mkdir(parents=True)
    os.chmod(cache, 0o777)
    name = passcache.key("template", repr((GOOD, None)).encode(), ("liquid", templates.__name__))
    (cache / name).touch()  # a "pass" planted by someone else
    calls: list[str] = []
    render = templates._render_errors
    monkeypatch.setattr(templates, "_render_errors", lambda *a: calls.append("rendered") or render(*a))
    assert templates.template_errors(GOOD, "t.html") == []
    assert calls == ["rendered"]


def test_a_spec_that_failed_its_schema_fails_again_and_a_fixed_one_is_remembered(
    cache: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    spec = tmp_path / "setup" / "gtops.yaml"
    spec.parent.mkdir()
    spec.write_text("name: s\npool: {name: p, mfa: sometimes}\n")
    for _ in range(2):
        with pytest.raises(SpecError) as bad:
            load_spec([spec])
        assert "mfa" in str(bad.value) and ":2:" in str(bad.value)
    spec.write_text("name: s\npool: {name: p, mfa: off}\n")
    load_spec([spec])
    import gtops.spec.validate as validate

    monkeypatch.setattr(validate, "_validator", lambda: pytest.fail("the schema was checked again"))
    load_spec([spec])


def test_the_folder_stays_bounded_keeping_what_was_used_last(
    cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(passcache, "TIDY_ABOVE", 20)
    monkeypatch.setattr(passcache, "KEEP", 10)
    cache.mkdir(parents=True, mode=0o700)
    for i in range(30):
        marker = cache / f"{i:040x}"
        marker.touch()
        os.utime(marker, ns=(i * 10**9, i * 10**9))
    assert passcache.passed(f"{3:040x}")  # used just now: among the newest
    passcache.remember("0000" + "a" * 36)  # a name that tidies
    left = sorted(p.name for p in cache.iterdir())
    assert len(left) == 10
    assert f"{3:040x}" in left and "0000" + "a" * 36 in left and f"{29:040x}" in left
    assert f"{0:040x}" not in left
