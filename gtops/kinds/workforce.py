"""sagemaker_workforce: the private workforce, one per account and region, tied to the pool and client.

The region's workforce answers to the spec's workforce address whatever its name, so a different name plans
as a (protected) replacement, never as a second create that AWS would refuse.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from gtops.errors import GtopsError
from gtops.kinds import cognito, sagemaker
from gtops.kinds.base import APPLY, DESTROY, AwsHandle, Export, Kind, Use
from gtops.model import Address, Resource
from gtops.spec import fields as f

if TYPE_CHECKING:
    from gtops.apply.context import ApplyContext
    from gtops.live import LiveState
    from gtops.plan import Change
    from gtops.setup import Setup

NAME = "sagemaker_workforce"
SPEC_KEY = "workforce"
OIDC = "(OIDC identity provider)"


@dataclass(frozen=True)
class WorkforceSpec:
    name: str = "default"
    source_ips: tuple[str, ...] | None = None
    tags: Mapping[str, str] = field(default_factory=dict)


def parse(raw: Mapping[str, Any] | None) -> WorkforceSpec | None:
    if raw is None:
        return None
    ips = raw.get("source_ips")
    return WorkforceSpec(
        raw.get("name", "default"), tuple(ips) if ips is not None else None, dict(raw.get("tags") or {})
    )


def schema() -> dict[str, Any]:
    return f.obj(
        "The private SageMaker workforce (one per account and region), tied to the pool and client.",
        {
            "name": f.text(
                "Workforce name, default 'default'.",
                f.WORKFORCE_NAME,
                "use letters, digits and hyphens, starting with a letter or digit, at most 63 characters",
            ),
            "source_ips": f.array(
                "CIDR ranges allowed to use the worker portal (1-10).",
                f.text("An IPv4 or IPv6 CIDR, e.g. 203.0.113.0/24.", minLength=4, maxLength=64),
                minItems=1,
                maxItems=10,
                uniqueItems=True,
            ),
            "tags": f.tags(
                "Tags given to the workforce when gtops creates it. AWS's tag operations do not take a"
                " workforce (ListTags answers 'Invalid resource type: workforce'), so they are never read"
                " back or changed."
            ),
        },
    )


def address(setup: Setup) -> Address | None:
    return Address(NAME, setup.workforce.name) if setup.workforce else None


def desired(setup: Setup) -> list[Resource]:
    from gtops.kinds import app_client, domain, user_pool

    wf = setup.workforce
    if wf is None:
        return []
    attrs: dict[str, Any] = {"name": wf.name}
    if setup.pool:
        attrs["user_pool"] = setup.pool.name
    if setup.client:
        attrs["client"] = setup.client.name
    if wf.source_ips is not None:
        attrs["source_ips"] = sorted(wf.source_ips)
    # No tags here: they go with CreateWorkforce only (see create()). AWS's tag operations refuse a workforce
    # ("Invalid resource type: workforce", hashicorp/terraform-provider-aws#20065), so they can be neither
    # read back nor changed, and a value that cannot be read is not planned.
    deps = tuple(a for a in (user_pool.address(setup), app_client.address(setup), domain.address(setup)) if a)
    return [Resource(Address(NAME, wf.name), attrs, depends_on=deps)]


def _name_for(value: str | None, known_id: str | None, name: str | None) -> str | None:
    """Show a pool or client id as the spec's name when it is the one gtops manages, else the raw id."""
    if value is None:
        return None
    return name if name and known_id == value else value


def live_attrs(wf: Mapping[str, Any], state: LiveState, setup: Setup) -> dict[str, Any]:
    pool_name = setup.pool.name if setup.pool else None
    client_name = setup.client.name if setup.client else None
    config = wf.get("CognitoConfig") or {}
    attrs: dict[str, Any] = {
        "name": wf["WorkforceName"],
        "user_pool": _name_for(config.get("UserPool"), state.ids.pool_id, pool_name),
        "client": _name_for(config.get("ClientId"), state.ids.client_id, client_name),
        "source_ips": sorted((wf.get("SourceIpConfig") or {}).get("Cidrs") or []),
    }
    if wf.get("OidcConfig"):
        attrs["user_pool"] = OIDC
    return attrs


