"""`gtops export`: read a live setup and write the spec that describes it, the way to adopt a setup built by
hand (peribolos's --dump, Terraform's generated configuration).

The spec is written in the spec language's own vocabulary, from the same live readers `plan` uses, so it
plans to no changes, except what adoption itself adds: gtops's ownership tags on the pool, workforce and
teams and, when teams notify workers, each worker's topic subscription. Secrets are never read into it (the
client secret is dropped as soon as it is described).
"""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gtops.errors import GtopsError
from gtops.kinds.user_group import split_description
from gtops.model import OWNER_TAG, SETUP_TAG

CSV_THRESHOLD = 25  # more workers than this go to workers.csv (with --out)
GTOPS_TAG = re.compile(r"^gtops:")
SETUP_NAME = re.compile(r"[^A-Za-z0-9_.-]")


@dataclass
class Exported:
    data: dict[str, Any]
    notes: list[str] = field(default_factory=list)
    workers_csv: str | None = None  # CSV text when the roster is written apart
    files: dict[str, str] = field(default_factory=dict)  # extra files (UI templates): relative path -> text


def _user_tags(tags: dict | None) -> dict[str, str]:
    return {k: v for k, v in sorted((tags or {}).items()) if not GTOPS_TAG.match(k)}


def _private_workforce(sm) -> dict | None:
    for page in sm.get_paginator("list_workforces").paginate():
        for wf in page.get("Workforces", []):
            if wf.get("CognitoConfig"):
                return wf
    return None


def _resolve_pool(aws, pool_name: str | None, pool_id: str | None, wf: dict | None) -> str:
    from gtops.kinds.cognito import find_pool_id

    if pool_id or pool_name:
        if pool_id and not pool_name:
            idp = aws.client("cognito-idp")
            try:
                idp.describe_user_pool(UserPoolId=pool_id)
            except Exception:
                raise GtopsError(f"no user pool {pool_id} in {aws.region}") from None
            return pool_id
        found = find_pool_id(aws, pool_name, pool_id)
        if not found:
            raise GtopsError(f"no user pool named {pool_name!r} in {aws.region}")
        return found
    if wf:
        return wf["CognitoConfig"]["UserPool"]
    idp = aws.client("cognito-idp")
    pools = [
        p for page in idp.get_paginator("list_user_pools").paginate(MaxResults=60) for p in page["UserPools"]
    ]
    if len(pools) == 1:
        return pools[0]["Id"]
    names = ", ".join(f"{p['Name']} ({p['Id']})" for p in pools) or "none"
    raise GtopsError(
        f"the region {aws.region} has no private workforce to follow to its pool; name the pool with --pool "
        f"or --pool-id (pools: {names})"
    )


def _portal_text(text: str, subdomain: str | None) -> str:
    return text.replace(f"https://{subdomain}", "{portal_url}") if subdomain else text


def _duration(seconds: int) -> str:
    from gtops.spec.durations import format_duration

    return format_duration(int(seconds))


