"""GitOps around plan and apply: saved plans that cannot go stale, drift reports, locking, export, destroy
and targeting. Modules here import boto3 only inside functions, so the CLI's help stays fast."""
