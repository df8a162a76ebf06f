"""Turn a valid merged spec into `Spec.data`: the few agreed defaults, seconds, absolute paths.

Only the defaults listed in the spec language are filled in; every other absent key stays absent, which
later stages read as "unmanaged".
"""

from __future__ import annotations

import copy
from typing import Any

from gtops.spec.checks import dicts, resolve_file
from gtops.spec.durations import parse_duration
from gtops.spec.locations import Locations

DEFAULT_OAUTH = {
    "flows": ["code", "implicit"],
    "scopes": ["email", "openid", "profile"],
    "identity_providers": ["COGNITO"],
}
DEFAULT_SAFETY = {"max_worker_change": 0.3, "min_workers": 10}
PRUNE_KEYS = ("members", "jobs", "groups", "teams")

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
    data = copy.deepcopy(raw)
    data.pop("vars", None)
    data.pop("root", None)  # applied while loading (Spec.confinement)
    if "name" not in data and isinstance(data.get("pool"), dict):
        data["name"] = data["pool"]["name"]
    prune = data.setdefault("prune", {})
    for key in PRUNE_KEYS:
        prune.setdefault(key, False)
    safety = data.setdefault("safety", {})
    for key, value in DEFAULT_SAFETY.items():
        safety.setdefault(key, value)
    for key in ("groups", "teams", "jobs"):
        data.setdefault(key, [])

    pool = data.get("pool")
    if isinstance(pool, dict):
        defaults = {
            "sign_in": "email",
            "case_sensitive": False,
            "deletion_protection": True,
            "admin_only_create": True,
        }
        data["pool"] = pool = pool | {k: v for k, v in defaults.items() if k not in pool}
        if isinstance(pool.get("mfa"), bool):  # YAML 1.1 reads `mfa: off` as false
            data["pool"]["mfa"] = "on" if pool["mfa"] else "off"

    client = data.get("client")
    if isinstance(client, dict):
        client.setdefault("generate_secret", True)
        client.setdefault("token_revocation", True)
        oauth = client.setdefault("oauth", {})
        for key, value in DEFAULT_OAUTH.items():
            oauth.setdefault(key, list(value))
        if "token_validity" in client:
            client["token_validity"] = {k: parse_duration(v) for k, v in client["token_validity"].items()}
        data["client"] = client

    if isinstance(data.get("workforce"), dict):
        data["workforce"].setdefault("name", "default")

    has_topic = "notifications" in data
    for _, team in dicts(data["teams"]):
        team.setdefault("description", f"{team['name']} work team")
        team.setdefault("notifications", has_topic)

    # No `members` section means the roster is not managed at all (not "an empty roster").
    members = data["members"] if isinstance(data.get("members"), dict) else None
    if members is not None:
        _members(members, locations)

    for i, job in dicts(data["jobs"]):
        _job(i, job, locations)
    return data


def _members(members: dict, locations: Locations) -> None:
    members.setdefault("invitation", "email")
    members["workers"] = [
        {
            "email": w["email"],
            **({"phone": w["phone"]} if "phone" in w else {}),
            "groups": list(w.get("groups", [])),
            "enabled": w.get("enabled", True),
            "attributes": dict(w.get("attributes", {})),
        }
        for w in members.get("workers", [])
    ]
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
