"""Saved plans (`gtops plan --out plan.json`, `gtops apply plan.json`) that cannot go stale.

Terraform's saved plans only check its own state file's serial, never the cloud, and a plan made without state
can be applied twice (hashicorp/terraform#24078). A gtops plan file pins what the plan was computed from:

- a fingerprint (hash of the normalised live fields) of every resource the plan read or would touch, with
  "absent" for what did not exist yet;
- the spec: every file's sha256 and the digest of the rendered spec (variables included);
- the applied-plan marker of the setup: the `gtops:last-plan` tag on the user pool, which every apply updates.

`gtops apply plan.json` re-reads AWS, recomputes the plan from the recorded paths and variables, and refuses,
naming what moved, if a fingerprint, a spec file or the marker changed, or if the plan would now differ. After
it applies, the marker holds this plan's id, so the same file is refused the next time: on any machine,
because the marker lives in AWS with the setup. The file holds no secrets: the plan document is masked as the
JSON rendering is, secret values are masked, --var values are kept only for variables the spec declares (and
not with secret-looking names), and fingerprints are one-way hashes.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import uuid
from pathlib import Path
from typing import Any

from gtops import __version__
from gtops.errors import GtopsError
from gtops.model import Address

FILE_FORMAT = "1"
MARKER = "gtops-plan-file"
APPLIED_TAG = "gtops:last-plan"
ABSENT = "absent"
SENSITIVE = "(sensitive value)"


class StalePlan(GtopsError):
    """The saved plan no longer describes what apply would do."""


def new_plan_id() -> str:
    return uuid.uuid4().hex[:16]


def now() -> str:
    return dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()


def _hash(value: Any) -> str:
    body = json.dumps(value, sort_keys=True, default=str)
    return hashlib.sha256(body.encode()).hexdigest()[:16]


def fingerprints(planned) -> dict[str, str]:
    """Fingerprints of what the plan is about: every spec resource (live, or "absent") and every change.

    Live resources outside the spec (another setup's teams, say) are left out: they cannot make this plan
    wrong, except through pruning, which the recomputed plan's checksum catches.
    """
    live = planned.plan.fingerprints
    # Every spec resource has a change (no-op included): these are the spec's (or targeted) resources.
    about = {str(c.address) for c in planned.plan.changes}
    out = {}
    for key in about:
        if key in live:
            out[key] = live[key]
    for change in planned.plan.changes:
        key = str(change.address)
        if key not in out:
            out[key] = ABSENT if change.before is None else _hash(change.before)
    return dict(sorted(out.items()))


def last_applied(planned) -> str | None:
    """The id of the last plan applied to this setup (the pool's `gtops:last-plan` tag), if any."""
    for res in planned.live.resources.values():
        if res.kind == "cognito_user_pool":
            return (res.attrs.get("tags") or {}).get(APPLIED_TAG)
    return None


def record_applied(planned, plan_id: str) -> bool:
    """Mark the setup with the plan just applied; False when there is no pool to carry the marker."""
    pool_id = planned.live.ids.pool_id
    if not pool_id:
        return False
    idp = planned.aws.client("cognito-idp")
    # the ARN the plan read, when it is still this pool's (an apply may have made a new one)
    arn = planned.live.ids.pool_arn
    if not (arn and arn.endswith(f":userpool/{pool_id}")):
        arn = idp.describe_user_pool(UserPoolId=pool_id)["UserPool"].get("Arn")
    if not arn:
        return False
    idp.tag_resource(ResourceArn=arn, Tags={APPLIED_TAG: plan_id})
    return True


def _rel(path: Path) -> str:
    try:
        return os.path.relpath(path)
    except ValueError:  # another drive on Windows
        return str(path)


def file_hashes(files: list[Path]) -> dict[str, str]:
    return {_rel(f): hashlib.sha256(f.read_bytes()).hexdigest() for f in files}


def safe_vars(cli_vars: dict[str, str], declared: frozenset[str] = frozenset()) -> dict[str, str]:
    """--var values as a plan file may keep them: only variables the spec declares (in `vars:`) and whose
    names do not look secret; every other value must be given again to apply the plan."""
    from gtops.render._values import is_sensitive

    return {
        k: (SENSITIVE if k not in declared or is_sensitive([k], v) else v)
        for k, v in sorted(cli_vars.items())
    }


def checksum(document: dict) -> str:
    body = json.dumps(document, sort_keys=True, default=str)
    return hashlib.sha256(body.encode()).hexdigest()


def build(planned, paths: list[Path], cli_vars: dict[str, str], targets: list[Address]) -> dict[str, Any]:
    from gtops.render.json import plan_document

    spec = planned.spec
    doc = plan_document(planned.plan)
    return {
        "format": MARKER,
        "format_version": FILE_FORMAT,
        "plan_id": new_plan_id(),
        "created": now(),
        "gtops_version": __version__,
        "region": planned.aws.region,
        "account": planned.plan.account,
        "setup": spec.setup.name,
        "spec": {
            "paths": [str(p) for p in paths],
            "files": file_hashes(list(spec.files)),
            "digest": spec.digest,
            "data_digest": spec.data_digest(),
            "vars": safe_vars(cli_vars, getattr(spec, "declared_vars", frozenset())),
        },
        "targets": [str(t) for t in targets],
        "previous_plan": last_applied(planned),
        "fingerprints": fingerprints(planned),
        "checksum": checksum(doc),
        "plan": doc,
    }


def write(document: dict, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    from gtops.redact import redact_data

    tmp.write_text(json.dumps(redact_data(document), sort_keys=True, indent=2, default=str) + "\n")
    tmp.replace(path)


MAX_JSON_DEPTH = 64


def read_json(path: Path) -> Any:
    """A JSON document from an untrusted file: size-bounded, nesting-bounded, one clear error."""
    from gtops.files import MAX_PLAN_FILE, read_bounded

    body = read_bounded(path, MAX_PLAN_FILE, "plan file")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise GtopsError(f"{path} is not a gtops plan file (not UTF-8 text)") from None
    depth = deepest = 0
    in_string = escaped = False
    for ch in text:  # Python's json parser recurses per level: measure before parsing
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in "[{":
            depth += 1
            deepest = max(deepest, depth)
            if deepest > MAX_JSON_DEPTH:
                raise GtopsError(f"{path} is not a gtops plan file (nested more than {MAX_JSON_DEPTH} deep)")
        elif ch in "]}":
            depth -= 1
    try:
        return json.loads(text)
    except json.JSONDecodeError as err:
        where = f"line {err.lineno} column {err.colno}: {err.msg.lower()}"
        raise GtopsError(f"{path} is not a gtops plan file (not valid JSON): {where}") from None


def plan_file_arg(paths: list[Path] | None) -> Path | None:
    """`gtops apply plan.json`: one argument that is a JSON plan file (spec files are YAML)."""
    if not paths or len(paths) != 1 or not paths[0].is_file():
        return None
    path = paths[0]
    try:
        with open(path, "rb") as fh:
            head = fh.read(64).decode("utf-8", errors="replace").lstrip()[:1]
    except OSError:
        return None
    if head != "{" and path.suffix != ".json":
        return None
    try:
        doc = read_json(path)
    except GtopsError:
        if path.suffix == ".json" or head == "{":
            raise
        return None
    if isinstance(doc, dict) and doc.get("format") == MARKER:
        return path
    if path.suffix == ".json":
        raise GtopsError(f"{path} is not a gtops plan file (write one with `gtops plan --out {path}`)")
    return None


# What apply reads from a plan file, the JSON type each must have and, for containers, of their items.
REQUIRED: dict[tuple[str, ...], tuple[type, type | None]] = {
    ("plan_id",): (str, None),
    ("checksum",): (str, None),
    ("region",): (str, None),
    ("account",): (str, None),
    ("fingerprints",): (dict, str),
    ("plan",): (dict, None),
    ("plan", "changes"): (list, dict),
    ("spec",): (dict, None),
    ("spec", "files"): (dict, str),
    ("spec", "paths"): (list, str),
    ("spec", "data_digest"): (str, None),
}
OPTIONAL: dict[tuple[str, ...], tuple[type, type | None]] = {
    ("spec", "vars"): (dict, str),
    ("targets",): (list, str),
    ("previous_plan",): (str, None),
}


def _shape_problem(doc: dict, keys: tuple[str, ...], kind: type, item: type | None, required: bool) -> str:
    value: Any = doc
    for key in keys:
        value = value.get(key) if isinstance(value, dict) else None
    name = ".".join(keys)
    if value is None:
        return f"{name} is missing" if required else ""
    if not isinstance(value, kind):
        return f"{name} is not a {kind.__name__}"
    items = value.values() if isinstance(value, dict) else value if isinstance(value, list) else []
    if item is not None and any(not isinstance(v, item) for v in items):
        return f"{name} holds something that is not a {item.__name__}"
    return ""


def load(path: Path) -> dict[str, Any]:
    doc = read_json(path)
    if not isinstance(doc, dict):
        raise GtopsError(f"{path} is not a gtops plan file (not a JSON object)")
    if doc.get("format_version") != FILE_FORMAT:
        raise GtopsError(
            f"{path} is a plan file of format {doc.get('format_version')!r}; this gtops reads format "
            f"{FILE_FORMAT!r}: make the plan again with this version"
        )
    shapes = [(k, v, True) for k, v in REQUIRED.items()] + [(k, v, False) for k, v in OPTIONAL.items()]
    for keys, (kind, item), required in shapes:
        why = _shape_problem(doc, keys, kind, item, required)
        if why:
            raise GtopsError(
                f"{path} is not a complete gtops plan file: {why}; "
                "make the plan again with `gtops plan --out`"
            )
    return doc


def spec_paths(doc: dict, path: Path) -> list[Path]:
    """The spec paths a plan file names, once every spec file they hold is known to be the one the plan was
    made from (same sha256). A plan file travels between pipeline jobs and may be tampered with: checking
    before parsing means gtops never reads a file the plan does not already know the content of (naming
    ~/.aws/credentials there would otherwise print parts of it in YAML errors)."""
    from gtops.spec.loader import spec_files

    paths = [Path(p) for p in doc["spec"]["paths"]]
    for named in paths:
        if named.exists() and not named.is_dir() and named.suffix not in (".yaml", ".yml"):
            raise GtopsError(
                f"{path}: spec.paths names {named}, which is not a spec file (*.yaml, *.yml) or folder; "
                "make the plan again with `gtops plan --out`"
            )
    problems: list = []
    files = spec_files(paths, problems)
    known = doc["spec"]["files"]
    unlisted = [f for f in files if _rel(f) not in known]
    if unlisted:  # not even hashed: a file the plan does not list is never opened
        raise StalePlan(
            f"the spec changed since plan {doc['plan_id']} was made: "
            f"{', '.join(f'{_rel(f)} (new)' for f in unlisted)}. Make and review a new plan."
        )
    now = file_hashes(files)
    moved = [f"{name} (new)" for name in now if name not in known]
    moved += [f"{name} (edited)" for name, digest in now.items() if name in known and known[name] != digest]
    if problems and not moved:
        from gtops.errors import SpecError

        raise SpecError(problems)
    if moved:
        raise StalePlan(
            f"the spec changed since plan {doc['plan_id']} was made: {', '.join(sorted(moved))}. "
            "Make and review a new plan."
        )
    return paths


def plan_vars(doc: dict, overrides: dict[str, str]) -> dict[str, str]:
    """Recorded variables, with --var given now on top (how variables not kept in the file come back)."""
    recorded = {k: v for k, v in (doc["spec"].get("vars") or {}).items() if v != SENSITIVE}
    missing = [k for k, v in (doc["spec"].get("vars") or {}).items() if v == SENSITIVE and k not in overrides]
    if missing:
        env_ok = [k for k in missing if f"GTOPS_VAR_{k}" in os.environ]
        missing = [k for k in missing if k not in env_ok]
    if missing:
        raise GtopsError(
            "the plan was made with variables whose values are not stored in the file (secret, or not "
            f"declared in the spec's vars:); pass them again: {', '.join(f'--var {k}=...' for k in missing)}"
        )
    return {**recorded, **overrides}


def spec_problems(doc: dict, spec) -> list[str]:
    """How the spec differs from the one the plan was made from (file by file)."""
    before = doc["spec"]["files"]
    after = file_hashes(list(spec.files))
    out = []
    for name in sorted(set(before) | set(after)):
        if name not in after:
            out.append(f"{name} (no longer read)")
        elif name not in before:
            out.append(f"{name} (new)")
        elif before[name] != after[name]:
            out.append(f"{name} (edited)")
    if not out and doc["spec"]["data_digest"] != spec.data_digest():
        out.append("the rendered spec (a variable or the environment feeding one changed)")
    return out


def live_problems(doc: dict, planned) -> list[str]:
    """Resources whose fingerprint moved since the plan, in words."""
    before: dict[str, str] = doc["fingerprints"]
    after = fingerprints(planned)
    out = []
    for address in sorted(set(before) | set(after)):
        was, now_ = before.get(address), after.get(address)
        if was == now_:
            continue
        if was in (None, ABSENT) and now_ not in (None, ABSENT):
            out.append(f"{address} was created outside this plan")
        elif now_ in (None, ABSENT) and was not in (None, ABSENT):
            out.append(f"{address} was deleted")
        elif was is not None and now_ is not None:
            out.append(f"{address} changed")
    return out


def changed_addresses(doc: dict, document_now: dict) -> list[str]:
    """Addresses whose planned change differs between the saved plan and the plan as it would be now."""
    saved = {c["address"]: c for c in doc["plan"]["changes"]}
    now_ = {c["address"]: c for c in document_now["changes"]}
    out = [a for a in sorted(set(saved) | set(now_)) if saved.get(a) != now_.get(a)]
    if not out and doc["plan"].get("warnings") != document_now.get("warnings"):
        out.append("(the plan's warnings)")
    return out
