"""Worker UI templates: Liquid with Ground Truth's filters, checks at validate time, and offline previews."""

from __future__ import annotations

import base64
import json
import re

import pytest

from gtops.cli import main
from gtops.jobs.templates import check_template, render, template_errors
from tests.browser import chromium as find_chromium
from tests.browser import offline_page
from tests.jobs.conftest import BBOX_JOB, Workspace
from tests.wording import contains, pinned_all


def test_ground_truth_filters_behave_like_ground_truth():
    source = (
        '<img src="{{ task.input.taskObject | grant_read_access }}">'
        '<x labels="{{ task.input.labels | to_json | escape }}"></x>'
        "<p>{{ task.input.note }}</p><div>{{ task.input.note | skip_autoescape }}</div>"
        "<q>{{ task.input.amp | escape_once }}</q>"
    )
    page = render(
        source,
        {"taskObject": "s3://b/k.png", "labels": ["a", 'b"c'], "note": "<b>hi</b>", "amp": "&amp; &"},
        lambda uri: "https://signed.example/" + uri[5:],
    )
    assert '<img src="https://signed.example/b/k.png">' in page
    assert 'labels="[&#34;a&#34;, &#34;b\\&#34;c&#34;]"' in page  # escaped once, not twice
    assert "<p>&lt;b&gt;hi&lt;/b&gt;</p>" in page  # output is escaped by default
    assert "<div><b>hi</b></div>" in page
    assert "<q>&amp; &amp;</q>" in page


def test_check_template_reports_errors_with_lines(tmp_path):
    good = tmp_path / "good.html"
    good.write_text("<crowd-form>\n{{ task.input.taskObject | grant_read_access }}\n</crowd-form>\n")
    assert check_template(good) == []
    broken = tmp_path / "broken.html"
    broken.write_text("<crowd-form>\n{% if task.input.x %}\n<p>never closed</p>\n</crowd-form>\n")
    (problem,) = check_template(broken)
    assert contains(problem, f"{broken}:{{lib}}")  # {lib}: python-liquid's words (tests/wording.py)
    unknown = tmp_path / "unknown.html"
    unknown.write_text("<crowd-form>\n\n{{ task.input.taskObject | grant_access }}\n</crowd-form>\n")
    assert pinned_all([f"{unknown}:3: {{lib}}"], check_template(unknown)) == [f"{unknown}:3: {{lib}}"]
    no_form = template_errors("<p>{{ task.input.source }}</p>", "t.html")
    assert no_form == ["t.html:1: no <crowd-form> element: workers would have no way to submit an answer"]
    assert check_template(tmp_path / "missing.html")[0].endswith(
        "cannot read the template: No such file or directory"
    )


def test_an_unclosed_block_is_said_to_reach_the_end_of_the_template():
    """gtops's own rewording of python-liquid's "found end of expression" for an unclosed block."""
    from gtops.jobs.templates import _message

    class Unclosed(Exception):
        message = "expected tag endif, found end of expression"

    assert _message(Unclosed()) == "expected tag endif, found the end of the template"
    assert _message(ValueError("unexpected tag 'frobnicate'\n  -> line 3")) == "unexpected tag 'frobnicate'"


def test_builtin_templates_all_pass_the_check():
    from importlib import resources

    files = list(resources.files("gtops.jobs").joinpath("templates").iterdir())
    from gtops.jobs.tasks import TASKS

    assert len(files) == len([t for t in TASKS.values() if t.name != "custom"])
    for path in files:
        assert template_errors(path.read_text(), path.name) == []


def test_preview_renders_objects_and_labels_offline(workspace, capsys, tmp_path, monkeypatch):
    ws = workspace
    ws.write(BBOX_JOB)
    out = tmp_path / "p.html"
    with pytest.raises(SystemExit) as done:
        main(["preview", "boxes", str(ws.root), "--out", str(out), "--objects", "2"])
    assert done.value.code == 0
    page = out.read_text()
    sections = re.findall(r'<section class="gtops-task">', page)
    assert len(sections) == 2
    images = re.findall(r'src="data:image/png;base64,([^"]+)"', page)
    assert [base64.b64decode(i) for i in images] == [
        (ws.root / "images" / n).read_bytes() for n in ("img0.png", "img1.png")
    ]
    assert 'labels="[&#34;train&#34;, &#34;car&#34;]"' in page
    assert "gtopsFallback" in page  # readable without AWS's crowd elements
    # `-o -` writes the page to stdout; --open opens the written file in the browser.
    capsys.readouterr()
    with pytest.raises(SystemExit) as done:
        main(["preview", "boxes", str(ws.root), "-o", "-", "--objects", "2"])
    assert done.value.code == 0 and capsys.readouterr().out == page + ("" if page.endswith("\n") else "\n")
    opened: list[str] = []
    monkeypatch.setattr("webbrowser.open", lambda url: opened.append(url) or True)
    with pytest.raises(SystemExit) as done:
        main(["preview", "boxes", str(ws.root), "--out", str(out), "--open"])
    assert done.value.code == 0 and opened == [out.resolve().as_uri()]


