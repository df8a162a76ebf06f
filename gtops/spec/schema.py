"""The JSON Schema (draft 2020-12) of the spec language, built here and written to schemas/gtops.schema.json.

Constraints come from the AWS API models (botocore) so an editor catches what AWS would reject. Two
non-standard annotation keywords help gtops word its messages: `x-message` replaces the message for any
failure of that subschema, and `x-hint` explains a `pattern` in words. Validators ignore both.
"""

from __future__ import annotations

import json
from typing import Any

SCHEMA_ID = "https://gtops.dev/schemas/gtops.schema.json"

TASK_TYPES = (
    "bounding_box",
    "image_classification",
    "image_classification_multi",
    "semantic_segmentation",
    "text_classification",
    "text_classification_multi",
    "named_entity_recognition",
    "custom",
)

# Patterns are anchored: jsonschema uses re.search.
AWS_NAME = r"^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$"
AWS_NAME_HINT = "use letters, digits and hyphens, start and end with a letter or digit, at most 63 characters"
POOL_NAME = r"^[\w\s+=,.@-]+$"
NO_SPACE = r"^\S+$"
DOMAIN = r"^[a-z0-9](?:[a-z0-9\-]{0,61}[a-z0-9])?$"
WORKFORCE_NAME = r"^[a-zA-Z0-9]([a-zA-Z0-9\-]){0,62}$"
S3_URI = r"^s3://[a-z0-9][a-z0-9.\-]{1,61}[a-z0-9](/.*)?$"
S3_PREFIX = r"^s3://[a-z0-9][a-z0-9.\-]{1,61}[a-z0-9]/(.*/)?$"
ROLE_ARN = r"^arn:aws[a-z\-]*:iam::\d{12}:role/?[a-zA-Z_0-9+=,.@\-_/]+$"
SNS_ARN = r"^arn:aws[a-z\-]*:sns:[a-z0-9\-]*:[0-9]{12}:[a-zA-Z0-9_.-]+$"
LAMBDA_ARN = r"^arn:aws[a-z\-]*:lambda:[a-z0-9\-]*:[0-9]{12}:function:.+$"
# A customer managed policy: policy/, an optional path, then the name (letters, digits and _+=,.@-).
POLICY_ARN = r"^arn:aws[a-z\-]*:iam::\d{12}:policy/([a-zA-Z0-9_+=,.@\-]+/)*[a-zA-Z0-9_+=,.@\-]+$"
KEYWORD = r"^[A-Za-z0-9]+( [A-Za-z0-9]+)*$"
EMAIL = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"
PHONE = r"^\+[1-9][0-9]{1,14}$"
DURATION = r"^\s*(\d+\s*d)?\s*(\d+\s*h)?\s*(\d+\s*m)?\s*(\d+\s*s)?\s*$"
REGION = r"^[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-\d$"
SETUP_NAME = r"^[a-zA-Z0-9][a-zA-Z0-9_.\-]{0,62}$"
TAG_KEY = r"^(?!aws:)[\w\s.:/=+\-@]{1,128}$"
TAG_VALUE = r"^[\w\s.:/=+\-@]{0,256}$"
VAR_NAME = r"^[A-Za-z_][A-Za-z0-9_]*$"

AUTH_FLOWS = (
    "ALLOW_USER_PASSWORD_AUTH",
    "ALLOW_REFRESH_TOKEN_AUTH",
    "ALLOW_USER_SRP_AUTH",
    "ALLOW_CUSTOM_AUTH",
    "ALLOW_ADMIN_USER_PASSWORD_AUTH",
    "ALLOW_USER_AUTH",
)
CONTENT_CLASSIFIERS = ("FreeOfPersonallyIdentifiableInformation", "FreeOfAdultContent")


def _obj(description: str, properties: dict[str, Any], required: tuple[str, ...] = (), **extra: Any) -> dict:
    out: dict[str, Any] = {
        "type": "object",
        "description": description,
        "properties": properties,
        "additionalProperties": False,
    }
    if required:
        out["required"] = list(required)
    out.update(extra)
    return out


