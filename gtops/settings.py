"""Where and how gtops talks to AWS, gathered from flags and the environment (no boto3 here)."""

from __future__ import annotations

import os
from dataclasses import dataclass, replace

DEFAULT_SANDBOX_PORT = int(os.environ.get("GTOPS_SANDBOX_PORT") or 5150)


@dataclass(frozen=True)
class Settings:
    region: str | None = None
    profile: str | None = None
    endpoint_url: str | None = None
    sandbox: bool = False
    sandbox_port: int = DEFAULT_SANDBOX_PORT
    verbose: int = 0
    color: bool = True
    stats: bool = False
    # Let specs name files outside their folder (see gtops.files); never on by default.
    allow_outside: bool = False

    def merged(self, **overrides) -> Settings:
        """Per-command flags win over global ones; None means 'not given'."""
        given = {k: v for k, v in overrides.items() if v not in (None, False)}
        return replace(self, **given)

    def effective_endpoint(self) -> str | None:
        return self.endpoint_url or os.environ.get("AWS_ENDPOINT_URL") or None


def env_region() -> str | None:
    """AWS_REGION: the SDKs' standard region variable, which wins over AWS_DEFAULT_REGION as in the AWS CLI
    v2 and the other SDKs (docs.aws.amazon.com/sdkref/latest/guide/feature-region.html). botocore itself
    reads only AWS_DEFAULT_REGION and the profile's `region`, which come next."""
    return os.environ.get("AWS_REGION") or None
