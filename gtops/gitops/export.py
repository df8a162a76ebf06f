"""`gtops export`: read a live setup and write the spec that describes it, the way to adopt a setup built by
hand (peribolos's --dump, Terraform's generated configuration).

The setup is first discovered in the region (`discover`): the pool (--pool, --pool-id, or the one the
region's private workforce uses), the app client its workforce or teams sign in through, the teams built on
it, the topic they notify, and the region's private workforce. It is then read with the same live readers
`plan` uses (gtops.live.read_live), and each kind writes its own part of the spec from what its reader found
(its `export` hook, gtops/kinds/<kind>.py), in the spec language's own vocabulary. So the spec plans to no
changes, except what adoption itself adds: gtops's ownership tags on the pool, workforce and teams and, when
teams notify workers, each worker's topic subscription. Secrets are never read into it (the client secret is
dropped as soon as it is described). A workforce the spec language cannot describe (one that signs workers
in through an OIDC identity provider) is named in the exported file's header, not exported.
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from gtops.errors import AmbiguousResource, GtopsError
from gtops.kinds.base import AwsHandle, Export
from gtops.kinds.user import spreadsheet_safe
from gtops.model import SETUP_TAG, Address
from gtops.setup import Setup

SETUP_NAME = re.compile(r"[^A-Za-z0-9_.-]")

# What export_setup returns: the exported spec (`data`), the notes for its header and the files written
# beside it (the roster, UI templates), with the setup and live state it was written from.
Exported = Export

__all__ = [
    "Exported",
    "check_writable_folder",
    "discover",
    "export_setup",
    "spreadsheet_safe",
    "to_yaml",
    "write",
]


def _pick_pool(
    aws: AwsHandle,
    pools: list[dict[str, Any]],
    pool_name: str | None,
    pool_id: str | None,
    wf: dict[str, Any] | None,
) -> dict[str, Any]:
    """The pool to export (as ListUserPools describes it): the one named, else the region's workforce's,
    else the region's only pool."""
    if pool_id:
        found = [p for p in pools if p["Id"] == pool_id]
        if not found:
            raise GtopsError(f"no user pool {pool_id} in {aws.region}")
        if pool_name and found[0]["Name"] != pool_name:
            raise GtopsError(f"the user pool {pool_id} is named {found[0]['Name']!r}, not {pool_name!r}")
        return found[0]
    if pool_name:
        found = [p for p in pools if p["Name"] == pool_name]
        if not found:
            raise GtopsError(f"no user pool named {pool_name!r} in {aws.region}")
        if len(found) > 1:
            ids = ", ".join(sorted(p["Id"] for p in found))
            raise AmbiguousResource(
                f"{len(found)} user pools are named {pool_name!r} in {aws.region}: {ids}. "
                "Name the one to export with --pool-id."
            )
        return found[0]
    followed = ((wf or {}).get("CognitoConfig") or {}).get("UserPool")
    found = [p for p in pools if followed and p["Id"] == followed]
    if found:
        return found[0]
    if len(pools) == 1:
        return pools[0]
    names = ", ".join(f"{p['Name']} ({p['Id']})" for p in pools) or "none"
    if wf is not None and wf.get("OidcConfig"):
        why = (
            f"the region {aws.region}'s private workforce {wf['WorkforceName']} signs workers in through an "
            "OIDC identity provider, not a user pool"
        )
    else:
        why = f"the region {aws.region} has no private workforce to follow to its pool"
    raise GtopsError(f"{why}; name the pool with --pool or --pool-id (pools: {names})")