def _str(description: str, pattern: str | None = None, hint: str | None = None, **extra: Any) -> dict:
    out: dict[str, Any] = {"type": "string", "description": description}
    if pattern:
        out["pattern"] = pattern
    if hint:
        out["x-hint"] = hint
    out.update(extra)
    return out


def _bool(description: str) -> dict:
    return {"type": "boolean", "description": description}


def _int(description: str, minimum: int | None = None, maximum: int | None = None) -> dict:
    out: dict[str, Any] = {"type": "integer", "description": description}
    if minimum is not None:
        out["minimum"] = minimum
    if maximum is not None:
        out["maximum"] = maximum
    return out


def _list(description: str, items: dict, **extra: Any) -> dict:
    out = {"type": "array", "description": description, "items": items}
    out.update(extra)
    return out


def _duration(description: str, lo: str, hi: str) -> dict:
    return {
        "description": f"{description} A duration such as 30s, 5m, 1h, 6h or 10d, or a number of seconds "
        f"(from {lo} to {hi}).",
        "anyOf": [{"type": "integer", "minimum": 0}, {"type": "string", "pattern": DURATION}],
        "x-message": "must be a duration such as 30s, 5m, 1h or 10d, or a whole number of seconds",
    }


def _tags(description: str) -> dict:
    return {
        "type": "object",
        "description": f"{description} At most 50; keys 1-128 characters (not starting with 'aws:'), "
        "values 0-256 characters.",
        "maxProperties": 50,
        "propertyNames": {
            "pattern": TAG_KEY,
            "x-hint": "tag keys are 1-128 letters, digits, spaces and "
            "_.:/=+-@ and must not start with 'aws:'",
        },
        "additionalProperties": {
            "type": "string",
            "pattern": TAG_VALUE,
            "x-hint": "tag values are 0-256 letters, digits, spaces and _.:/=+-@",
            "description": "Tag value (quote numbers and dates so YAML keeps them as text).",
        },
    }


def _notifications() -> dict:
    return _obj(
        "SNS topic that work-team notifications (new and expiring tasks) are sent to. Give `topic` (gtops "
        "creates and manages the topic) or `topic_arn` (an existing topic; gtops manages only its access "
        "policy so SageMaker may publish).",
        {
            "topic": _str(
                "Name of the SNS topic gtops creates, e.g. AmazonSageMaker-label-notify.",
                r"^[A-Za-z0-9_-]{1,256}$",
                "topic names are 1-256 letters, digits, hyphens and underscores",
            ),
            "topic_arn": _str("ARN of an existing SNS topic.", SNS_ARN, "must be an SNS topic ARN"),
            "tags": _tags("Tags on the topic (only when gtops creates it)."),
        },
    )


