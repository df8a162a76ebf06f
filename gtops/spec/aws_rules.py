"""Rules AWS enforces that a spec can break, checked offline so `gtops validate` refuses what AWS would.

Each rule quotes its source in the message, so a user sees why, not just that.
"""

from __future__ import annotations

import ipaddress
import re
import unicodedata

# Cognito's standard user attributes (Cognito developer guide, "Standard attributes"); anything else must be
# a custom attribute, written custom:<name>, that the pool declares.
STANDARD_ATTRIBUTES = frozenset(
    {
        "address",
        "birthdate",
        "email",
        "family_name",
        "gender",
        "given_name",
        "locale",
        "middle_name",
        "name",
        "nickname",
        "phone_number",
        "picture",
        "preferred_username",
        "profile",
        "updated_at",
        "website",
        "zoneinfo",
    }
)
# AttributeType.Value is at most 2048 characters (Cognito API reference); a custom attribute name 1-20.
MAX_ATTRIBUTE_VALUE = 2048
CUSTOM_NAME = re.compile(r"^[\w.:-]{1,20}$")
# AdminCreateUser's Username: pattern [\p{L}\p{M}\p{S}\p{N}\p{P}]+, 1-128 characters (Cognito API reference).
MAX_USERNAME = 128


def email_problem(email: str) -> str | None:
    """Why Cognito would not take `email` as a worker's user name, or None."""
    if len(email) > MAX_USERNAME:
        return f"is {len(email)} characters; Cognito user names are at most {MAX_USERNAME}"
    if email.isascii():
        return None
    for ch in email:
        if ord(ch) < 128:
            continue
        name = unicodedata.name(ch, f"U+{ord(ch):04X}")
        if unicodedata.category(ch) in ("Cf", "Cc", "Zs", "Zl", "Zp", "Co", "Cn"):
            return (
                f"contains the invisible character U+{ord(ch):04X} ({name}); Cognito user names must match "
                r"[\p{L}\p{M}\p{S}\p{N}\p{P}]+ (AdminCreateUser)"
            )
        return (
            f"contains U+{ord(ch):04X} ({name}), which is not plain ASCII; gtops refuses such addresses: a "
            "look-alike letter (a full-width or Cyrillic 'a') makes a second Cognito account that reads "
            "the same as the first"
        )
    return None


def attribute_problem(name: str, value: str, custom: frozenset[str]) -> str | None:
    """Why AdminCreateUser/AdminUpdateUserAttributes would refuse attribute `name`, or None. (Value
    lengths are the schema's job inline, and the CSV reader's for rosters.)"""
    if name in STANDARD_ATTRIBUTES:
        return None
    if name.startswith("custom:"):
        short = name[len("custom:") :]
        if short in custom:
            return None
        declared = ", ".join(sorted(custom)) or "none"
        return (
            f"'{name}' is not a custom attribute of the pool (pool.custom_attributes declares: {declared}); "
            "Cognito refuses attributes that are not in the pool's schema"
        )
    return (
        f"'{name}' is neither a standard Cognito attribute (given_name, family_name, locale, ...) nor a "
        "custom one (custom:<name>, declared in pool.custom_attributes); Cognito refuses attributes that are "
        "not in the pool's schema"
    )


# S3 general purpose bucket naming rules (Amazon S3 user guide, "General purpose bucket naming rules").
_BUCKET = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
_RESERVED_PREFIXES = ("xn--", "sthree-", "amzn-s3-demo-")
_RESERVED_SUFFIXES = ("-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3")


def bucket_problem(bucket: str, basic: bool = True) -> str | None:
    """Why S3 would refuse `bucket` as a bucket name, or None. Quotes the rule broken. `basic=False` skips
    the character/length rule (the schema's pattern already says it)."""
    rules = "S3 bucket names"
    if not _BUCKET.match(bucket):
        if not basic:
            return None
        return (
            f"'{bucket}' is not a valid bucket name: {rules} are 3-63 characters of lower-case letters, "
            "digits, dots and hyphens, and begin and end with a letter or digit"
        )
    if ".." in bucket:
        return f"'{bucket}' is not a valid bucket name: {rules} must not contain two adjacent periods"
    if ".-" in bucket or "-." in bucket:
        return f"'{bucket}' is not a valid bucket name: {rules} must not have a period next to a hyphen"
    try:
        ipaddress.IPv4Address(bucket)
        return f"'{bucket}' is not a valid bucket name: {rules} must not be formatted as an IP address"
    except ValueError:
        pass
    for prefix in _RESERVED_PREFIXES:
        if bucket.startswith(prefix):
            return f"'{bucket}' is not a valid bucket name: {rules} must not start with '{prefix}'"
    for suffix in _RESERVED_SUFFIXES:
        if bucket.endswith(suffix):
            return f"'{bucket}' is not a valid bucket name: {rules} must not end with '{suffix}'"
    return None


def partition_of_region(region: str) -> str:
    if region.startswith("cn-"):
        return "aws-cn"
    if region.startswith("us-gov-"):
        return "aws-us-gov"
    if region.startswith("us-iso-"):
        return "aws-iso"
    if region.startswith("us-isob-"):
        return "aws-iso-b"
    return "aws"


def arn_partition_problem(arn: str, region: str | None, what: str) -> str | None:
    """An ARN of another partition than the setup's region cannot be used there (IAM is per partition)."""
    if not region or not arn.startswith("arn:"):
        return None
    partition = arn.split(":", 2)[1]
    want = partition_of_region(region)
    if partition != want:
        return (
            f"is a {what} in partition '{partition}', but region {region} is in partition '{want}'; "
            "AWS partitions are separate (an ARN of one cannot be used in another)"
        )
    return None


def arn_account(arn: str) -> str | None:
    parts = arn.split(":")
    return parts[4] if len(parts) > 5 and parts[4] else None