def discover(
    aws: AwsHandle, pool_name: str | None = None, pool_id: str | None = None
) -> tuple[Setup, list[str]]:
    """The setup to export, found in the region with the kinds' own listings, and notes on what was chosen.

    It names what the live readers then read: the pool (pinned by id only when another pool has its name),
    the app client its workforce (or else its teams) signs in through, the teams built on the pool, the
    topic they notify, and the region's private workforce (whichever pool or identity provider it uses: its
    export hook says what becomes of it). Its name is a placeholder until the pool's tags are read.
    """
    from gtops.kinds import app_client, cognito, sagemaker
    from gtops.kinds.app_client import ClientSpec
    from gtops.kinds.invitation import InvitationSpec
    from gtops.kinds.sns_topic import TopicSpec
    from gtops.kinds.user_pool import PoolSpec
    from gtops.kinds.workforce import WorkforceSpec
    from gtops.kinds.workteam import TeamSpec

    notes: list[str] = []
    private = sagemaker.private_workforces(aws)
    wf = private[0] if private else None
    pools = cognito.user_pools(aws)
    pool = _pick_pool(aws, pools, pool_name, pool_id, wf)
    pid = pool["Id"]
    pinned = pid if sum(p["Name"] == pool["Name"] for p in pools) > 1 else None
    teams = sorted(
        (t for t in sagemaker.workteams(aws) if sagemaker.built_on(t, pid)), key=lambda t: t["WorkteamName"]
    )

    topics = sorted({arn for t in teams if (arn := sagemaker.notification_topic(t))})
    if len(topics) > 1:
        notes.append(f"teams notify {len(topics)} different topics; only {topics[0]} is kept")
    topic = TopicSpec(topics[0].rsplit(":", 1)[-1], topics[0]) if topics else None

    clients = {c["ClientId"]: c["ClientName"] for c in app_client.clients(aws, pid)}
    config = (wf or {}).get("CognitoConfig") or {}
    if config.get("UserPool") == pid and config.get("ClientId") in clients:
        client_id: str | None = config["ClientId"]
    else:
        used = {m["ClientId"] for t in teams for m in sagemaker.cognito_members(t)}
        chosen = [c for c in clients if c in used] or list(clients)
        client_id = chosen[0] if chosen else None
        if len(chosen) > 1:
            notes.append(f"the pool has {len(chosen)} app clients; exported {client_id}")

    setup = Setup(
        name=pool["Name"],
        region=aws.region,
        topic=topic,
        # An (empty) invitation asks its reader for the pool's; the pool's custom attributes are all read.
        pool=PoolSpec(pool["Name"], id=pinned, invitation=InvitationSpec()),
        client=ClientSpec(clients[client_id]) if client_id else None,
        workforce=WorkforceSpec(wf["WorkforceName"]) if wf else None,
        teams=tuple(
            TeamSpec(
                name=t["WorkteamName"],
                groups=tuple(sagemaker.cognito_groups(t)),
                description=t.get("Description") or "",
                notifications=sagemaker.notification_topic(t) is not None,
            )
            for t in teams
        ),
    )
    return setup, notes


def _merge(data: dict[str, Any], part: Mapping[str, Any] | None) -> None:
    """A kind's part into the spec: a mapping merges key by key into a section an earlier kind wrote."""
    for key, value in (part or {}).items():
        if isinstance(value, Mapping) and isinstance(data.get(key), dict):
            data[key].update(value)
        else:
            data[key] = dict(value) if isinstance(value, Mapping) else value


def _in_spec_order(data: dict[str, Any]) -> None:
    """Each section's keys in the order its schema lists them (a merged part lands where it belongs)."""
    from gtops.kinds import REGISTRY

    for kind in REGISTRY:
        section = data.get(kind.spec_key) if kind.spec_key else None
        if kind.spec_key and kind.schema and isinstance(section, dict):
            order = list(kind.schema().get("properties") or {})
            rank = {key: i for i, key in enumerate(order)}
            data[kind.spec_key] = dict(sorted(section.items(), key=lambda kv: rank.get(kv[0], len(order))))


def export_setup(
    aws: AwsHandle,
    pool_name: str | None = None,
    pool_id: str | None = None,
    name: str | None = None,
    csv_name: str | None = None,
) -> Exported:
    """Discover the setup, read it with the live readers, and let each kind write its part of the spec.

    The setup is named `name`, else as the pool's gtops:setup tag says, else after the pool.
    """
    from gtops.kinds import REGISTRY, user_pool
    from gtops.live import read_live

    setup, notes = discover(aws, pool_name, pool_id)
    assert setup.pool is not None
    live = read_live(aws, setup)
    pool = live.get(Address(user_pool.NAME, setup.pool.name))
    if pool is None:
        raise GtopsError(f"the user pool {setup.pool.name!r} went away while it was being read")
    found = pool.attrs.get("tags") or {}
    setup = replace(setup, name=name or found.get(SETUP_TAG) or SETUP_NAME.sub("-", setup.pool.name)[:63])
    run = Export(aws, setup, live, {"name": setup.name, "region": aws.region}, notes, csv_name=csv_name)
    for kind in REGISTRY:  # dependency order: the spec's sections come out in the schema's order
        if kind.export is not None:
            _merge(run.data, kind.export(run))
    _in_spec_order(run.data)
    return run


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
    for note in exported.notes:
        header += textwrap.wrap(
            note, 110, initial_indent="# Note: ", subsequent_indent="#   ", break_on_hyphens=False
        )
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
        for rel, body in exported.files.items():
            path = out / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(body)
            written.append(path)
    except OSError as err:
        done = f" (already written: {', '.join(map(str, written))})" if written else ""
        raise GtopsError(f"cannot write the export to {out}: {err.strerror or err}{done}") from None
    return written