def _pool() -> dict:
    return _obj(
        "The Cognito user pool that holds the workers (the private workforce's identity store).",
        {
            "name": _str(
                "Pool name (1-128 letters, digits, spaces and +=,.@-). Pools are matched by name.",
                POOL_NAME,
                "use letters, digits, spaces and +=,.@-",
                minLength=1,
                maxLength=128,
            ),
            "id": _str(
                "Pin one existing pool by id when two pools share the name, e.g. us-east-1_AbC123.",
                r"^[\w-]+_[0-9a-zA-Z]+$",
                "a pool id looks like us-east-1_AbC123",
                maxLength=55,
            ),
            "sign_in": {
                "description": "What workers sign in with (Cognito UsernameAttributes). Create-only: "
                "changing it means a new pool. Default email.",
                "enum": ["email", "phone_number", "username"],
            },
            "case_sensitive": _bool(
                "Whether user names are case sensitive. Create-only. Default false (AWS recommends false)."
            ),
            "deletion_protection": _bool("Refuse to delete the pool while on. Default true."),
            "admin_only_create": _bool(
                "Only administrators (gtops) create users; no self sign-up. Default true."
            ),
            "mfa": {
                "description": "Multi-factor authentication: off, optional or on ('on' only at creation). "
                "Unmanaged when absent.",
                "enum": ["off", "optional", "on", False, True],
            },
            "password_policy": _obj(
                "Password rules for workers.",
                {
                    "min_length": _int("Minimum length, 6-99.", 6, 99),
                    "require_uppercase": _bool("Require an upper-case letter."),
                    "require_lowercase": _bool("Require a lower-case letter."),
                    "require_numbers": _bool("Require a digit."),
                    "require_symbols": _bool("Require a symbol."),
                    "temporary_password_days": _int(
                        "Days a temporary (invitation) password stays valid, 0-365.", 0, 365
                    ),
                },
            ),
            "email": _obj(
                "How Cognito sends e-mail. COGNITO_DEFAULT is capped at 50 e-mails a day per account; use "
                "DEVELOPER (Amazon SES) for real workforces.",
                {
                    "sending_account": {
                        "description": "COGNITO_DEFAULT or DEVELOPER (SES).",
                        "enum": ["COGNITO_DEFAULT", "DEVELOPER"],
                    },
                    "source_arn": _str(
                        "ARN of the verified SES identity (DEVELOPER only).",
                        r"^arn:[\w+=/,.@-]+:ses:[\w+=/,.@-]*:[0-9]+:[\w+=/,.@-]+$",
                        "must be an SES identity ARN",
                    ),
                    "from": _str(
                        "From address, e.g. 'Labeling <labeling@example.com>' (DEVELOPER only).", minLength=1
                    ),
                    "reply_to": _str("Reply-to address.", EMAIL, "must be an e-mail address"),
                    "configuration_set": _str("SES configuration set name.", minLength=1, maxLength=64),
                },
                ("sending_account",),
            ),
            "invitation": _obj(
                "The invitation sent to new workers. Cognito fills in {username} and {####} (the temporary "
                "password); gtops fills in {portal_url} once the worker portal exists.",
                {
                    "subject": _str("E-mail subject, 1-140 characters.", minLength=1, maxLength=140),
                    "message": _str(
                        "E-mail body (HTML allowed), 6-20000 characters; must contain {####}.",
                        minLength=6,
                        maxLength=20000,
                    ),
                    "sms": _str(
                        "SMS text, 6-140 characters; must contain {####}.", minLength=6, maxLength=140
                    ),
                },
            ),
            "custom_attributes": _list(
                "Custom user attributes the pool declares (text, changeable), written custom:<name> in "
                "worker attributes. Cognito cannot remove one: gtops only adds what is missing.",
                _str(
                    "Attribute name without the custom: prefix, 1-20 characters.",
                    r"^[\w.:-]{1,20}$",
                    "custom attribute names are 1-20 letters, digits and _.:-",
                ),
                maxItems=50,
                uniqueItems=True,
            ),
            "tags": _tags("Tags on the user pool (added to the common tags)."),
        },
        ("name",),
    )


def _group() -> dict:
    return _obj(
        "A Cognito group. A work team is built from 1-10 groups; a worker in a group is on every team "
        "built on it.",
        {
            "name": _str(
                "Group name, 1-128 characters without spaces.",
                NO_SPACE,
                "group names cannot contain spaces",
                minLength=1,
                maxLength=128,
            ),
            "description": _str("Free text, at most 2048 characters.", maxLength=2048),
            "precedence": _int("Cognito group precedence (0 or more; lower wins).", 0),
        },
        ("name",),
    )


