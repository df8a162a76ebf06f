"""`gtops status` and `gtops results` through the real CLI, on jobs the sandbox's workers finished."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

import gtops.sandbox
from gtops.cli import main
from tests.jobs.conftest import BBOX_JOB, CLASSIFY_JOB


def run(capsys, *args: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as done:
        main(list(args))
    out, err = capsys.readouterr()
    return done.value.code, out, err


def sandbox_job(name: str) -> dict:
    from gtops.sandbox.sagemaker import iter_labeling_jobs

    return next(job for _, _, job in iter_labeling_jobs() if job["LabelingJobName"] == name)


def test_status_shows_counters_progress_and_finishes(workspace, capsys):
    ws = workspace
    ws.write(BBOX_JOB + CLASSIFY_JOB)
    ws.apply()
    code, out, _ = run(capsys, "status", str(ws.root), "--format", "json")
    assert code == 0
    rows = {r["name"]: r for r in json.loads(out)["jobs"]}
    assert rows["boxes"]["status"] in ("Initializing", "InProgress")
    assert rows["boxes"]["labeled"] == 0 and rows["boxes"]["progress"] == 0
    gtops.sandbox.advance_jobs("boxes", steps=2)  # InProgress, then one batch of the three images
    code, out, _ = run(capsys, "status", str(ws.root))
    assert code == 0
    line = next(x for x in out.splitlines() if x.startswith("boxes "))
    assert "InProgress" in line and "[#######-------------]  33.3%" in line
    gtops.sandbox.advance_jobs(steps=10)
    code, out, _ = run(capsys, "status", str(ws.root), "--watch", "--interval", "0.1", "--format", "json")
    assert code == 0
    rows = {r["name"]: r for r in json.loads(out)["jobs"]}
    assert rows["boxes"] | {"progress": 1.0} == rows["boxes"]
    assert rows["boxes"]["status"] == "Completed" and rows["boxes"]["labeled"] == 3
    assert rows["boxes"]["output_manifest"].endswith("/boxes/manifests/output/output.manifest")


def test_status_lists_jobs_not_created_yet(workspace, capsys):
    workspace.write(BBOX_JOB)
    code, out, _ = run(capsys, "status", str(workspace.root), "--format", "json")
    assert code == 0
    assert json.loads(out)["jobs"][0]["status"] == "NotCreated"


def test_results_report_what_the_simulated_workers_produced(workspace, capsys):
    ws = workspace
    ws.write(BBOX_JOB.replace("role: managed", "role: managed\n  workers_per_object: 3") + CLASSIFY_JOB)
    ws.apply()
    gtops.sandbox.advance_jobs(steps=10)
    from gtops.sandbox import labeling

    expected = labeling.expected_class_counts(sandbox_job("boxes"))
    code, out, _ = run(capsys, "results", "boxes", str(ws.root), "--format", "json")
    assert code == 0
    summary = json.loads(out)["summary"]
    assert summary["objects"] == 3 and summary["labeled"] == 3 and summary["failed"] == 0
    assert summary["classes"] == expected
    assert summary["human_labeled"] == 3 and summary["machine_labeled"] == 0
    assert summary["confidence"]["count"] == sum(expected.values())
    assert sum(b["count"] for b in summary["confidence"]["histogram"]) == sum(expected.values())
    # Text summary and CSV agree with the JSON.
    code, out, _ = run(capsys, "results", "boxes", str(ws.root))
    for name, count in expected.items():
        assert any(line.split() == [name, str(count)] for line in out.splitlines())
    code, out, _ = run(capsys, "results", "boxes", str(ws.root), "--format", "csv", "--threshold", "1.01")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert len(rows) == sum(expected.values())
    assert {r["label"] for r in rows} == set(expected)
    # `-o -` is stdout (never a file named "-"), as in the other tools.
    dash = Path("-")  # where a file named "-" would be written: the working folder
    code, same, err = run(
        capsys, "results", "boxes", str(ws.root), "-f", "csv", "--threshold", "1.01", "-o", "-"
    )
    assert code == 0 and same == out and not dash.exists() and "Wrote" not in err
    code, out, _ = run(capsys, "results", "boxes", str(ws.root), "--threshold", "1.01", "--format", "json")
    assert len(json.loads(out)["summary"]["low_confidence"]) == 3

    classes = labeling.expected_class_counts(sandbox_job("flying"))
    code, out, _ = run(capsys, "results", "flying", str(ws.root), "--format", "json")
    assert json.loads(out)["summary"]["classes"] == classes
    assert sum(classes.values()) == 3  # one class per image


def test_coco_export_loads_with_pycocotools(workspace, capsys, tmp_path):
    from pycocotools.coco import COCO

    ws = workspace
    ws.write(BBOX_JOB + CLASSIFY_JOB)
    ws.apply()
    gtops.sandbox.advance_jobs(steps=10)
    target = tmp_path / "coco.json"
    code, _, err = run(capsys, "results", "boxes", str(ws.root), "--format", "coco", "--out", str(target))
    assert code == 0 and "Wrote" in err
    coco = COCO(str(target))
    assert [c["name"] for c in coco.loadCats(coco.getCatIds())] == ["train", "car"]
    assert len(coco.getImgIds()) == 3
    from gtops.sandbox import labeling

    expected = labeling.expected_class_counts(sandbox_job("boxes"))
    for name, count in expected.items():
        assert len(coco.getAnnIds(catIds=coco.getCatIds(catNms=[name]))) == count
    for ann in coco.loadAnns(coco.getAnnIds()):
        image = coco.loadImgs(ann["image_id"])[0]
        x, y, w, h = ann["bbox"]
        assert w > 0 and h > 0 and x + w <= image["width"] + 1 and y + h <= image["height"] + 1
    code, _, err = run(capsys, "results", "flying", str(ws.root), "--format", "coco")
    assert code == 1 and "bounding_box" in err


def test_results_of_a_running_job_say_when_output_appears(workspace, capsys):
    workspace.write(BBOX_JOB)
    workspace.apply()
    code, _, err = run(capsys, "results", "boxes", str(workspace.root))
    assert code == 1 and "no output manifest yet" in err and "Traceback" not in err
