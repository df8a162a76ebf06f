"""The output-manifest reader, the summary, worker agreement, compare and the report page, on hand-written
output in the formats of the Ground Truth developer guide (sms-data-output): no AWS at all."""

from __future__ import annotations

import csv
import io
import json
import re

import pytest

from gtops.errors import GtopsError
from gtops.jobs import compare as jc
from gtops.jobs import report as jp
from gtops.jobs import results as jr
from gtops.jobs import workers as jw
from tests.jobs.conftest import png


def line(source: str, attr: str, label, **meta) -> str:
    meta.setdefault("human-annotated", "yes")
    meta.setdefault("job-name", f"labeling-job/{attr}")
    meta.setdefault("creation-date", "2024-05-01T10:00:00.000000")
    return json.dumps({"source-ref": source, attr: label, f"{attr}-metadata": meta})


def classified(source: str, name: str, index: int, confidence: float, human: str = "yes") -> str:
    return line(
        source,
        "pets",
        index,
        **{
            "class-name": name,
            "confidence": confidence,
            "type": "groundtruth/image-classification",
            "human-annotated": human,
        },
    )


def boxes(source: str, attr: str, *found, human: str = "yes") -> str:
    """found: (class name, left, top, width, height, confidence)."""
    names = sorted({f[0] for f in found})
    ids = {n: i for i, n in enumerate(names)}
    label = {
        "image_size": [{"width": 64, "height": 48, "depth": 3}],
        "annotations": [
            {"class_id": ids[n], "left": x, "top": y, "width": w, "height": h} for n, x, y, w, h, _ in found
        ],
    }
    return line(
        source,
        attr,
        label,
        **{
            "objects": [{"confidence": f[5]} for f in found],
            "class-map": {str(i): n for n, i in ids.items()},
            "type": "groundtruth/object-detection",
            "human-annotated": human,
        },
    )


# An automated-labeling job's output: two objects labeled by people, two by the model (human-annotated: no).
AUTO = "\n".join(
    [
        classified("s3://b/0.png", "cat", 0, 0.67),
        classified("s3://b/1.png", "dog", 1, 1.0),
        classified("s3://b/2.png", "dog", 1, 0.93, human="no"),
        classified("s3://b/3.png", "cat", 0, 0.41, human="no"),
        json.dumps(
            {
                "source-ref": "s3://b/4.png",
                "pets-metadata": {
                    "failure-reason": "ClientError: worker task timed out",
                    "human-annotated": "no",
                },
            }
        ),
    ]
)


def summarise(text: str, attribute: str = "pets", **kw) -> dict:
    s = jr.Summary(**kw)
    for o in jr.iter_objects(io.BytesIO(text.encode()), attribute):
        s.add(o)
    return s.result()


def test_people_and_the_model_are_counted_apart():
    s = summarise(AUTO)
    assert (s["objects"], s["labeled"], s["failed"]) == (5, 4, 1)
    assert (s["human_labeled"], s["machine_labeled"]) == (2, 2)
    assert s["classes"] == {"cat": 2, "dog": 2}
    assert s["by"]["people"]["classes"] == {"cat": 1, "dog": 1}
    assert s["by"]["model"]["classes"] == {"cat": 1, "dog": 1}
    # AWS: never compare people's confidence with the model's; each has its own histogram.
    people, model = s["by"]["people"]["confidence"], s["by"]["model"]["confidence"]
    assert [b["count"] for b in people["histogram"]] == [0, 0, 0, 1, 1]
    assert [b["count"] for b in model["histogram"]] == [0, 0, 1, 0, 1]
    assert s["worst"]["model"][0]["source"] == "s3://b/3.png"  # the model's least sure label first
    assert [w["source"] for w in s["worst"]["people"]] == ["s3://b/0.png", "s3://b/1.png"]
    text = jr.render_text("pets", "s3://b/out", s)
    assert "by people: 2, by the model (automated labeling): 2" in text
    assert "confidence of people's labels: mean 0.83" in text
    assert "confidence of the model's labels: mean 0.67" in text
    assert re.search(r"^\s+cat\s+2\s+1\s+1$", text, re.M)  # all, people, model
    assert "lowest confidence (model):" in text


