"""A label named Background is a label like any other: only AWS's own class 0 is the image's background."""

from __future__ import annotations

import json

from gtops.jobs import results


def test_a_label_named_background_is_counted_and_aws_class_zero_is_not() -> None:
    line = {
        "source-ref": "s3://b/bird.png",
        "seg-ref": "s3://b/out/mask.png",
        "seg-ref-metadata": {
            "internal-color-map": {
                "0": {"class-name": "BACKGROUND", "hex-color": "#ffffff", "confidence": 0.8},
                "1": {"class-name": "Bird", "hex-color": "#2ca02c", "confidence": 0.8},
                "2": {"class-name": "Background", "hex-color": "#1f77b4", "confidence": 0.8},
            },
            "type": "groundtruth/semantic-segmentation",
            "human-annotated": "yes",
        },
    }
    (obj,) = results.parse((json.dumps(line) + "\n").encode(), "seg-ref")
    assert sorted(label.name for label in obj.labels) == ["Background", "Bird"]
    assert results.summary([obj], 0.5)["classes"] == {"Background": 1, "Bird": 1}
