"""`gtops results` and `gtops report` on what the sandbox's simulated workers wrote: the output manifest and
the worker responses (annotations/worker-response/), through the real CLI on the in-process sandbox."""

from __future__ import annotations

import json
import re

import pytest

import gtops.sandbox
from tests.browser import chromium as find_chromium
from tests.browser import offline_page
from tests.jobs.conftest import BBOX_JOB, CLASSIFY_JOB, manifest
from tests.jobs.test_results_reader import AUTO, elements
from tests.jobs.test_results_status import run, sandbox_job

WORKERS = """members:
  workers:
    - {email: ana@example.com, groups: [g1]}
    - {email: bo@example.com, groups: [g1]}
    - {email: cy@example.com, groups: [g1]}
"""


def responses(ws, name: str) -> dict[int, list[dict]]:
    """The worker-response files of a job, read straight from S3: answers by object index."""
    s3 = ws.client("s3")
    out: dict[int, list[dict]] = {}
    listing = s3.list_objects_v2(Bucket="data-bucket", Prefix=f"out/{name}/annotations/worker-response/")
    for item in listing.get("Contents", []):
        index = int(item["Key"].split("/")[-2])
        body = json.loads(s3.get_object(Bucket="data-bucket", Key=item["Key"])["Body"].read())
        out.setdefault(index, []).extend(body["answers"])
    return out


def staffed(ws, jobs: str) -> None:
    """Workers first, then the jobs: the sandbox's workers are the team's members when a job starts."""
    ws.write("[]\n", extra=WORKERS)
    ws.apply()
    ws.write(jobs, extra=WORKERS)
    ws.apply()
    gtops.sandbox.advance_jobs(steps=10)


def test_worker_agreement_and_time_come_from_the_worker_responses(workspace, capsys):
    ws = workspace
    staffed(ws, CLASSIFY_JOB.replace("role: managed", "role: managed\n  workers_per_object: 3"))
    code, out, err = run(capsys, "results", "flying", str(ws.root), "--format", "json")
    assert code == 0, err
    summary = json.loads(out)["summary"]
    rows = {r["name"]: r for r in summary["workers"]["workers"]}
    assert set(rows) == {"ana@example.com", "bo@example.com", "cy@example.com"}  # ids mapped through Cognito
    # What each worker answered, read independently from the raw files and the output manifest.
    labeled = manifest(ws, ws.describe("flying")["LabelingJobOutput"]["OutputDatasetS3Uri"])
    consolidated = [line["flying-metadata"]["class-name"] for line in labeled]
    seen: dict[str, list[tuple[bool, float]]] = {}
    for index, answers in responses(ws, "flying").items():
        for a in answers:
            said = next(iter(a["answerContent"].values()))["label"]
            seen.setdefault(a["workerId"], []).append((said == consolidated[index], a["timeSpentInSeconds"]))
    by_id = {r["worker_id"]: r for r in rows.values()}
    assert set(by_id) == set(seen)
    for worker, answers in seen.items():
        row = by_id[worker]
        assert row["tasks"] == len(answers) == 3
        assert row["agreement"] == round(sum(ok for ok, _ in answers) / 3, 4)
        assert row["disagreements"] == sum(not ok for ok, _ in answers)
        assert row["time"]["mean"] == round(sum(t for _, t in answers) / 3, 2)
    assert summary["workers"]["read"] == {"objects": 3, "files": 3, "unreadable": 0, "capped": False}
    worst = summary["worst"]["people"]
    assert [w["agreement"] for w in worst] == sorted(w["agreement"] for w in worst)
    code, out, _ = run(capsys, "results", "flying", str(ws.root))
    assert code == 0 and re.search(r"^\s+ana@example\.com\s+3\s+\d+%", out, re.M)
    code, out, _ = run(capsys, "results", "flying", str(ws.root), "--max-responses", "1", "-f", "json")
    read = json.loads(out)["summary"]["workers"]["read"]
    assert read["objects"] == 1 and read["capped"] is True


def test_segmentation_keeps_a_label_named_background(workspace, capsys):
    """Seed 001's segmentation labels are ["Bird", "Background", "Tree"]; every Background must be counted."""
    ws = workspace
    seg = (
        BBOX_JOB.replace("boxes", "seg")
        .replace("bounding_box", "semantic_segmentation")
        .replace("[train, car]", "[Bird, Background, Tree]")
    )
    ws.write(seg)
    ws.apply()
    gtops.sandbox.advance_jobs(steps=10)
    from gtops.sandbox import labeling

    expected = labeling.expected_class_counts(sandbox_job("seg"))
    assert expected.get("Background")  # the simulated workers drew some
    code, out, _ = run(capsys, "results", "seg", str(ws.root), "--format", "json")
    assert code == 0
    assert json.loads(out)["summary"]["classes"] == expected