def test_custom_preview_runs_the_local_pre_annotation_lambda(sandbox, tmp_path, capsys):
    ws = Workspace(tmp_path, "us-east-1")
    (tmp_path / "pre.py").write_text(
        "def lambda_handler(event, context):\n"
        "    ref = event['dataObject']['source-ref']\n"
        "    return {'taskInput': {'picture': ref, 'hint': 'Look ' + ref.rsplit('/', 1)[-1]}}\n"
    )
    (tmp_path / "post.py").write_text("def lambda_handler(event, context):\n    return []\n")
    (tmp_path / "ui.html").write_text(
        "<crowd-form><p>{{ task.input.hint }}</p>"
        '<img src="{{ task.input.picture | grant_read_access }}"></crowd-form>\n'
    )
    ws.write(
        BBOX_JOB.replace("task_type: bounding_box", "task_type: custom").replace(
            "role: managed",
            "role: managed\n  template: ui.html\n  lambdas: {pre: pre.py, consolidation: post.py}",
        )
    )
    out = tmp_path / "custom.html"
    with pytest.raises(SystemExit) as done:
        main(["preview", "boxes", str(tmp_path), "-o", str(out), "-n", "1", "--offline"])
    assert done.value.code == 0
    page = out.read_text()
    assert "<p>Look img0.png</p>" in page
    assert '<img src="data:image/png;base64,' in page


def test_preview_refuses_a_broken_template(sandbox, tmp_path, capsys):
    ws = Workspace(tmp_path, "us-east-1")
    (tmp_path / "ui.html").write_text("<crowd-form>{% for x in task.input.labels %}</crowd-form>\n")
    (tmp_path / "f.py").write_text("def lambda_handler(event, context):\n    return {}\n")
    ws.write(
        BBOX_JOB.replace("task_type: bounding_box", "task_type: custom").replace(
            "role: managed", "role: managed\n  template: ui.html\n  lambdas: {pre: f.py, consolidation: f.py}"
        )
    )
    with pytest.raises(SystemExit) as done:
        main(["preview", "boxes", str(tmp_path), "-o", str(tmp_path / "x.html")])
    assert done.value.code == 1
    err = capsys.readouterr().err
    # Caught while loading the spec, before anything renders: at the template's own line.
    assert contains(err, "ui.html:1:1: jobs[0].template: {lib}")  # {lib}: python-liquid's words


@pytest.mark.browser
def test_browser_shows_the_object_and_the_labels(workspace, tmp_path):
    """Headless Chromium opens the preview with the network cut off: the fallback must show it all.
    Skipped where there is no Chromium (tests/conftest.py); .ci/run installs it."""
    chromium = find_chromium()
    assert chromium is not None
    ws = workspace
    ws.write(BBOX_JOB)
    out = tmp_path / "preview.html"
    with pytest.raises(SystemExit) as done:
        main(["preview", "boxes", str(ws.root), "--out", str(out), "--objects", "1"])
    assert done.value.code == 0
    with offline_page(chromium) as (page, blocked):
        page.goto(out.as_uri())
        page.wait_for_selector(".gtops-preview-banner", timeout=10000)
        assert blocked == ["https://assets.crowd.aws/crowd-html-elements.js"]
        image = page.locator("crowd-bounding-box img")
        assert image.count() == 1
        assert page.evaluate("document.querySelector('crowd-bounding-box img').naturalWidth") == 8
        assert image.is_visible()
        labels = page.locator("crowd-bounding-box .gtops-labels li").all_inner_texts()
        assert labels == ["train", "car"]
        assert page.locator("button", has_text="Submit").is_visible()
        header = page.locator("crowd-bounding-box .gtops-header").inner_text()
        assert header == json.loads('"Draw a box around each object of the listed labels in the image."')