def test_a_label_named_background_is_a_class_only_aws_index_0_is_not():
    """Seed 001 labels birds with ["Bird", "Background", "Tree"]: "Background" is index 2 of the color map;
    index 0 is AWS's own BACKGROUND."""
    meta = {
        "type": "groundtruth/semantic-segmentation",
        "internal-color-map": {
            "0": {"class-name": "BACKGROUND", "confidence": 0.8, "hex-color": "#ffffff"},
            "2": {"class-name": "Background", "confidence": 0.8, "hex-color": "#2ca02c"},
            "3": {"class-name": "Tree", "confidence": 0.8, "hex-color": "#d62728"},
        },
    }
    labels, _ = jr.labels_of("s3://b/mask.png", meta)
    assert [lb.name for lb in labels] == ["Background", "Tree"]
    meta["internal-color-map"]["4"] = {"class-name": "BACKGROUND", "confidence": 0.8, "hex-color": "#000000"}
    assert [lb.name for lb in jr.labels_of("s3://b/mask.png", meta)[0]] == [
        "Background",
        "Tree",
        "BACKGROUND",
    ]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (b'{"source-ref": "s3://b/a"}\n{"source-ref": \n', "output manifest line 2 is not JSON"),
        (b'{"source-ref": "s3://b/a"}\n\n[1, 2]\n', "output manifest line 3 is not a JSON object"),
        (b'{"source-ref": "s3://b/\xff"}\n', "output manifest line 1 is not UTF-8 text"),
        (b"[" * 100_000 + b"]" * 100_000, "output manifest line 1 is nested too deeply"),
    ],
)
def test_bad_lines_are_named(text, message):
    with pytest.raises(GtopsError) as err:
        list(jr.iter_objects(io.BytesIO(text), "pets"))
    assert str(err.value).startswith(message)


def test_a_line_over_the_bound_is_refused_without_reading_it_whole(monkeypatch):
    monkeypatch.setattr(jr, "MAX_LINE", 1000)
    monkeypatch.setattr(jr, "CHUNK", 256)
    body = (classified("s3://b/0.png", "cat", 0, 1.0) + "\n" + '{"x": "' + "a" * 5000 + '"}\n').encode()
    with pytest.raises(GtopsError, match="output manifest line 2 is longer than"):
        list(jr.iter_objects(io.BytesIO(body), "pets"))


def test_hostile_metadata_shapes_are_read_not_crashed_on():
    hostile = [
        line("s3://b/0", "a", {"annotations": "x"}, type="groundtruth/object-detection", objects="nope"),
        line(
            "s3://b/1",
            "a",
            {"annotations": [1, None]},
            **{"type": "groundtruth/object-detection", "class-map": []},
        ),
        line(
            "s3://b/2", "a", [0, 1], **{"type": "groundtruth/image-classification-multilabel", "class-map": 3}
        ),
        line(
            "s3://b/3",
            "a",
            "s3://m",
            **{"type": "groundtruth/semantic-segmentation", "internal-color-map": [1]},
        ),
        line(
            "s3://b/4",
            "a",
            {"annotations": {"entities": [{"startOffset": "x"}]}},
            type="groundtruth/text-span",
        ),
        line("s3://b/5", "a", 0, **{"class-name": {"x": 1}, "confidence": "NaN"}),
        json.dumps({"source": ["not", "text"], "a": 1, "a-metadata": "not a dict"}),
    ]
    objects = list(jr.iter_objects(io.BytesIO("\n".join(hostile).encode()), "a"))
    assert len(objects) == 7
    assert objects[5].labels[0].name == '{"x": 1}' and objects[5].confidence is None
    jr.Summary().add(objects[0])
    assert jr.to_csv(objects).count("\n") > 7


def test_csv_cells_never_start_a_formula():
    body = classified('=HYPERLINK("http://x")', "+cat", 0, 0.9) + "\n"
    rows = list(csv.DictReader(io.StringIO(jr.to_csv(jr.iter_objects(io.BytesIO(body.encode()), "pets")))))
    assert rows[0]["source"].startswith("'=") and rows[0]["label"] == "'+cat"


def test_json_export_streams_objects_then_the_summary():
    out = io.StringIO()
    s = jr.Summary()

    def objects():
        for o in jr.iter_objects(io.BytesIO(AUTO.encode()), "pets"):
            s.add(o)
            yield o

    jr.write_json("pets", "s3://b/out", objects(), out, s, lambda: {"workers": []})
    body = json.loads(out.getvalue())
    assert [o["source"] for o in body["objects"]] == [f"s3://b/{i}.png" for i in range(5)]
    assert body["summary"]["machine_labeled"] == 2 and body["summary"]["workers"] == {"workers": []}


