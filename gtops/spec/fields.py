"""Building blocks of the spec's JSON Schema: AWS name patterns and small schema constructors.

Each kind module (gtops/kinds/) builds its own schema fragment from these; gtops.spec.schema assembles them.
Two non-standard annotation keywords help gtops word its messages: `x-message` replaces the message for any
failure of that subschema, and `x-hint` explains a `pattern` in words. Validators ignore both.
"""

from __future__ import annotations

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
    "verification_bounding_box",
    "adjustment_bounding_box",
    "verification_semantic_segmentation",
    "adjustment_semantic_segmentation",
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

# A spec variable in a file as written: gtops renders {{ ... }} before it validates, but an editor or
# check-jsonschema sees the template. The schema for files as written (gtops.spec.schema.editor_schema)
# accepts it wherever a text must match a pattern or be one of a few values.
TEMPLATE = {
    "type": "string",
    "pattern": r"\{\{.*\}\}",
    "description": "A spec variable such as {{ env }}: replaced before gtops checks the value "
    "(`gtops validate --var env=prod` checks the rendered spec).",
}

AUTH_FLOWS = (
    "ALLOW_USER_PASSWORD_AUTH",
    "ALLOW_REFRESH_TOKEN_AUTH",
    "ALLOW_USER_SRP_AUTH",
    "ALLOW_CUSTOM_AUTH",
    "ALLOW_ADMIN_USER_PASSWORD_AUTH",
    "ALLOW_USER_AUTH",
)
CONTENT_CLASSIFIERS = ("FreeOfPersonallyIdentifiableInformation", "FreeOfAdultContent")


def obj(description: str, properties: dict[str, Any], required: tuple[str, ...] = (), **extra: Any) -> dict:
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


def text(description: str, pattern: str | None = None, hint: str | None = None, **extra: Any) -> dict:
    out: dict[str, Any] = {"type": "string", "description": description}
    if pattern:
        out["pattern"] = pattern
    if hint:
        out["x-hint"] = hint
    out.update(extra)
    return out


def boolean(description: str) -> dict:
    return {"type": "boolean", "description": description}


def integer(description: str, minimum: int | None = None, maximum: int | None = None) -> dict:
    out: dict[str, Any] = {"type": "integer", "description": description}
    if minimum is not None:
        out["minimum"] = minimum
    if maximum is not None:
        out["maximum"] = maximum
    return out


def array(description: str, items: dict, **extra: Any) -> dict:
    out = {"type": "array", "description": description, "items": items}
    out.update(extra)
    return out


def duration(description: str, lo: str, hi: str) -> dict:
    return {
        "description": f"{description} A duration such as 30s, 5m, 1h, 6h or 10d, or a number of seconds "
        f"(from {lo} to {hi}).",
        "anyOf": [{"type": "integer", "minimum": 0}, {"type": "string", "pattern": DURATION}],
        "x-message": "must be a duration such as 30s, 5m, 1h or 10d, or a whole number of seconds",
    }


def tags(description: str) -> dict:
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