def read(aws: AwsHandle, setup: Setup, state: LiveState) -> None:
    if setup.workforce is None and not setup.teams:
        return
    private = sagemaker.private_workforces(aws)
    if not private:
        return
    wf = private[0]
    attrs = live_attrs(wf, state, setup)
    state.ids.workforce_name = wf["WorkforceName"]
    state.ids.workforce_arn = wf["WorkforceArn"]
    if wf.get("SubDomain"):
        state.ids.subdomain = wf["SubDomain"]
    name = setup.workforce.name if setup.workforce else wf["WorkforceName"]
    meta = {"arn": wf["WorkforceArn"], "subdomain": wf.get("SubDomain")}
    if wf.get("OidcConfig"):
        meta["issuer"] = wf["OidcConfig"].get("Issuer")
    state.add(Resource(Address(NAME, name), attrs, meta=meta))


def _on_the_pool(setup: Setup, live: LiveState) -> Resource | None:
    """The live workforce when it is the setup's pool's (not an OIDC one, not another pool's)."""
    res = live.get(Address(NAME, setup.workforce.name)) if setup.workforce else None
    pool = setup.pool.name if setup.pool else None
    return res if res is not None and pool and res.attrs.get("user_pool") == pool else None


def portal(setup: Setup, live: LiveState) -> str | None:
    """The worker portal's host as an exported spec knows it: its workforce's, else its first team's (as
    `{portal_url}` and the client's default URLs resolve when it is planned)."""
    from gtops.kinds import workteam

    wf = _on_the_pool(setup, live)
    address = wf.address if wf else next(iter(workteam.addresses(setup)), None)
    return live.lookup(address, "subdomain") if address else None


def export(run: Export) -> dict[str, Any] | None:
    """The region's workforce when it signs workers in through the exported pool; otherwise a note."""
    spec = run.setup.workforce
    res = run.live.get(Address(NAME, spec.name)) if spec else None
    if res is None:
        return None
    attrs = res.attrs
    if attrs.get("user_pool") == OIDC:
        teams = sorted(
            r.name
            for r in run.live.of_kind("sagemaker_workteam")
            if r.attrs.get("workforce") == attrs["name"]
        )
        issuer = f" ({res.meta['issuer']})" if res.meta.get("issuer") else ""
        run.notes.append(
            f"the region's private workforce {attrs['name']} signs workers in through an OIDC identity "
            f"provider{issuer}, which the spec language cannot manage: it is not exported"
            + (f", nor are its teams ({', '.join(teams)})" if teams else "")
            + ". Only what is on the user pool is exported."
        )
        return None
    if _on_the_pool(run.setup, run.live) is None:
        run.notes.append(
            f"the region's private workforce {attrs['name']} signs workers in through another user pool "
            f"({attrs.get('user_pool')}): it is not exported"
        )
        return None
    out: dict[str, Any] = {"name": attrs["name"]}
    if attrs.get("source_ips"):
        out["source_ips"] = attrs["source_ips"]
    return {SPEC_KEY: out}  # (no tags: AWS cannot list a workforce's tags)


def _record(ctx: ApplyContext, wf: Mapping[str, Any]) -> None:
    ctx.ids.workforce_name = wf["WorkforceName"]
    ctx.ids.workforce_arn = wf["WorkforceArn"]
    if wf.get("SubDomain"):
        ctx.ids.subdomain = wf["SubDomain"]


def create(ctx: ApplyContext, change: Change) -> None:
    attrs = change.after or {}
    existing = sagemaker.private_workforces(ctx.aws)
    if existing and existing[0].get("Status") == "Deleting":  # the delete half of a replacement, or a
        # delete an earlier run left going: AWS allows one workforce per region, so the create waits for it
        sagemaker.wait_for_workforce_gone(ctx.aws, existing[0]["WorkforceName"], ctx.say)
        existing = sagemaker.private_workforces(ctx.aws)
    if existing:
        if existing[0]["WorkforceName"] != attrs["name"]:
            raise GtopsError(
                f"this region already has the private workforce {existing[0]['WorkforceName']!r} and AWS "
                "allows only one; name it in the spec to adopt it"
            )
        update(ctx, change)
        return
    wanted = ctx.setup.workforce
    request: dict[str, Any] = {
        "WorkforceName": attrs["name"],
        "CognitoConfig": {"UserPool": cognito.pool_id(ctx), "ClientId": cognito.client_id(ctx)},
        "Tags": sagemaker.tag_list(ctx.setup.ownership_tags(wanted.tags if wanted else {})),
    }
    if attrs.get("source_ips"):
        request["SourceIpConfig"] = {"Cidrs": list(attrs["source_ips"])}
    ctx.aws.client("sagemaker").create_workforce(**request)
    _record(ctx, sagemaker.wait_for_workforce(ctx.aws, attrs["name"], ctx.say))