# ----------------------------------------------------------------------------------------------------
# worker responses and agreement


def response(*answers) -> bytes:
    """answers: (worker id, answerContent, seconds, sub)."""
    return json.dumps(
        {
            "answers": [
                {
                    "acceptanceTime": "2024-05-01T10:00:00.000Z",
                    "answerContent": content,
                    "submissionTime": f"2024-05-01T10:00:{seconds:02d}.000Z",
                    "workerId": worker,
                    **(
                        {
                            "workerMetadata": {
                                "identityData": {
                                    "identityProviderType": "Cognito",
                                    "issuer": "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_abc",
                                    "sub": sub,
                                }
                            }
                        }
                        if sub
                        else {}
                    ),
                }
                for worker, content, seconds, sub in answers
            ]
        }
    ).encode()


def test_agreement_per_task_type():
    L = jr.Label
    box = {"left": 10.0, "top": 10.0, "width": 20.0, "height": 20.0}
    near = {"left": 12.0, "top": 11.0, "width": 20.0, "height": 20.0}  # IoU ~0.78
    far = {"left": 25.0, "top": 25.0, "width": 20.0, "height": 20.0}  # IoU ~0.14
    od = "groundtruth/object-detection"
    assert jw.agreement([L("car", None, box=near)], [L("car", None, box=box)], od) == 1.0
    assert jw.agreement([L("car", None, box=far)], [L("car", None, box=box)], od) == 0.0
    assert jw.agreement([L("bus", None, box=box)], [L("car", None, box=box)], od) == 0.0
    two = [L("car", None, box=box), L("car", None, box=far)]
    assert jw.agreement([L("car", None, box=near)], two, od) == 0.5  # one of two boxes drawn
    assert jw.agreement([], [], od) == 1.0
    ic = "groundtruth/image-classification"
    assert jw.agreement([L("cat", None)], [L("cat", 0.5)], ic) == 1.0
    assert jw.agreement([L("dog", None)], [L("cat", 0.5)], ic) == 0.0
    ml = "groundtruth/image-classification-multilabel"
    assert jw.agreement([L("a", None), L("b", None)], [L("a", 1), L("b", 1), L("c", 1)], ml) == 2 / 3
    ner = "groundtruth/text-span"
    assert jw.agreement([L("Date", None, span=(0, 4))], [L("Date", 1, span=(0, 5))], ner) == 0.0
    assert jw.agreement([L("x", None)], [L("y", None)], "groundtruth/custom") is None


def test_answers_are_read_from_the_crowd_elements_outputs():
    parsed = jw.parse_response(
        response(
            ("w1", {"crowd-image-classifier": {"label": "cat"}}, 12, "11111111-2222-3333-4444-555555555555"),
            (
                "w2",
                {
                    "boundingBox": {
                        "boundingBoxes": [{"label": "car", "left": 1, "top": 2, "width": 3, "height": 4}]
                    }
                },
                30,
                None,
            ),
            (
                "w3",
                {
                    "crowd-entity-annotation": {
                        "entities": [{"label": "Date", "startOffset": 0, "endOffset": 4}]
                    }
                },
                5,
                None,
            ),
            ("w4", {"x": {"labels": ["a", "b"]}}, 7, 'bad" OR sub ^= "'),
        )
    )
    assert parsed is not None
    assert [a.labels[0].name for a in parsed] == ["cat", "car", "Date", "a"]
    assert parsed[1].labels[0].box == {"left": 1.0, "top": 2.0, "width": 3.0, "height": 4.0}
    assert parsed[2].labels[0].span == (0, 4)
    assert [a.seconds for a in parsed] == [12, 30, 5, 7]  # submission minus acceptance without timeSpent
    assert parsed[0].sub == "11111111-2222-3333-4444-555555555555"
    assert parsed[3].sub is None  # never put into a ListUsers filter
    assert jw.parse_response(b"not json") is None and jw.parse_response(b'{"answers": 3}') is None


