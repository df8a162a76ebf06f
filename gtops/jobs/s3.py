"""Small S3 helpers: URIs, listing, reading, and the CORS rule image tasks need."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from gtops.aws import error_code
from gtops.errors import GtopsError

# The rule AWS documents for Ground Truth input buckets (image orientation needs a CORS fetch).
CORS_RULE: dict[str, Any] = {
    "AllowedHeaders": [],
    "AllowedMethods": ["GET"],
    "AllowedOrigins": ["*"],
    "ExposeHeaders": ["Access-Control-Allow-Origin"],
}


def split(uri: str) -> tuple[str, str]:
    """s3://bucket/key -> (bucket, key)."""
    if not uri.startswith("s3://"):
        raise GtopsError(f"not an S3 URI: {uri}")
    bucket, _, key = uri[5:].partition("/")
    return bucket, key


def join(prefix: str, name: str) -> str:
    return prefix if not name else (prefix if prefix.endswith("/") else prefix + "/") + name


def missing(err: Exception) -> bool:
    return error_code(err) in ("NoSuchKey", "404", "NoSuchBucket", "NotFound")


def read(s3, uri: str) -> bytes:
    bucket, key = split(uri)
    return s3.get_object(Bucket=bucket, Key=key)["Body"].read()


def read_bounded(s3, uri: str, limit: int, what: str) -> bytes:
    """An object's bytes, refusing one larger than `limit` (S3 objects a spec names are untrusted input)."""
    bucket, key = split(uri)
    answer = s3.get_object(Bucket=bucket, Key=key)
    size = int(answer.get("ContentLength") or 0)
    body = answer["Body"].read(limit + 1)
    if size > limit or len(body) > limit:
        raise GtopsError(f"{what}: {uri} is larger than {limit:,} bytes")
    return body


def exists(s3, uri: str) -> bool:
    bucket, key = split(uri)
    try:
        s3.head_object(Bucket=bucket, Key=key)
        return True
    except Exception as err:
        if missing(err) or error_code(err) in ("403",):
            return False
        raise


def list_keys(s3, uri: str) -> Iterator[str]:
    bucket, prefix = split(uri)
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        for item in page.get("Contents") or []:
            if not item["Key"].endswith("/"):
                yield item["Key"]


def manifest_lines(body: bytes) -> list[dict]:
    """Parse a JSON Lines manifest; a bad line is an error naming its number."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as err:
        raise GtopsError(f"not UTF-8 text (byte {err.start}); Ground Truth reads UTF-8 manifests") from None
    out = []
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as err:
            raise GtopsError(f"manifest line {n} is not JSON: {err.msg}") from None
        if not isinstance(obj, dict):
            raise GtopsError(f"manifest line {n} is not a JSON object")
        out.append(obj)
    return out


def data_object_lines(body: bytes, where: str) -> list[dict]:
    """Manifest lines that each hold a data object (source-ref or source); errors start with `where`."""
    try:
        lines = manifest_lines(body)
    except GtopsError as err:
        raise GtopsError(f"{where}: {err}") from None
    for n, line in enumerate(lines, 1):
        if "source-ref" not in line and "source" not in line:
            raise GtopsError(f"{where}: line {n} has neither source-ref nor source")
    return lines


def cors_rules(s3, bucket: str) -> list[dict]:
    try:
        return list(s3.get_bucket_cors(Bucket=bucket).get("CORSRules") or [])
    except Exception as err:
        if error_code(err) == "NoSuchCORSConfiguration":
            return []
        raise


def _norm(rule: dict) -> dict:
    return {k: sorted(rule.get(k) or []) for k in ("AllowedMethods", "AllowedOrigins", "ExposeHeaders")}


def has_gt_rule(rules: list[dict]) -> bool:
    """True when some rule already allows GET from any origin and exposes what Ground Truth needs."""
    for rule in rules:
        r = _norm(rule)
        if (
            "GET" in r["AllowedMethods"]
            and "*" in r["AllowedOrigins"]
            and "Access-Control-Allow-Origin" in r["ExposeHeaders"]
        ):
            return True
    return False


def rule_of(spec: Any = None) -> dict[str, Any]:
    """The S3 CORSRule for a job's `cors` setting (a CorsSpec; None: gtops's default rule)."""
    if spec is None:
        return {"ID": "gtops-ground-truth", **{k: v for k, v in CORS_RULE.items() if v}}
    rule: dict[str, Any] = {
        "ID": spec.id,
        "AllowedMethods": list(spec.allowed_methods),
        "AllowedOrigins": list(spec.allowed_origins),
    }
    if spec.allowed_headers:
        rule["AllowedHeaders"] = list(spec.allowed_headers)
    if spec.expose_headers:
        rule["ExposeHeaders"] = list(spec.expose_headers)
    if spec.max_age is not None:
        rule["MaxAgeSeconds"] = spec.max_age
    return rule


def _content(rule: dict) -> dict:
    keys = ("AllowedMethods", "AllowedOrigins", "AllowedHeaders", "ExposeHeaders")
    return {**{k: sorted(rule.get(k) or []) for k in keys}, "MaxAgeSeconds": rule.get("MaxAgeSeconds")}


def cors_state(rules: list[dict], wanted: dict) -> str:
    """'present', 'add' or 'replace' (a rule with the wanted ID but other settings)."""
    same_id = [r for r in rules if r.get("ID") == wanted["ID"]]
    if same_id:
        return "present" if _content(same_id[0]) == _content(wanted) else "replace"
    if any(_content(r) == _content(wanted) for r in rules):
        return "present"
    if (
        wanted["ID"] == "gtops-ground-truth"
        and _content(wanted) == _content(rule_of())
        and has_gt_rule(rules)
    ):
        return "present"  # gtops's default: any rule that lets workers GET the images will do
    return "add"


def ensure_cors(s3, bucket: str, spec: Any = None) -> bool:
    """Put the job's CORS rule on the bucket, keeping every other rule; True if changed."""
    rules = cors_rules(s3, bucket)
    wanted = rule_of(spec)
    state = cors_state(rules, wanted)
    if state == "present":
        return False
    kept = [r for r in rules if r.get("ID") != wanted["ID"]]
    s3.put_bucket_cors(Bucket=bucket, CORSConfiguration={"CORSRules": kept + [wanted]})
    return True
