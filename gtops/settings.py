"""Where and how gtops talks to AWS, gathered from flags and the environment (no boto3 here)."""

from __future__ import annotations

import os
from dataclasses import dataclass, replace

DEFAULT_SANDBOX_PORT = 5150


def sandbox_port() -> int:
    """The sandbox's port: GTOPS_SANDBOX_PORT, else 5150 (read when needed, so a bad value is one error)."""
    from gtops.errors import GtopsError

    raw = os.environ.get("GTOPS_SANDBOX_PORT", "").strip()
    if not raw:
        return DEFAULT_SANDBOX_PORT
    if raw.isascii() and raw.isdigit() and 1 <= int(raw) <= 65535:
        return int(raw)
    raise GtopsError(f"GTOPS_SANDBOX_PORT={raw[:20]!r} is not a port number (1 to 65535)")


@dataclass(frozen=True)
class Settings:
    region: str | None = None
    profile: str | None = None
    endpoint_url: str | None = None
    sandbox: bool = False
    verbose: int = 0
    color: bool = True
    stats: bool = False
    # Let specs name files outside their folder (see gtops.files); never on by default.
    allow_outside: bool = False

    def merged(self, **overrides) -> Settings:
        """Per-command flags win over global ones; None means 'not given'."""
        given = {k: v for k, v in overrides.items() if v not in (None, False)}
        return replace(self, **given)

    @property
    def sandbox_port(self) -> int:
        return sandbox_port()

    def effective_endpoint(self) -> str | None:
        return self.endpoint_url or os.environ.get("AWS_ENDPOINT_URL") or None


def env_region() -> str | None:
    """AWS_REGION: the SDKs' standard region variable, which wins over AWS_DEFAULT_REGION as in the AWS CLI
    v2 and the other SDKs (docs.aws.amazon.com/sdkref/latest/guide/feature-region.html). botocore itself
    reads only AWS_DEFAULT_REGION and the profile's `region`, which come next."""
    return os.environ.get("AWS_REGION") or None