def export_setup(
    aws,
    pool_name: str | None = None,
    pool_id: str | None = None,
    name: str | None = None,
    csv_name: str | None = None,
) -> Exported:
    from gtops.kinds.app_client import live_attrs as client_attrs
    from gtops.kinds.client_oauth import live_attrs as oauth_attrs
    from gtops.kinds.invitation import live_attrs as invitation_attrs
    from gtops.kinds.user_pool import live_attrs as pool_attrs

    idp = aws.client("cognito-idp")
    sm = aws.client("sagemaker")
    wf = _private_workforce(sm)
    pid = _resolve_pool(aws, pool_name, pool_id, wf)
    pool = idp.describe_user_pool(UserPoolId=pid)["UserPool"]
    if wf and wf["CognitoConfig"].get("UserPool") != pid:
        wf = None  # the region's workforce belongs to another pool
    subdomain = (wf or {}).get("SubDomain")
    notes: list[str] = []

    p = pool_attrs(pool)
    setup = name or (p["tags"].get(SETUP_TAG)) or SETUP_NAME.sub("-", p["name"])[:63]
    data: dict[str, Any] = {"name": setup, "region": aws.region}

    # Teams first: they name the topic and the client.
    teams_live = []
    for page in sm.get_paginator("list_workteams").paginate():
        for team in page.get("Workteams", []):
            defs = [
                m["CognitoMemberDefinition"]
                for m in team.get("MemberDefinitions") or []
                if m.get("CognitoMemberDefinition")
            ]
            if defs and all(d.get("UserPool") == pid for d in defs):
                teams_live.append(team)
                subdomain = subdomain or team.get("SubDomain")
    topic_arns = sorted(
        {(t.get("NotificationConfiguration") or {}).get("NotificationTopicArn") for t in teams_live} - {None}
    )
    if len(topic_arns) > 1:
        notes.append(f"teams notify {len(topic_arns)} different topics; only {topic_arns[0]} is kept")
    if topic_arns:
        arn = topic_arns[0]
        sns = aws.client("sns")
        tags = {t["Key"]: t["Value"] for t in sns.list_tags_for_resource(ResourceArn=arn).get("Tags", [])}
        owned = tags.get(OWNER_TAG) == "true" and tags.get(SETUP_TAG) == setup
        data["notifications"] = {"topic": arn.rsplit(":", 1)[-1]} if owned else {"topic_arn": arn}

    spec_pool: dict[str, Any] = {"name": p["name"]}
    if (
        len(
            [
                1
                for page in idp.get_paginator("list_user_pools").paginate(MaxResults=60)
                for x in page["UserPools"]
                if x["Name"] == p["name"]
            ]
        )
        > 1
    ):
        spec_pool["id"] = pid
    for key in ("sign_in", "case_sensitive", "deletion_protection", "admin_only_create", "mfa"):
        spec_pool[key] = p[key]
    if p["password_policy"]:
        spec_pool["password_policy"] = p["password_policy"]
    if p["email"]:
        spec_pool["email"] = p["email"]
    invitation = {k: _portal_text(v, subdomain) for k, v in invitation_attrs(pool).items()}
    if invitation:
        spec_pool["invitation"] = invitation
    if _user_tags(p["tags"]):
        spec_pool["tags"] = _user_tags(p["tags"])
    data["pool"] = spec_pool

    groups = []
    for page in idp.get_paginator("list_groups").paginate(UserPoolId=pid, PaginationConfig={"PageSize": 60}):
        for g in page.get("Groups", []):
            entry: dict[str, Any] = {"name": g["GroupName"]}
            description, _ = split_description(g.get("Description"))
            if description:
                entry["description"] = description
            if g.get("Precedence") is not None:
                entry["precedence"] = g["Precedence"]
            groups.append(entry)
    if groups:
        data["groups"] = groups

    client_id = (wf or {}).get("CognitoConfig", {}).get("ClientId")
    if not client_id:
        used = {
            d["ClientId"]
            for t in teams_live
            for m in t["MemberDefinitions"]
            if (d := m.get("CognitoMemberDefinition"))
        }
        clients = [
            c
            for page in idp.get_paginator("list_user_pool_clients").paginate(
                UserPoolId=pid, PaginationConfig={"PageSize": 60}
            )
            for c in page["UserPoolClients"]
        ]
        chosen = [c["ClientId"] for c in clients if c["ClientId"] in used] or [c["ClientId"] for c in clients]
        client_id = chosen[0] if chosen else None
        if len(chosen) > 1:
            notes.append(f"the pool has {len(chosen)} app clients; exported {client_id}")
    if client_id:
        client = idp.describe_user_pool_client(UserPoolId=pid, ClientId=client_id)["UserPoolClient"]
        has_secret = client.pop("ClientSecret", None) is not None
        c = client_attrs(client, has_secret)
        spec_client: dict[str, Any] = {"name": c["name"], "generate_secret": c["generate_secret"]}
        if c["auth_flows"]:
            spec_client["auth_flows"] = c["auth_flows"]
        spec_client["token_revocation"] = c["token_revocation"]
        if c["token_validity"]:
            spec_client["token_validity"] = {k: _duration(v) for k, v in c["token_validity"].items()}
        o = oauth_attrs(client)
        spec_client["oauth"] = {k: o[k] for k in ("flows", "scopes", "identity_providers")}
        portal = f"https://{subdomain}" if subdomain else None
        if o["callback_urls"] and (not portal or o["callback_urls"] != [f"{portal}/oauth2/idpresponse"]):
            spec_client["callback_urls"] = o["callback_urls"]
        if o["logout_urls"] and (not portal or o["logout_urls"] != [f"{portal}/logout"]):
            spec_client["logout_urls"] = o["logout_urls"]
        data["client"] = spec_client

    if pool.get("Domain"):
        data["domain"] = pool["Domain"]
    if wf:
        spec_wf: dict[str, Any] = {"name": wf["WorkforceName"]}
        cidrs = sorted((wf.get("SourceIpConfig") or {}).get("Cidrs") or [])
        if cidrs:
            spec_wf["source_ips"] = cidrs
        data["workforce"] = spec_wf

    teams = []
    for team in sorted(teams_live, key=lambda t: t["WorkteamName"]):
        entry = {
            "name": team["WorkteamName"],
            "description": team.get("Description") or f"{team['WorkteamName']} work team",
            "groups": sorted(m["CognitoMemberDefinition"]["UserGroup"] for m in team["MemberDefinitions"]),
            "notifications": bool((team.get("NotificationConfiguration") or {}).get("NotificationTopicArn")),
        }
        tags = _user_tags(
            {
                t["Key"]: t["Value"]
                for page in sm.get_paginator("list_tags").paginate(ResourceArn=team["WorkteamArn"])
                for t in page.get("Tags", [])
            }
        )
        if tags:
            entry["tags"] = tags
        teams.append(entry)
    if teams:
        data["teams"] = teams

    out = Exported(data, notes)
    _export_members(aws, pid, pool, data, out, csv_name)
    _export_jobs(aws, data, {t["WorkteamArn"]: t["WorkteamName"] for t in teams_live}, out)
    return out


