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
    """Local files become absolute paths; the job's defaults are filled in by gtops.kinds.labeling_job."""
    p = ("jobs", i)
    if "template" in job:
        job["template"] = str(resolve_file(locations, p + ("template",), job["template"]))
    inputs = job.get("input", {})
    for key in ("manifest_file", "folder"):
        if key in inputs:
            inputs[key] = str(resolve_file(locations, p + ("input", key), inputs[key]))
    for key, value in job.get("lambdas", {}).items():
        if not value.startswith("arn:"):
            job["lambdas"][key] = str(resolve_file(locations, p + ("lambdas", key), value))
