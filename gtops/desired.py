"""Validated spec data -> desired resources, in the spec's own vocabulary.

Only fields the spec declares appear in `attrs` (absent = unmanaged); the planner compares just those.
"""

from __future__ import annotations

from typing import Any

from gtops.model import OWNER_TAG, SETUP_TAG, Address, Ref, Resource

PORTAL = "{portal_url}"
DEFAULT_OAUTH = {
    "flows": ["code", "implicit"],
    "scopes": ["email", "openid", "profile"],
    "identity_providers": ["COGNITO"],
}


def setup_name(data: dict) -> str:
    return data.get("name") or (data.get("pool") or {}).get("name") or "gtops"


def ownership_tags(data: dict, extra: dict | None = None) -> dict[str, str]:
    tags = {str(k): str(v) for k, v in (data.get("tags") or {}).items()}
    tags.update({str(k): str(v) for k, v in (extra or {}).items()})
    tags[OWNER_TAG] = "true"
    tags[SETUP_TAG] = setup_name(data)
    return tags


def topic_name(data: dict) -> str | None:
    notif = data.get("notifications") or {}
    if notif.get("topic"):
        return notif["topic"]
    if notif.get("topic_arn"):
        return notif["topic_arn"].rsplit(":", 1)[-1]
    return None


def _subset(source: dict, keys: tuple[str, ...]) -> dict:
    return {k: source[k] for k in keys if k in source}


def build(data: dict) -> list[Resource]:
    out: list[Resource] = []
    pool = data.get("pool")
    pool_addr = Address("cognito_user_pool", pool["name"]) if pool else None
    deps_pool = (pool_addr,) if pool_addr else ()

    topic = topic_name(data)
    topic_addr = Address("sns_topic", topic) if topic else None
    if topic:
        notif = data["notifications"]
        attrs: dict[str, Any] = {"name": topic, "sagemaker_can_publish": True}
        existing = bool(notif.get("topic_arn"))
        if not existing:
            attrs["tags"] = ownership_tags(data)
        out.append(Resource(topic_addr, attrs, meta={"existing_arn": notif.get("topic_arn")}))

    if pool:
        attrs = {"name": pool["name"]}
        attrs.update(
            _subset(
                pool,
                ("sign_in", "case_sensitive", "deletion_protection", "admin_only_create", "mfa"),
            )
        )
        for nested in ("password_policy", "email"):
            if nested in pool:
                attrs[nested] = dict(pool[nested])
        if "custom_attributes" in pool:
            attrs["custom_attributes"] = sorted(pool["custom_attributes"])
        attrs["tags"] = ownership_tags(data, pool.get("tags"))
        out.append(Resource(pool_addr, attrs, meta={"pinned_id": pool.get("id")}))

    for group in data.get("groups") or []:
        attrs = {"name": group["name"]}
        attrs.update(_subset(group, ("description", "precedence")))
        attrs["managed_by"] = setup_name(data)  # groups carry no tags: see live.cognito.group_marker
        out.append(Resource(Address("cognito_user_group", group["name"]), attrs, depends_on=deps_pool))

    client = data.get("client")
    client_addr = Address("cognito_user_pool_client", client["name"]) if client else None
    if client:
        attrs = {"name": client["name"]}
        attrs.update(_subset(client, ("generate_secret", "auth_flows", "token_revocation", "token_validity")))
        if "auth_flows" in attrs:
            attrs["auth_flows"] = sorted(attrs["auth_flows"])
        out.append(Resource(client_addr, attrs, depends_on=deps_pool))

    domain = data.get("domain")
    if domain and pool:
        out.append(
            Resource(
                Address("cognito_user_pool_domain", domain),
                {"domain": domain, "user_pool": pool["name"]},
                depends_on=deps_pool,
            )
        )

    workforce = data.get("workforce")
    wf_addr = Address("sagemaker_workforce", workforce["name"]) if workforce else None
    if workforce:
        attrs = {"name": workforce["name"]}
        if pool:
            attrs["user_pool"] = pool["name"]
        if client:
            attrs["client"] = client["name"]
        if "source_ips" in workforce:
            attrs["source_ips"] = sorted(workforce["source_ips"])
        attrs["tags"] = ownership_tags(data)
        deps = tuple(a for a in (pool_addr, client_addr) if a)
        deps += tuple(Address("cognito_user_pool_domain", domain) for _ in [0] if domain and pool)
        out.append(Resource(wf_addr, attrs, depends_on=deps))

    for team in data.get("teams") or []:
        attrs = {
            "name": team["name"],
            "description": team["description"],
            "groups": sorted(team["groups"]),
            "notifications": topic if team.get("notifications") and topic else None,
        }
        if workforce:
            attrs["workforce"] = workforce["name"]
        attrs["tags"] = ownership_tags(data, team.get("tags"))
        deps = tuple(a for a in (wf_addr, client_addr, topic_addr) if a)
        deps += tuple(Address("cognito_user_group", g) for g in team["groups"])
        out.append(Resource(Address("sagemaker_workteam", team["name"]), attrs, depends_on=deps))

    if client and (workforce or client.get("callback_urls")):
        oauth = dict(DEFAULT_OAUTH)
        oauth.update(client.get("oauth") or {})
        attrs = {
            "flows": sorted(oauth["flows"]),
            "scopes": sorted(oauth["scopes"]),
            "identity_providers": sorted(oauth["identity_providers"]),
        }
        if client.get("callback_urls"):
            attrs["callback_urls"] = sorted(client["callback_urls"])
        elif wf_addr:
            attrs["callback_urls"] = [Ref(wf_addr, "subdomain", "https://{}/oauth2/idpresponse")]
        if client.get("logout_urls"):
            attrs["logout_urls"] = sorted(client["logout_urls"])
        elif wf_addr:
            attrs["logout_urls"] = [Ref(wf_addr, "subdomain", "https://{}/logout")]
        deps = tuple(a for a in (client_addr, wf_addr) if a)
        out.append(Resource(Address("cognito_client_oauth", client["name"]), attrs, depends_on=deps))

    invitation = (pool or {}).get("invitation")
    if invitation and pool:
        # The portal URL comes from the workforce, or from a team when the spec adopts the region's
        # workforce implicitly (teams without `workforce:`): the subdomain is the workforce's either way.
        teams = data.get("teams") or []
        portal = wf_addr or (Address("sagemaker_workteam", teams[0]["name"]) if teams else None)
        attrs = {}
        for key in ("subject", "message", "sms"):
            if key in invitation:
                attrs[key] = _with_portal(invitation[key], portal)
        deps = tuple(a for a in (pool_addr, portal) if a)
        out.append(Resource(Address("cognito_invitation", pool["name"]), attrs, depends_on=deps))
    return out


def _with_portal(text: str, wf_addr: Address | None) -> Any:
    """Fill {portal_url} from the workforce's subdomain (a Ref until the portal exists)."""
    if PORTAL not in text or wf_addr is None:
        return text
    # `{}` in the template receives the subdomain; other braces ({username}, {####}) are doubled to survive.
    template = text.replace("{", "{{").replace("}", "}}").replace("{{portal_url}}", "https://{}")
    return Ref(wf_addr, "subdomain", template)