def update(ctx: ApplyContext, change: Change) -> None:
    attrs = change.after or {}
    sm = ctx.aws.client("sagemaker")
    wf = sm.describe_workforce(WorkforceName=attrs["name"])["Workforce"]
    if wf.get("Status") not in (None, "Active"):  # still settling from an earlier create or update
        wf = sagemaker.wait_for_workforce(ctx.aws, attrs["name"], ctx.say)
    if (
        "source_ips" in attrs
        and sorted((wf.get("SourceIpConfig") or {}).get("Cidrs") or []) != attrs["source_ips"]
    ):
        sm.update_workforce(WorkforceName=attrs["name"], SourceIpConfig={"Cidrs": list(attrs["source_ips"])})
        wf = sagemaker.wait_for_workforce(ctx.aws, attrs["name"], ctx.say)
    _record(ctx, wf)  # (tags: at creation only, see desired())


def delete(ctx: ApplyContext, change: Change) -> None:
    name = ctx.ids.workforce_name or change.address.name
    try:
        ctx.aws.client("sagemaker").delete_workforce(WorkforceName=name)
    except Exception as err:
        if not sagemaker.workforce_missing(err):
            raise
    # Asynchronous on AWS (Status Deleting): done once it is gone, so that a replacement's create, the next
    # step, is not refused as a second workforce of the region.
    sagemaker.wait_for_workforce_gone(ctx.aws, name, ctx.say)
    ctx.ids.workforce_name = ctx.ids.workforce_arn = ctx.ids.subdomain = None


def warnings(setup: Setup) -> list[str]:
    if setup.workforce is not None and not setup.workforce.source_ips:
        return ["the workforce has no source_ips: the worker portal is reachable from any IP address"]
    return []


KIND = Kind(
    NAME,
    spec_key=SPEC_KEY,
    schema=schema,
    destroy_risks=lambda res, aws, live: ["the workforce is the region's only private workforce"],
    warnings=warnings,
    create_only=frozenset({"name", "user_pool", "client"}),
    cascades=True,
    protected=True,
    desired=desired,
    read=read,
    reads_after=("cognito_user_pool", "cognito_user_pool_client"),  # its pool and client by their names
    export=export,
    steps={"create": create, "update": update, "delete": delete},
    iam=(
        Use(
            "gtops.kinds.sagemaker:private_workforces",
            "sagemaker",
            ("ListWorkforces",),
            "any",
            "workforce_or_teams",
        ),
        Use(
            "gtops.kinds.sagemaker:tags",
            "sagemaker",
            ("ListTags",),
            "workforce_and_all_teams",
            "workforce_or_teams",
        ),
        Use(
            "gtops.kinds.sagemaker:wait_for_workforce",
            "sagemaker",
            ("DescribeWorkforce",),
            "workforce",
            "workforce",
            APPLY,
        ),
        Use(
            f"{__name__}:create",
            "sagemaker",
            ("CreateWorkforce", "UpdateWorkforce", "AddTags"),  # AddTags: CreateWorkforce with Tags
            "workforce",
            "workforce",
            APPLY,
        ),
        Use(f"{__name__}:delete", "sagemaker", ("DeleteWorkforce",), "owned_workforce", "workforce", DESTROY),
        Use(
            "gtops.kinds.sagemaker:wait_for_workforce_gone",
            "sagemaker",
            ("DescribeWorkforce",),
            "workforce",
            "workforce",
            DESTROY,
        ),
    ),
)