def _client() -> dict:
    validity = {
        "access": _duration("Access token lifetime.", "5m", "1d"),
        "id": _duration("ID token lifetime.", "5m", "1d"),
        "refresh": _duration("Refresh token lifetime.", "1h", "3650d"),
    }
    return _obj(
        "The Cognito app client the worker portal signs in through.",
        {
            "name": _str(
                "Client name, 1-128 characters.",
                POOL_NAME,
                "use letters, digits, spaces and +=,.@-",
                minLength=1,
                maxLength=128,
            ),
            "generate_secret": _bool("Give the client a secret. Create-only. Default true."),
            "auth_flows": _list(
                "Explicit auth flows (ExplicitAuthFlows).", {"enum": list(AUTH_FLOWS)}, uniqueItems=True
            ),
            "token_revocation": _bool("Allow refresh tokens to be revoked. Default true."),
            "token_validity": _obj("Token lifetimes.", validity),
            "oauth": _obj(
                "OAuth settings of the hosted UI. Default flows [code, implicit], scopes [email, openid, "
                "profile], identity providers [COGNITO].",
                {
                    "flows": _list(
                        "Allowed OAuth flows.",
                        {"enum": ["code", "implicit", "client_credentials"]},
                        minItems=1,
                        uniqueItems=True,
                    ),
                    "scopes": _list(
                        "Allowed OAuth scopes (at most 50).",
                        _str(
                            "A scope such as openid.",
                            r"^[\x21\x23-\x5B\x5D-\x7E]{1,256}$",
                            "scopes are printable characters without spaces, quotes or \\",
                        ),
                        minItems=1,
                        maxItems=50,
                        uniqueItems=True,
                    ),
                    "identity_providers": _list(
                        "Identity providers, e.g. COGNITO.",
                        _str("Provider name.", minLength=1, maxLength=32),
                        minItems=1,
                        uniqueItems=True,
                    ),
                },
            ),
            "callback_urls": _list(
                "Sign-in callback URLs (default: https://<portal>/oauth2/idpresponse).",
                _str(
                    "An https URL (http only for localhost, as Cognito requires).",
                    r"^(https://\S+|http://(localhost|127\.0\.0\.1|\[::1\])([:/]\S*)?)$",
                    "must be an https URL (Cognito allows http only for localhost)",
                    maxLength=1024,
                ),
                maxItems=100,
                uniqueItems=True,
            ),
            "logout_urls": _list(
                "Sign-out URLs (default: https://<portal>/logout).",
                _str(
                    "An https URL (http only for localhost, as Cognito requires).",
                    r"^(https://\S+|http://(localhost|127\.0\.0\.1|\[::1\])([:/]\S*)?)$",
                    "must be an https URL (Cognito allows http only for localhost)",
                    maxLength=1024,
                ),
                maxItems=100,
                uniqueItems=True,
            ),
        },
        ("name",),
    )


def _workforce() -> dict:
    return _obj(
        "The private SageMaker workforce (one per account and region), tied to the pool and client.",
        {
            "name": _str(
                "Workforce name, default 'default'.",
                WORKFORCE_NAME,
                "use letters, digits and hyphens, starting with a letter or digit, at most 63 characters",
            ),
            "source_ips": _list(
                "CIDR ranges allowed to use the worker portal (1-10).",
                _str("An IPv4 or IPv6 CIDR, e.g. 203.0.113.0/24.", minLength=4, maxLength=64),
                minItems=1,
                maxItems=10,
                uniqueItems=True,
            ),
            "tags": _tags("Tags on the workforce."),
        },
    )


def _team() -> dict:
    return _obj(
        "A private work team: the workers in its Cognito groups.",
        {
            "name": _str("Team name, 1-63 characters.", AWS_NAME, AWS_NAME_HINT),
            "description": _str(
                "Team description, 1-200 characters. Default '<name> work team'.", minLength=1, maxLength=200
            ),
            "groups": _list(
                "Cognito groups (from `groups`) whose members form the team; 1-10.",
                _str("A group name.", minLength=1),
                minItems=1,
                maxItems=10,
                uniqueItems=True,
            ),
            "notifications": _bool(
                "Send new-task notifications to the `notifications` topic. Default true when a topic is set."
            ),
            "tags": _tags("Tags on the work team (added to the common tags)."),
        },
        ("name", "groups"),
    )


def _worker() -> dict:
    return _obj(
        "One worker (a Cognito user).",
        {
            "email": _str(
                "E-mail address; also the sign-in name.", EMAIL, "must be an e-mail address", maxLength=128
            ),
            "phone": {
                "type": "string",
                "pattern": PHONE,
                "description": 'Phone number in E.164 form, quoted, e.g. "+14155550100".',
                "x-message": 'must be a quoted E.164 phone number such as "+14155550100"',
            },
            "groups": _list(
                "Groups the worker belongs to.", _str("A group name.", minLength=1), uniqueItems=True
            ),
            "enabled": _bool("false disables the user (kept, but cannot sign in). Default true."),
            "attributes": {
                "type": "object",
                "description": "Other Cognito attributes, e.g. given_name or custom:site (strings).",
                "propertyNames": {
                    "pattern": r"^[^\s]{1,32}$",
                    "x-hint": "attribute names are 1-32 characters without spaces",
                },
                "additionalProperties": {
                    "type": "string",
                    "maxLength": 2048,
                    "description": "Attribute value (text).",
                },
            },
        },
        ("email",),
    )


