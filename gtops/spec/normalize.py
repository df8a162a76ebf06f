"""Turn a valid merged spec into `Spec.data`: local paths made absolute (relative to the file naming them).

Defaults are the kinds' business (each kind's `parse` builds its typed spec from this data); absent keys stay
absent, which later stages read as "unmanaged".
"""

from __future__ import annotations

import copy
from typing import Any

from gtops.spec.checks import dicts, resolve_file
from gtops.spec.durations import parse_duration
from gtops.spec.locations import Locations

# task_type -> (default title, default description) shown to workers.
TASK_TEXT = {
    "bounding_box": (
        "Draw bounding boxes",
        "Draw a box around each object of the listed labels in the image.",
    ),
    "image_classification": ("Classify the image", "Choose the one label that best describes the image."),
    "image_classification_multi": (
        "Classify the image (several labels)",
        "Choose every label that applies to the image.",
    ),
    "semantic_segmentation": (
        "Paint image segments",
        "Paint every region of the image with the label it belongs to.",
    ),
    "text_classification": ("Classify the text", "Choose the one label that best describes the text."),
    "text_classification_multi": (
        "Classify the text (several labels)",
        "Choose every label that applies to the text.",
    ),
    "named_entity_recognition": (
        "Label named entities",
        "Highlight each word or phrase that names an entity and choose its label.",
    ),
    "custom": ("Labeling task", "Complete the labeling task as the instructions describe."),
}
# AWS's suggested public-workforce price per task per worker (USD), from the Ground Truth pricing page.
SUGGESTED_PRICE = {
    "bounding_box": 0.036,
    "image_classification": 0.012,
    "image_classification_multi": 0.012,
    "semantic_segmentation": 0.84,
    "text_classification": 0.012,
    "text_classification_multi": 0.012,
    "named_entity_recognition": 0.024,
}
JOB_DEFAULTS = {
    "workers_per_object": 1,
    "task_time_limit": 300,
    "max_concurrent_tasks": 1000,
    "relaunch": "manual",
    "workforce": "private",
}
PRIVATE_AVAILABILITY = 10 * 86400
PUBLIC_AVAILABILITY = 6 * 3600


def normalize(raw: dict[str, Any], locations: Locations) -> dict[str, Any]:
    """A copy of the merged spec with every local path made absolute (each kind's `parse` fills defaults)."""
    data = copy.deepcopy(raw)
    data.pop("vars", None)
    data.pop("root", None)  # applied while loading (Spec.confinement)
    members = data.get("members")
    if isinstance(members, dict):
        _members(members, locations)
    for i, job in dicts(data.get("jobs")):
        _job(i, job, locations)
    return data


def _members(members: dict, locations: Locations) -> None:
    csv_value = members.get("csv")
    if isinstance(csv_value, str):
        members["csv"] = str(resolve_file(locations, ("members", "csv"), csv_value))
    elif isinstance(csv_value, list):
        members["csv"] = [
            str(resolve_file(locations, ("members", "csv", i), v)) for i, v in enumerate(csv_value)
        ]


def _job(i: int, job: dict[str, Any], locations: Locations) -> None:
    p = ("jobs", i)
    task = job["task_type"]
    for key, value in JOB_DEFAULTS.items():
        job.setdefault(key, value)
    public = job["workforce"] == "public"
    job["task_time_limit"] = parse_duration(job["task_time_limit"])
    if "task_availability" in job:
        job["task_availability"] = parse_duration(job["task_availability"])
    else:
        job["task_availability"] = PUBLIC_AVAILABILITY if public else PRIVATE_AVAILABILITY
    title, description = TASK_TEXT[task]
    job.setdefault("title", title)
    job.setdefault("description", description)
    label_attribute = job.get("label_attribute", job["name"])
    if task == "semantic_segmentation" and not label_attribute.endswith("-ref"):
        label_attribute += "-ref"
    job["label_attribute"] = label_attribute
    if public and "price_per_task" not in job and task in SUGGESTED_PRICE:
        job["price_per_task"] = SUGGESTED_PRICE[task]
    if "template" in job:
        job["template"] = str(resolve_file(locations, p + ("template",), job["template"]))
    inputs = job.get("input", {})
    for key in ("manifest_file", "folder"):
        if key in inputs:
            inputs[key] = str(resolve_file(locations, p + ("input", key), inputs[key]))
    for key, value in job.get("lambdas", {}).items():
        if not value.startswith("arn:"):
            job["lambdas"][key] = str(resolve_file(locations, p + ("lambdas", key), value))