def spreadsheet_safe(cell: str) -> str:
    """A cell a spreadsheet shows as text: one starting with = + - @ (or a tab or carriage return) would run
    as a formula when the roster is opened (CSV injection; OWASP's advice is a leading apostrophe, which the
    roster reader drops again)."""
    return "'" + cell if cell[:1] in ("=", "+", "-", "@", "\t", "\r") else cell


def _export_members(aws, pid: str, pool: dict, data: dict, out: Exported, csv_name: str | None) -> None:
    from gtops.members.read import group_members, list_users

    users = list_users(aws, pid)
    if not users:
        return
    in_group: dict[str, set[str]] = {}
    for g in data.get("groups") or []:
        for username in group_members(aws, pid, g["name"]):
            in_group.setdefault(username, set()).add(g["name"])
    workers = []
    skipped = []
    for u in sorted(users, key=lambda u: (u.email or "").lower()):
        if not u.email:
            skipped.append(u.username)
            continue
        w: dict[str, Any] = {"email": u.email}
        if u.phone:
            w["phone"] = u.phone
        w["groups"] = sorted(in_group.get(u.username, set()))
        w["enabled"] = u.enabled
        if u.attributes:
            w["attributes"] = dict(sorted(u.attributes.items()))
        workers.append(w)
    if skipped:
        out.notes.append(
            f"{len(skipped)} users have no e-mail and are not exported: {', '.join(skipped[:10])}"
        )
    # The members are adopted as they are: no invitation e-mail for people who already have accounts.
    members: dict[str, Any] = {"invitation": "suppress"}
    if csv_name and len(workers) > CSV_THRESHOLD:
        attrs = sorted({k for w in workers for k in (w.get("attributes") or {})})
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        writer.writerow([spreadsheet_safe(c) for c in ["email", "phone", "groups", "enabled", *attrs]])
        for w in workers:
            row = [w["email"], w.get("phone", ""), ";".join(w["groups"]), "true" if w["enabled"] else "false"]
            row += [(w.get("attributes") or {}).get(a, "") for a in attrs]
            writer.writerow([spreadsheet_safe(c) for c in row])
        out.workers_csv = buf.getvalue()
        members["csv"] = csv_name
    else:
        members["workers"] = workers
    data["members"] = members