# Cognito quota categories gtops paces itself in (gtops.members.ratelimit), plus SNS subscriptions.
QUOTA_CATEGORIES = (
    "UserCreation",
    "UserUpdate",
    "UserList",
    "UserRead",
    "UserResourceRead",
    "SnsSubscription",
)


def _members() -> dict:
    return _obj(
        "The roster: workers inline and/or from CSV files.",
        {
            "invitation": {
                "description": "email: Cognito e-mails the invitation; suppress: create users "
                "silently. Default email.",
                "enum": ["email", "suppress"],
            },
            "csv": {
                "description": "CSV file(s) of workers, relative to this spec file. Columns: email "
                "(required), phone, groups (';'-separated), enabled (true/false/yes/no/1/0); any other "
                "column is a Cognito attribute.",
                "anyOf": [
                    {"type": "string", "minLength": 1},
                    {"type": "array", "items": {"type": "string", "minLength": 1}, "minItems": 1},
                ],
                "x-message": "must be a CSV file path or a list of them",
            },
            "workers": _list("Workers given inline.", _worker()),
            "quotas": _obj(
                "Client-side request rates (calls per second) per Cognito quota category, for accounts "
                "with raised quotas or tools sharing them. Defaults: AWS's published quotas. The "
                "GTOPS_COGNITO_QUOTAS environment variable overrides these.",
                {
                    name: {
                        "description": f"{name} calls per second.",
                        "type": "number",
                        "exclusiveMinimum": 0,
                    }
                    for name in QUOTA_CATEGORIES
                },
            ),
        },
    )