def test_worker_stats_score_each_answer_against_the_consolidated_label():
    manifest = "\n".join(
        [
            classified("s3://b/0.png", "cat", 0, 0.67),
            classified("s3://b/1.png", "dog", 1, 1.0),
            classified("s3://b/2.png", "dog", 1, 0.67),
        ]
    )
    lab = lambda name: {"crowd-image-classifier": {"label": name}}  # noqa: E731
    responses = jw.Responses(
        answers={
            0: jw.parse_response(
                response(
                    ("ana", lab("cat"), 10, None), ("bo", lab("cat"), 20, None), ("cy", lab("dog"), 40, None)
                )
            ),
            1: jw.parse_response(
                response(
                    ("ana", lab("dog"), 12, None), ("bo", lab("dog"), 22, None), ("cy", lab("dog"), 44, None)
                )
            ),
            2: jw.parse_response(
                response(
                    ("ana", lab("dog"), 14, None), ("bo", lab("cat"), 24, None), ("cy", lab("dog"), 48, None)
                )
            ),
        }
    )
    stats = jw.WorkerStats(responses)
    s = jr.Summary(worst=2)
    for o in jr.iter_objects(io.BytesIO(manifest.encode()), "pets"):
        s.add(o, stats.score(o))
    rows = {r["worker_id"]: r for r in stats.result()["workers"]}
    assert {w: (r["tasks"], r["agreement"], r["disagreements"]) for w, r in rows.items()} == {
        "ana": (3, 1.0, 0),
        "bo": (3, round(2 / 3, 4), 1),
        "cy": (3, round(2 / 3, 4), 1),
    }
    assert rows["cy"]["time"] == {"mean": 44.0, "median": 44.0, "min": 40.0, "max": 48.0, "total": 132.0}
    worst = s.result()["worst"]["people"]
    assert [(w["source"], w["agreement"]) for w in worst] == [
        ("s3://b/0.png", 0.6667),
        ("s3://b/2.png", 0.6667),
    ]
    text = jr.render_text("pets", "s3://b/out", s.result(), stats.result())
    assert re.search(r"^\s+cy\s+3\s+67%\s+1\s+44\.0s\s+44\.0s$", text, re.M)
    assert "lowest agreement (people):" in text


# ----------------------------------------------------------------------------------------------------
# compare


def run_compare(a: str, b: str, fmt: str, attr_a: str = "a", attr_b: str = "b") -> str:
    out = io.StringIO()
    jc.run(
        jc.Side("job-a", "s3://b/a.manifest"),
        jc.Side("job-b", "s3://b/b.manifest"),
        jr.iter_objects(io.BytesIO(a.encode()), attr_a),
        jr.iter_objects(io.BytesIO(b.encode()), attr_b),
        fmt,
        out,
    )
    return out.getvalue()


def test_compare_matches_objects_by_source_and_names_each_change():
    car = ("car", 10, 10, 20, 20, 0.9)
    bus = ("bus", 30, 5, 20, 20, 0.9)
    moved = ("car", 30, 30, 20, 20, 0.8)
    failed = json.dumps({"source-ref": "s3://i/4.png", "b-metadata": {"failure-reason": "timed out"}})
    a = "\n".join(
        [
            boxes("s3://i/0.png", "a", car),
            boxes("s3://i/1.png", "a", car),
            boxes("s3://i/2.png", "a", car),
            boxes("s3://i/3.png", "a", car, human="no"),
            boxes("s3://i/4.png", "a", car),
            boxes("s3://i/5.png", "a", car),  # only in A
            boxes("s3://i/0.png", "a", bus),  # a second object with the same image: matched by its order
        ]
    )
    b = "\n".join(
        [
            boxes("s3://i/6.png", "b", car),  # only in B
            boxes("s3://i/0.png", "b", car),
            boxes("s3://i/1.png", "b", car, bus),
            boxes("s3://i/2.png", "b", moved),
            boxes("s3://i/3.png", "b", car),
            failed,
            boxes("s3://i/0.png", "b", bus),
        ]
    )
    body = json.loads(run_compare(a, b, "json"))
    s = body["summary"]
    assert (s["matched"], s["only_before"], s["only_after"]) == (6, 1, 1)
    assert s["states"] == {
        "unchanged": 3,
        "relabeled": 1,
        "moved": 1,
        "newly failed": 1,
        "newly labeled": 0,
        "failed in both": 0,
    }
    assert s["classes"] == {
        "bus": {"before": 1, "after": 2, "change": 1},
        "car": {"before": 6, "after": 5, "change": -1},
    }
    assert s["labeled_by"] == {"before": {"people": 6, "model": 1}, "after": {"people": 6, "model": 0}}
    changes = {c["source"]: c for c in body["changes"]}
    assert set(changes) == {"s3://i/1.png", "s3://i/2.png", "s3://i/4.png"}
    assert changes["s3://i/1.png"]["after"] == ["bus", "car"]
    assert changes["s3://i/4.png"]["failure_after"] == "timed out"
    text = run_compare(a, b, "text")
    assert "6 objects in both (matched by source), 1 only in job-a, 1 only in job-b" in text
    assert "relabeled     s3://i/1.png: car -> bus, car" in text
    rows = list(csv.DictReader(io.StringIO(run_compare(a, b, "csv"))))
    assert [(r["source"], r["state"]) for r in rows] == [
        ("s3://i/1.png", "relabeled"),
        ("s3://i/2.png", "moved"),
        ("s3://i/4.png", "newly failed"),
    ]


