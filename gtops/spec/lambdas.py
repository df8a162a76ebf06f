"""AWS-owned Ground Truth Lambdas: which regions publish them, and their ARNs.

The AWS account that owns the PRE-/ACS- functions differs per region (hard-coding the us-east-1 account
elsewhere is a classic bug), so the table lives in gtops/data/builtin_lambdas.json.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

# Spec task_type -> the suffix AWS uses in PRE-<suffix> / ACS-<suffix>. `custom` brings its own Lambdas.
TASK_TYPE_SUFFIX: dict[str, str] = {
    "bounding_box": "BoundingBox",
    "image_classification": "ImageMultiClass",
    "image_classification_multi": "ImageMultiClassMultiLabel",
    "semantic_segmentation": "SemanticSegmentation",
    "text_classification": "TextMultiClass",
    "text_classification_multi": "TextMultiClassMultiLabel",
    "named_entity_recognition": "NamedEntityRecognition",
    # Label verification and adjustment of a previous job's boxes or masks (DG: Verify and Adjust Labels).
    "verification_bounding_box": "VerificationBoundingBox",
    "adjustment_bounding_box": "AdjustmentBoundingBox",
    "verification_semantic_segmentation": "VerificationSemanticSegmentation",
    "adjustment_semantic_segmentation": "AdjustmentSemanticSegmentation",
}


@cache
def _table() -> dict[str, Any]:
    text = resources.files("gtops").joinpath("data/builtin_lambdas.json").read_text(encoding="utf-8")
    return json.loads(text)


def builtin_regions() -> list[str]:
    return sorted(_table()["region_account"])


def builtin_lambda_arns(region: str, task_type_suffix: str) -> tuple[str, str] | None:
    """(pre-annotation ARN, consolidation ARN) of AWS's built-in Lambdas, or None where there are none.

    `task_type_suffix` is AWS's suffix (e.g. "BoundingBox"); a spec task_type ("bounding_box") works too.
    """
    table = _table()
    suffix = TASK_TYPE_SUFFIX.get(task_type_suffix, task_type_suffix)
    account = table["region_account"].get(region)
    if account is None or suffix not in table["task_types"]:
        return None
    base = f"arn:aws:lambda:{region}:{account}:function:"
    return f"{base}PRE-{suffix}", f"{base}ACS-{suffix}"
