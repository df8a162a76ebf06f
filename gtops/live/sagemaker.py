"""SageMaker reader: the region's private workforce (a singleton) and the work teams."""

from __future__ import annotations

from gtops.model import Address, Resource


def _name_for(value: str | None, ids: dict, id_key: str, name: str | None) -> str | None:
    """Show a pool/client id as the spec's name when it is the one gtops manages, else the raw id."""
    if value is None:
        return None
    return name if name and ids.get(id_key) == value else value


def _tags(sm, arn: str) -> dict[str, str]:
    tags: dict[str, str] = {}
    for page in sm.get_paginator("list_tags").paginate(ResourceArn=arn):
        tags.update({t["Key"]: t["Value"] for t in page.get("Tags", [])})
    return tags


def read_workforce_and_teams(aws, data: dict, state) -> None:
    sm = aws.client("sagemaker")
    pool_name = (data.get("pool") or {}).get("name")
    client_name = (data.get("client") or {}).get("name")
    spec_wf = data.get("workforce") or {}

    private = []
    for page in sm.get_paginator("list_workforces").paginate():
        private += [w for w in page.get("Workforces", []) if w.get("CognitoConfig") or w.get("OidcConfig")]
    if private:
        wf = private[0]
        cognito = wf.get("CognitoConfig") or {}
        attrs = {
            "name": wf["WorkforceName"],
            "user_pool": _name_for(cognito.get("UserPool"), state.ids, "pool_id", pool_name),
            "client": _name_for(cognito.get("ClientId"), state.ids, "client_id", client_name),
            "source_ips": sorted((wf.get("SourceIpConfig") or {}).get("Cidrs") or []),
            "tags": _tags(sm, wf["WorkforceArn"]),
        }
        if wf.get("OidcConfig"):
            attrs["user_pool"] = "(OIDC identity provider)"
        subdomain = wf.get("SubDomain")
        state.ids["workforce_name"] = wf["WorkforceName"]
        state.ids["workforce_arn"] = wf["WorkforceArn"]
        if subdomain:
            state.ids["subdomain"] = subdomain
        # One private workforce per region: it answers to the spec's workforce address whatever its name,
        # so a different name plans as a replacement, never as a second create that AWS would refuse.
        address = Address("sagemaker_workforce", spec_wf.get("name") or wf["WorkforceName"])
        state.add(Resource(address, attrs, meta={"arn": wf["WorkforceArn"], "subdomain": subdomain}))

    team_arns: dict[str, str] = {}
    for page in sm.get_paginator("list_workteams").paginate():
        for team in page.get("Workteams", []):
            members = team.get("MemberDefinitions") or []
            groups = sorted(
                m["CognitoMemberDefinition"]["UserGroup"] for m in members if m.get("CognitoMemberDefinition")
            )
            topic = (team.get("NotificationConfiguration") or {}).get("NotificationTopicArn")
            attrs = {
                "name": team["WorkteamName"],
                "description": team.get("Description"),
                "groups": groups,
                "notifications": topic.rsplit(":", 1)[-1] if topic else None,
                "workforce": (team.get("WorkforceArn") or "").rsplit("/", 1)[-1] or None,
                "tags": _tags(sm, team["WorkteamArn"]),
            }
            team_arns[team["WorkteamName"]] = team["WorkteamArn"]
            if team.get("SubDomain") and "subdomain" not in state.ids:
                state.ids["subdomain"] = team["SubDomain"]
            state.add(
                Resource(
                    Address("sagemaker_workteam", team["WorkteamName"]),
                    attrs,
                    meta={"arn": team["WorkteamArn"], "subdomain": team.get("SubDomain")},
                )
            )
    state.ids["team_arns"] = team_arns
    # The portal subdomain may only be known from a team (real AWS fills it on the workforce too).
    for res in state.resources.values():
        if res.kind == "sagemaker_workforce" and not res.meta.get("subdomain") and state.ids.get("subdomain"):
            res.meta["subdomain"] = state.ids["subdomain"]
