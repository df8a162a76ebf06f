"""Workers (Cognito users) as an authoritative roster: planned from a few list pages, written at the quota.

`roster` is the pure diff, `read` the bulk reader, `plan` the engine's entry point, `apply` the
concurrent rate-limited writer (`ratelimit` holds the quota buckets), `resend` re-sends invitations.
"""