def _job() -> dict:
    label = {
        "description": "A label: its name, or {label, short_name} (short_name for named entity recognition).",
        "anyOf": [
            {"type": "string", "minLength": 1, "maxLength": 256},
            _obj(
                "A label with a short display name.",
                {
                    "label": _str("Label name.", minLength=1, maxLength=256),
                    "short_name": _str("Short display name.", minLength=1, maxLength=256),
                },
                ("label",),
            ),
        ],
        "x-message": "must be a label name (1-256 characters) or {label: ..., short_name: ...}",
    }
    return _obj(
        "A labeling job. Jobs cannot be changed once created: a changed job is stopped and relaunched "
        "under a new name (relaunch: auto) or reported (relaunch: manual).",
        {
            "name": _str(
                "Job name, 1-63 characters, unique in the account and region (case-insensitive, "
                "never reusable).",
                AWS_NAME,
                AWS_NAME_HINT,
            ),
            "task_type": {"description": "The kind of labeling task.", "enum": list(TASK_TYPES)},
            "team": _str("Name of a team in `teams` (private jobs).", minLength=1),
            "workforce": {
                "description": "private (a spec team, the default) or public (Amazon Mechanical "
                "Turk; needs no team).",
                "enum": ["private", "public"],
            },
            "price_per_task": {
                "type": "number",
                "description": "USD paid per task per worker, public workforce only, e.g. 0.036 "
                "(0.001-2.999, in steps of 0.001). Default: AWS's suggested price for the task type.",
                "exclusiveMinimum": 0,
                "maximum": 2.999,
            },
            "labels": _list("The labels workers choose from.", label, minItems=1),
            "instructions": _obj(
                "Worker instructions (HTML allowed); required for named_entity_recognition.",
                {
                    "short": _str("Short instructions.", minLength=1),
                    "full": _str("Full instructions.", minLength=1),
                },
            ),
            "input": _obj(
                "Where the data objects come from: exactly one of manifest, manifest_file, s3_prefix, "
                "folder.",
                {
                    "manifest": _str(
                        "S3 URI of a JSON Lines input manifest.",
                        S3_URI,
                        "must be an s3:// URI",
                        maxLength=1024,
                    ),
                    "manifest_file": _str(
                        "Local manifest file (relative to this spec file); gtops uploads it.", minLength=1
                    ),
                    "s3_prefix": _str(
                        "S3 prefix ending in / whose objects gtops lists into a manifest.",
                        S3_PREFIX,
                        "must be an s3:// URI ending in /",
                        maxLength=1024,
                    ),
                    "folder": _str(
                        "Local folder (relative to this spec file) whose files gtops uploads "
                        "and lists into a manifest.",
                        minLength=1,
                    ),
                },
                minProperties=1,
                maxProperties=1,
                **{"x-message": "give exactly one of manifest, manifest_file, s3_prefix, folder"},
            ),
            "assets": _str(
                "S3 prefix where gtops uploads the label file, template and manifest (default: "
                "<output>.gtops/).",
                S3_URI,
                "must be an s3:// URI",
                maxLength=1024,
            ),
            "output": _str("S3 prefix for the job's output.", S3_URI, "must be an s3:// URI", maxLength=1024),
            "role": {
                "type": "string",
                "description": "IAM role SageMaker uses for the job: a role ARN, or 'managed' (gtops "
                "creates a least-privilege role).",
                "anyOf": [{"const": "managed"}, {"pattern": ROLE_ARN, "maxLength": 2048}],
                "x-message": "must be an IAM role ARN (arn:aws:iam::123456789012:role/Name) or 'managed'",
            },
            "template": _str(
                "Worker UI template file (Liquid HTML), relative to this spec file. Required "
                "for custom; never passed through spec variables.",
                minLength=1,
            ),
            "lambdas": _obj(
                "Custom jobs only: the pre-annotation and consolidation Lambdas, each an ARN or a local "
                ".py file (relative to this spec file) that gtops deploys.",
                {
                    "pre": _str("Pre-annotation Lambda: ARN or .py file.", minLength=1),
                    "consolidation": _str("Annotation-consolidation Lambda: ARN or .py file.", minLength=1),
                },
                ("pre", "consolidation"),
            ),
            "label_attribute": _str(
                "Output manifest key for the labels, 1-127 characters; not ending in -metadata. Default: "
                "the job name; '-ref' is appended for semantic_segmentation.",
                r"^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,126}$",
                "use letters, digits and hyphens, start and end with a letter or digit, at most 127 "
                "characters",
            ),
            "workers_per_object": _int("Workers who label each object, 1-9. Default 1.", 1, 9),
            "task_time_limit": _duration("Time a worker has for one task. Default 5m.", "30s", "8h"),
            "task_availability": _duration(
                "How long a task waits for a worker. Default 10d (public: 6h).", "1m", "30d (public: 12h)"
            ),
            "max_concurrent_tasks": _int(
                "Tasks available to workers at once, 1-5000. Default 1000.", 1, 5000
            ),
            "title": _str(
                "Task title shown to workers, 1-128 characters. Default from the task type.",
                minLength=1,
                maxLength=128,
            ),
            "description": _str(
                "Task description shown to workers, 1-255 characters. Default from the task type.",
                minLength=1,
                maxLength=255,
            ),
            "keywords": _list(
                "Search keywords, 1-5, each 1-30 letters/digits in words.",
                _str(
                    "A keyword.",
                    KEYWORD,
                    "keywords are words of letters and digits separated by single spaces",
                    minLength=1,
                    maxLength=30,
                ),
                minItems=1,
                maxItems=5,
            ),
            "content_classifiers": _list(
                "Declare the data free of personal information and/or adult "
                "content (needed for the public workforce).",
                {"enum": list(CONTENT_CLASSIFIERS)},
                uniqueItems=True,
            ),
            "stopping": _obj(
                "Stop the job automatically when a limit is reached.",
                {
                    "max_human_labeled_objects": _int(
                        "Stop after this many objects were labeled by people.", 1
                    ),
                    "max_percentage_labeled": _int(
                        "Stop after this percentage (1-100) of the input is labeled.", 1, 100
                    ),
                },
                minProperties=1,
            ),
            "kms_key": _str(
                "KMS key (id, ARN or alias/...) that encrypts the output.",
                r"^[a-zA-Z0-9:/_-]+$",
                "a KMS key id, ARN or alias/name",
                maxLength=2048,
            ),
            "tags": _tags("Tags on the job (added to the common tags)."),
            "relaunch": {
                "description": "manual (default): a changed job is reported; auto: the job name "
                "gets a hash suffix of its configuration and a changed job is relaunched.",
                "enum": ["manual", "auto"],
            },
        },
        ("name", "task_type", "input", "output", "role"),
    )