def _export_jobs(aws, data: dict, team_names: dict[str, str], out: Exported) -> None:
    """Jobs gtops created export as entries that plan to no changes; hand-made ones are only listed.

    A gtops job's label file and UI template sit under its assets prefix, named by their content's hash, so
    the same labels and template give the same request. A job made by hand points at files of its own, which
    no spec entry can reproduce (jobs are immutable), so it is named in the header, not exported.
    """
    from gtops.jobs import live as jl
    from gtops.jobs import s3 as s3u
    from gtops.jobs.prepare import BUILTIN_KEY, view_of
    from gtops.jobs.results import label_categories

    if not team_names:
        return
    sm = aws.client("sagemaker")
    s3 = aws.client("s3")
    jobs = []
    for summary in sorted(jl.list_jobs(sm).values(), key=lambda s: s["LabelingJobName"]):
        job = jl.describe(sm, summary["LabelingJobName"])
        human = (job or {}).get("HumanTaskConfig") or {}
        if not job or human.get("WorkteamArn") not in team_names:
            continue
        name, status = job["LabelingJobName"], job.get("LabelingJobStatus")
        view = view_of(job, team_names)
        labels_uri = job.get("LabelCategoryConfigS3Uri") or ""
        template_uri = (human.get("UiConfig") or {}).get("UiTemplateS3Uri") or ""
        made_by_gtops = (
            jl.tags_of(job).get(SETUP_TAG) == data["name"]
            and (not labels_uri or re.search(r"/labels-[0-9a-f]{16}\.json$", labels_uri))
            and (
                not template_uri
                or re.search(r"/template-(builtin-[a-z_]+-)?[0-9a-f]{16}\.html$", template_uri)
            )
        )
        if not made_by_gtops:
            out.notes.append(
                f"labeling job {name} ({status}) was made outside gtops: its files cannot be expressed in a "
                "spec, so it is not exported (jobs are immutable; a new job in the spec needs a new name)"
            )
            continue
        entry: dict[str, Any] = {"name": name, "task_type": view["task_type"], "team": view.get("team")}
        if view["workforce"] == "public":
            entry.pop("team")
            entry["workforce"] = "public"
            entry["price_per_task"] = view.get("price_per_task")
        if labels_uri:
            body = json.loads(s3u.read(s3, labels_uri))
            entry["labels"] = [
                {"label": x["label"], "short_name": x["shortDisplayName"]}
                if x.get("shortDisplayName")
                else x["label"]
                for x in body.get("labels") or []
            ] or label_categories(json.dumps(body).encode())
            instructions = body.get("instructions") or {}
            if instructions:
                entry["instructions"] = {
                    k: instructions[v]
                    for k, v in (("short", "shortInstruction"), ("full", "fullInstruction"))
                    if instructions.get(v)
                }
        entry["input"] = {"manifest": view["input"]}
        assets = (labels_uri or template_uri).rsplit("/", 1)[0] + "/"
        entry["assets"] = assets
        entry["output"] = view["output"]
        entry["role"] = view["role"]
        if template_uri and not BUILTIN_KEY.search(template_uri):
            rel = f"ui/{name}.liquid.html"
            out.files[rel] = s3u.read(s3, template_uri).decode()
            entry["template"] = rel
        if view["task_type"] == "custom":
            entry["lambdas"] = {
                "pre": view["lambdas"]["pre"],
                "consolidation": view["lambdas"]["consolidation"],
            }
        entry["label_attribute"] = view["label_attribute"]
        entry["workers_per_object"] = view["workers_per_object"]
        entry["task_time_limit"] = _duration(view["task_time_limit"])
        entry["task_availability"] = _duration(view["task_availability"])
        entry["max_concurrent_tasks"] = view["max_concurrent_tasks"]
        entry["title"] = view["title"]
        entry["description"] = view["description"]
        for key in ("keywords", "content_classifiers", "stopping", "kms_key"):
            if view.get(key):
                entry[key] = view[key]
        tags = _user_tags(jl.tags_of(job))
        if tags:
            entry["tags"] = tags
        jobs.append(entry)
    if jobs:
        data["jobs"] = jobs


class _Dumper:
    """YAML with the spec's key order, block style, and strings quoted only where YAML needs it."""

    @staticmethod
    def dump(data: dict) -> str:
        import yaml

        class D(yaml.SafeDumper):
            pass

        def text(dumper, value: str):
            style = "|" if "\n" in value else None
            if style is None and ("{" in value or "}" in value):
                style = '"'
            return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)

        D.add_representer(str, text)
        return yaml.dump(
            data, Dumper=D, sort_keys=False, allow_unicode=True, width=110, default_flow_style=False
        )


def to_yaml(exported: Exported, source: str) -> str:
    header = [
        f"# Exported by `gtops export` from {source}.",
        "# Review it, commit it, then `gtops plan` shows what adopting this setup changes (ownership tags).",
    ]
    header += [f"# Note: {n}" for n in exported.notes]
    body = _Dumper.dump(exported.data)
    # Spec files go through jinja2: a literal `{{` or `{%` in a value must come out as written.
    body = re.sub(r"\{([{%])", lambda m: "{{ '{" + m.group(1) + "' }}", body)
    return "\n".join(header) + "\n" + body


def check_writable_folder(out: Path) -> None:
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise GtopsError(f"cannot write the export to {out}: {err.strerror or err}") from None
    if not out.is_dir():
        raise GtopsError(f"cannot write the export to {out}: not a folder")


def write(exported: Exported, source: str, out: Path | None) -> list[Path]:
    text = to_yaml(exported, source)
    if out is None:
        print(text, end="")
        return []
    written: list[Path] = []
    try:
        out.mkdir(parents=True, exist_ok=True)
        spec_path = out / f"{exported.data['name']}.yaml"
        spec_path.write_text(text)
        written.append(spec_path)
        if exported.workers_csv is not None:
            path = out / exported.data["members"]["csv"]
            path.write_text(exported.workers_csv)
            written.append(path)
        for rel, body in exported.files.items():
            path = out / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(body)
            written.append(path)
    except OSError as err:
        done = f" (already written: {', '.join(map(str, written))})" if written else ""
        raise GtopsError(f"cannot write the export to {out}: {err.strerror or err}{done}") from None
    return written
