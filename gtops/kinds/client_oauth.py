"""cognito_client_oauth: the app client's OAuth settings and its sign-in and sign-out URLs.

Split from the client because the worker portal's URL exists only after the workforce does: the client is
created before the workforce (which needs its id), and these settings after it (Refs resolve then).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from gtops.errors import GtopsError
from gtops.kinds import app_client
from gtops.kinds.base import APPLY, AwsHandle, Export, Kind, Use
from gtops.model import Address, Ref, Resource

if TYPE_CHECKING:
    from gtops.apply.context import ApplyContext
    from gtops.live import LiveState
    from gtops.plan import Change
    from gtops.setup import Setup

NAME = "cognito_client_oauth"


def desired(setup: Setup) -> list[Resource]:
    from gtops.kinds import workforce

    client = setup.client
    wf = workforce.address(setup)
    if client is None or not (wf or client.callback_urls):
        return []
    attrs: dict[str, Any] = {
        "flows": sorted(client.oauth["flows"]),
        "scopes": sorted(client.oauth["scopes"]),
        "identity_providers": sorted(client.oauth["identity_providers"]),
    }
    if client.callback_urls:
        attrs["callback_urls"] = sorted(client.callback_urls)
    elif wf:
        attrs["callback_urls"] = [Ref(wf, "subdomain", "https://{}/oauth2/idpresponse")]
    if client.logout_urls:
        attrs["logout_urls"] = sorted(client.logout_urls)
    elif wf:
        attrs["logout_urls"] = [Ref(wf, "subdomain", "https://{}/logout")]
    deps = tuple(a for a in (app_client.address(setup), wf) if a)
    return [Resource(Address(NAME, client.name), attrs, depends_on=deps)]


def live_attrs(client: Mapping[str, Any]) -> dict[str, Any]:
    enabled = bool(client.get("AllowedOAuthFlowsUserPoolClient"))
    return {
        "flows": sorted(client.get("AllowedOAuthFlows") or []) if enabled else [],
        "scopes": sorted(client.get("AllowedOAuthScopes") or []) if enabled else [],
        "identity_providers": sorted(client.get("SupportedIdentityProviders") or []),
        "callback_urls": sorted(client.get("CallbackURLs") or []),
        "logout_urls": sorted(client.get("LogoutURLs") or []),
    }


def read(aws: AwsHandle, setup: Setup, state: LiveState) -> None:
    if setup.client is None or state.ids.client_raw is None:
        return
    state.add(Resource(Address(NAME, setup.client.name), live_attrs(state.ids.client_raw)))


def export(run: Export) -> dict[str, Any] | None:
    """The client's OAuth settings, into `client:`; URLs that are the portal's defaults are left out.

    The spec cannot turn OAuth off (the worker portal signs in through it): an empty setting is left out,
    so it is unmanaged, or gtops's default where the spec has a portal (the plan shows that).
    """
    from gtops.kinds import workforce

    spec = run.setup.client
    res = run.live.get(Address(NAME, spec.name)) if spec else None
    if spec is None or res is None:
        return None
    attrs = res.attrs
    portal = workforce.portal(run.setup, run.live)
    oauth = {k: attrs[k] for k in ("flows", "scopes", "identity_providers") if attrs[k]}
    out: dict[str, Any] = {"oauth": oauth} if oauth else {}
    if portal and not attrs["flows"]:
        run.notes.append(
            f"the app client {spec.name} has OAuth turned off, but the worker portal signs in through it: "
            "applying the spec turns it on with gtops's default flows and scopes (the plan shows it)"
        )
    for key, path in (("callback_urls", "/oauth2/idpresponse"), ("logout_urls", "/logout")):
        if attrs[key] and (not portal or attrs[key] != [f"https://{portal}{path}"]):
            out[key] = attrs[key]
    return {app_client.SPEC_KEY: out}


def apply_fields(request: dict[str, Any], attrs: Mapping[str, Any]) -> dict[str, Any]:
    flows = list(attrs.get("flows") or [])
    request["AllowedOAuthFlowsUserPoolClient"] = bool(flows)
    request["AllowedOAuthFlows"] = flows
    request["AllowedOAuthScopes"] = list(attrs.get("scopes") or [])
    if "identity_providers" in attrs:
        request["SupportedIdentityProviders"] = list(attrs["identity_providers"])
    if "callback_urls" in attrs:
        request["CallbackURLs"] = list(attrs["callback_urls"])
    if "logout_urls" in attrs:
        request["LogoutURLs"] = list(attrs["logout_urls"])
    if not flows:
        for key in ("AllowedOAuthFlows", "AllowedOAuthScopes"):
            request.pop(key, None)
    return request


def apply(ctx: ApplyContext, change: Change) -> None:
    idp = ctx.aws.client("cognito-idp")
    attrs = ctx.resolve(change.after or {})
    for key in ("callback_urls", "logout_urls"):
        if any(not isinstance(u, str) for u in attrs.get(key, [])):
            raise GtopsError(
                "the worker portal URL is not known yet (the workforce step failed or was skipped)"
            )
    request = app_client.update_request(idp, app_client.live_client(ctx))
    apply_fields(request, attrs)
    idp.update_user_pool_client(**request)


KIND = Kind(
    NAME,
    with_parent="the app client",
    desired=desired,
    read=read,
    reads_after=("cognito_user_pool_client",),
    export=export,
    steps={"create": apply, "update": apply},
    iam=(Use(f"{__name__}:apply", "cognito-idp", ("UpdateUserPoolClient",), "pool", "client", APPLY),),
)