def build_schema() -> dict[str, Any]:
    """The whole schema as a dict (stable key order, so the committed file is reproducible)."""
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": "gtops spec",
        "description": "One Ground Truth private-labeling setup (Cognito pool, groups, client, domain, "
        "workforce, teams, workers and labeling jobs) in one account and region. Several files are merged "
        "into one setup: lists are concatenated, any other key may be set in one file only.",
        "type": "object",
        "additionalProperties": False,
        "patternProperties": {
            "^x-": {
                "description": "Ignored by gtops: a place for YAML anchors (&name) that entries below "
                "reuse with <<: *name."
            },
        },
        "properties": {
            "name": _str(
                "Setup name, used in ownership tags and the lock key. Default: the pool name.",
                SETUP_NAME,
                "use letters, digits and _.-, at most 63 characters",
            ),
            "region": _str(
                "AWS region, e.g. us-east-1 (--region overrides).", REGION, "a region looks like us-east-1"
            ),
            "root": _str(
                "Folder that files named in the spec (rosters, templates, manifests, input folders, Lambda "
                "sources) must stay in, relative to this file. Default: the folder of the spec files. It may "
                "widen that up to the working folder, never beyond (--allow-outside lifts the rule).",
                minLength=1,
            ),
            "vars": {
                "type": "object",
                "description": "Variables for {{ name }} in spec files (overridden by the environment, "
                "GTOPS_VAR_<name> and --var name=value).",
                "propertyNames": {"pattern": VAR_NAME},
            },
            "tags": _tags("Tags added to everything gtops creates that can be tagged."),
            "permissions_boundary": _str(
                "ARN of a managed IAM policy set as the permissions boundary of every role gtops creates "
                "(managed job roles, roles of deployed Lambdas); a live role with another boundary gets "
                "this one. `gtops iam-policy` then lets the pipeline write roles only with this boundary.",
                POLICY_ARN,
                "must be an IAM policy ARN (arn:aws:iam::123456789012:policy/Name)",
                maxLength=2048,
            ),
            "prune": _obj(
                "What gtops may remove when it is no longer in the spec (all default false: only reported).",
                {
                    "members": _bool("Delete Cognito users not in the roster."),
                    "jobs": _bool("Stop running jobs removed from the spec."),
                    "groups": _bool("Delete gtops-owned groups removed from the spec."),
                    "teams": _bool("Delete gtops-owned teams removed from the spec."),
                },
            ),
            "safety": _obj(
                "Refuse plans that remove or disable too many workers at once (--force overrides).",
                {
                    "max_worker_change": {
                        "type": "number",
                        "minimum": 0,
                        "maximum": 1,
                        "description": "Largest share (0-1) of existing workers one plan "
                        "may remove or disable. Default 0.3.",
                    },
                    "min_workers": _int(
                        "The share check applies only from this many existing workers. Default 10.", 0
                    ),
                },
            ),
            "lock": _obj(
                "Optional shared lock in S3 so two runs never apply at once.",
                {
                    "bucket": _str(
                        "S3 bucket holding the lock.",
                        r"^[a-z0-9][a-z0-9.\-]{1,61}[a-z0-9]$",
                        "must be an S3 bucket name",
                    ),
                    "key": _str("Object key of the lock (default gtops/locks/<name>.json).", minLength=1),
                },
                ("bucket",),
            ),
            "notifications": _notifications(),
            "pool": _pool(),
            "groups": _list("Cognito groups (names unique).", _group()),
            "client": _client(),
            "domain": _str(
                "Cognito hosted-UI domain prefix (<prefix>.auth.<region>.amazoncognito.com), "
                "1-63 lower-case letters, digits and hyphens.",
                DOMAIN,
                "use lower-case letters, digits and hyphens, not at the start or end, at most 63 characters",
            ),
            "workforce": _workforce(),
            "teams": _list("Private work teams (at most 25 per account and region).", _team(), maxItems=25),
            "members": _members(),
            "jobs": _list("Labeling jobs.", _job()),
        },
    }


def schema_json() -> str:
    return json.dumps(build_schema(), indent=2, ensure_ascii=False) + "\n"