# ----------------------------------------------------------------------------------------------------
# the report page (the browser test is in test_results_jobs.py)

HOSTILE = '</title><script>window.pwned=1</script><img src="https://evil.example/x" onerror="alert(1)">'


def elements(page: str) -> list[tuple[str, list[tuple[str, str]]]]:
    """Every element of an HTML page with its attributes, as a browser's parser sees them."""
    from html.parser import HTMLParser

    found: list[tuple[str, list[tuple[str, str]]]] = []

    class Parser(HTMLParser):
        def handle_starttag(self, tag, attrs):
            found.append((tag, [(k, v or "") for k, v in attrs]))

    Parser().feed(page)
    return found


def test_report_escapes_every_string_and_loads_nothing():
    manifest = "\n".join(
        [
            boxes(f"s3://b/{HOSTILE}.png", "a", (HOSTILE, 1, 1, 10, 10, 0.2)),
            json.dumps({"source": HOSTILE, "a": 1, "a-metadata": {"class-name": HOSTILE, "type": "x"}}),
        ]
    )
    s = jr.Summary(worst=5)
    for o in jr.iter_objects(io.BytesIO(manifest.encode()), "a"):
        s.add(o)
    result = s.result()
    workers = {
        "workers": [
            {
                "worker_id": HOSTILE,
                "name": HOSTILE,
                "sub": None,
                "tasks": 1,
                "agreement": 0.5,
                "disagreements": 1,
                "time": {"mean": 1.0, "median": 1.0, "min": 1.0, "max": 1.0, "total": 1.0},
            }
        ],
        "read": {"objects": 1, "files": 1, "unreadable": 0, "capped": False},
        "note": HOSTILE,
    }
    image = jp.Image(png(4, 3), "image/png", 4, 3)
    page = jp.build(HOSTILE, HOSTILE, result, workers, {0: (image, None)})
    tags = elements(page)
    assert "script" not in {tag for tag, _ in tags}
    assert [name for _, attrs in tags for name, _ in attrs if name.startswith("on")] == []
    urls = [value for _, attrs in tags for name, value in attrs if name in ("src", "href")]
    assert urls and all(u.startswith("data:image/png;base64,") for u in urls), urls
    assert page.count("&lt;script&gt;window.pwned=1&lt;/script&gt;") >= 5  # shown as text, everywhere
    assert f'content="{jp.CSP}"' in page and "default-src 'none'" in jp.CSP


def test_images_are_embedded_only_when_small_and_really_images(monkeypatch):
    class S3:
        objects = {"ok.png": png(6, 4), "big.png": png(6, 4) + bytes(2000), "evil.svg": b"<svg onload='1'/>"}

        def head_object(self, Bucket, Key):
            return {"ContentLength": len(self.objects[Key])}

        def get_object(self, Bucket, Key):
            return {"Body": io.BytesIO(self.objects[Key])}

    monkeypatch.setattr(jp, "IMAGE_MAX", 1000)
    images = jp.Images(S3())
    ok = images.get("s3://b/ok.png")
    assert (ok.mime, ok.width, ok.height, ok.note) == ("image/png", 6, 4, None)
    assert images.get("s3://b/big.png").note == f"{len(png(6, 4)) + 2000:,} bytes, over the 1,000-byte bound"
    assert images.get("s3://b/evil.svg").note == "not a PNG, JPEG, GIF or WebP image"
    assert images.get("https://example.com/x.png").note == "not an S3 object"
    monkeypatch.setattr(jp, "IMAGES_TOTAL", len(png(6, 4)) + 1)
    assert "spent" in (images.get("s3://b/ok.png").note or "")