def test_machine_labels_are_reported_apart_from_people(workspace, capsys, tmp_path):
    """An automated-labeling job's output (hand-written: `human-annotated: no` marks the model's labels)."""
    ws = workspace
    ws.write(CLASSIFY_JOB.replace("name: flying", "name: pets").replace("[Flying, Other]", "[cat, dog]"))
    ws.apply()
    gtops.sandbox.advance_jobs(steps=10)
    uri = ws.describe("pets")["LabelingJobOutput"]["OutputDatasetS3Uri"]
    ws.client("s3").put_object(Bucket="data-bucket", Key=uri[len("s3://data-bucket/") :], Body=AUTO.encode())
    code, out, _ = run(capsys, "results", "pets", str(ws.root), "--format", "json")
    assert code == 0
    s = json.loads(out)["summary"]
    assert (s["human_labeled"], s["machine_labeled"], s["failed"]) == (2, 2, 1)
    assert s["by"]["model"]["classes"] == {"cat": 1, "dog": 1}
    code, out, _ = run(capsys, "results", "pets", str(ws.root))
    assert "by people: 2, by the model (automated labeling): 2" in out
    assert "confidence of the model's labels: mean 0.67" in out
    target = tmp_path / "pets.html"
    code, out, err = run(capsys, "report", "pets", str(ws.root), "-o", str(target))
    assert code == 0, err
    page = target.read_text()
    assert "Lowest confidence (labeled by the model)" in page and "Labeled by the model" in page


def test_compare_two_jobs_over_the_same_images(workspace, capsys):
    ws = workspace
    ws.write(BBOX_JOB + BBOX_JOB.replace("name: boxes", "name: boxes-again"))
    ws.apply()
    gtops.sandbox.advance_jobs(steps=10)
    from gtops.sandbox import labeling

    before = labeling.expected_class_counts(sandbox_job("boxes"))
    after = labeling.expected_class_counts(sandbox_job("boxes-again"))
    code, out, err = run(capsys, "results", "--compare", "boxes", "boxes-again", str(ws.root), "-f", "json")
    assert code == 0, err
    s = json.loads(out)["summary"]
    assert (s["matched"], s["only_before"], s["only_after"]) == (3, 0, 0)
    assert sum(s["states"].values()) == 3
    assert {n: c["before"] for n, c in s["classes"].items() if c["before"]} == before
    assert {n: c["after"] for n, c in s["classes"].items() if c["after"]} == after
    code, out, _ = run(capsys, "results", "boxes-again", "--compare", "boxes", str(ws.root))
    assert out.startswith("Compare boxes -> boxes-again: 3 objects in both")


def test_bad_requests_are_one_line(workspace, capsys, tmp_path):
    ws = workspace
    ws.write(BBOX_JOB)
    ws.apply()
    gtops.sandbox.advance_jobs(steps=10)
    code, _, err = run(capsys, "results", "boxes", str(ws.root), "--compare", "nope")
    assert code == 1 and "labeling job nope does not exist" in err
    code, _, err = run(capsys, "results", "boxes", str(ws.root), "--compare", "boxes", "-f", "coco")
    assert code == 1 and "--format must be one of text, json, csv" in err
    code, _, err = run(
        capsys, "report", "boxes", str(ws.root), "-o", str(tmp_path / "no" / "such" / "r.html")
    )
    assert code == 1 and "cannot write it" in err and "Traceback" not in err
    assert not (tmp_path / "no").exists()


@pytest.mark.browser
def test_browser_shows_the_report_offline(workspace, capsys, tmp_path):
    """Headless Chromium opens the report with every request refused: nothing is fetched, the charts are
    drawn, the worst objects' images decode and their boxes are drawn over them."""
    chromium = find_chromium()
    assert chromium is not None
    ws = workspace
    staffed(ws, BBOX_JOB.replace("role: managed", "role: managed\n  workers_per_object: 3"))
    target = tmp_path / "report.html"
    code, out, err = run(capsys, "report", "boxes", str(ws.root), "-o", str(target))
    assert code == 0, err
    assert out.strip() == str(target)
    code, out, _ = run(capsys, "results", "boxes", str(ws.root), "-f", "json")
    summary = json.loads(out)["summary"]
    drawn = sum(len(item["labels"]) for item in summary["worst"]["people"])
    assert drawn and all(elements(target.read_text()))
    with offline_page(chromium) as (page, blocked):
        page.goto(target.as_uri())
        page.wait_for_selector("#workers")
        assert blocked == []
        assert page.locator("svg.chart").count() == 4  # classes, confidence, agreement, time
        assert page.locator("#classes rect.bar").count() == len(summary["classes"])
        assert page.locator("#workers table tr").count() == 1 + 3
        names = page.locator("#workers table td:first-child").all_inner_texts()
        assert sorted(names) == ["ana@example.com", "bo@example.com", "cy@example.com"]
        assert page.locator("figure.worst").count() == 3
        assert page.locator("figure.worst rect.box").count() == drawn
        # Each embedded image really decodes (the test images are 8x6, 6x8 and 10x5 PNGs).
        sizes = page.evaluate(
            """() => Promise.all([...document.querySelectorAll('image.photo')].map(
                el => new Promise(ok => {
                    const img = new Image();
                    img.onload = () => ok([img.naturalWidth, img.naturalHeight]);
                    img.onerror = () => ok(null);
                    img.src = el.getAttribute('href');
                })))"""
        )
        assert sorted(map(tuple, sizes)) == [(6, 8), (8, 6), (10, 5)]
        box = page.locator("figure.worst svg.object").first.bounding_box()
        assert box is not None and box["width"] > 100 and box["height"] > 50
