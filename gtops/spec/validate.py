"""Schema validation with messages a person can act on, each located at file:line:column.

jsonschema finds the problems (`iter_errors`, so all of them); this module words them ("must be at most
9", "unknown key 'workers_per_objct' (did you mean 'workers_per_object'?)") and places them. The
cross-reference rules live in `gtops.spec.checks`.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Iterator
from functools import cache
from typing import Any

from gtops.errors import Problem
from gtops.spec.locations import Locations
from gtops.spec.schema import build_schema

_TYPE_WORDS = {
    "string": "text",
    "integer": "a whole number",
    "number": "a number",
    "boolean": "true or false",
    "array": "a list",
    "object": "a mapping (key: value)",
    "null": "empty",
}


@cache
def _validator():
    from jsonschema import Draft202012Validator

    return Draft202012Validator(build_schema())


@cache
def _schema_text() -> str:
    return repr(build_schema())


def suggest(word: str, choices: Iterable[Any]) -> str:
    """' (did you mean 'x'?)' for a near miss, else ''."""
    options = [str(c) for c in choices]
    close = difflib.get_close_matches(str(word), options, n=1, cutoff=0.6)
    if not close:
        lowered = {o.lower(): o for o in options}
        hit = lowered.get(str(word).lower())
        close = [hit] if hit else []
    return f" (did you mean '{close[0]}'?)" if close else ""


def describe(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f"text '{value}'" if len(value) <= 40 else "text"
    if isinstance(value, (int, float)):
        return f"the number {value}"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return type(value).__name__


def _choices(values: list[Any]) -> str:
    shown = ["true" if v is True else "false" if v is False else str(v) for v in values]
    return ", ".join(shown)


def _messages(err: Any) -> Iterator[tuple[tuple[Any, ...], str]]:
    """(field path, message) pairs for one jsonschema error."""
    path = tuple(err.absolute_path)
    kind = err.validator
    schema = err.schema if isinstance(err.schema, dict) else {}
    value = err.validator_value
    inst = err.instance
    if "propertyNames" in err.schema_path:
        hint = schema.get("x-hint", f"does not match {schema.get('pattern')}")
        yield path + (inst,), f"key '{inst}' is not valid: {hint}"
        return
    if "x-message" in schema and kind not in ("additionalProperties", "required"):
        yield path, str(schema["x-message"])
        return
    if kind == "additionalProperties":
        allowed = list(schema.get("properties", {}))
        patterns = [re.compile(p) for p in schema.get("patternProperties", {})]
        for key in inst:
            if key not in allowed and not any(p.search(key) for p in patterns):
                yield path + (key,), f"unknown key '{key}'{suggest(key, allowed)}"
    elif kind == "required":
        for key in value:
            if key not in inst:
                yield path, f"missing required key '{key}'"
    elif kind == "type":
        wanted: list[str] = value if isinstance(value, list) else [value]  # JSON Schema type names
        words = " or ".join(_TYPE_WORDS.get(w, w) for w in wanted)
        hint = ""
        if "string" in wanted and isinstance(inst, (bool, int, float)):
            hint = " (put it in quotes)"
        yield path, f"must be {words}, not {describe(inst)}{hint}"
    elif kind == "enum":
        extra = suggest(inst, value) if isinstance(inst, str) else ""
        yield path, f"must be one of {_choices(value)}, not {describe(inst)}{extra}"
    elif kind == "const":
        yield path, f"must be {value!r}"
    elif kind == "minimum":
        yield path, f"must be at least {value}, not {inst}"
    elif kind == "maximum":
        yield path, f"must be at most {value}, not {inst}"
    elif kind == "exclusiveMinimum":
        yield path, f"must be more than {value}, not {inst}"
    elif kind == "exclusiveMaximum":
        yield path, f"must be less than {value}, not {inst}"
    elif kind == "minLength":
        yield path, "must not be empty" if value == 1 else f"must be at least {value} characters long"
    elif kind == "maxLength":
        yield path, f"must be at most {value} characters long (it has {len(inst)})"
    elif kind == "minItems":
        yield path, "must not be empty" if value == 1 else f"must have at least {value} items"
    elif kind == "maxItems":
        yield path, f"must have at most {value} items (it has {len(inst)})"
    elif kind == "maxProperties":
        yield path, f"must have at most {value} entries (it has {len(inst)})"
    elif kind == "minProperties":
        yield path, "must not be empty" if value == 1 else f"must have at least {value} entries"
    elif kind == "uniqueItems":
        seen: list[Any] = []
        for i, item in enumerate(inst):
            if item in seen:
                yield path + (i,), f"{describe(item)} is listed twice"
            else:
                seen.append(item)
    elif kind == "pattern":
        hint = schema.get("x-hint")
        if hint:
            yield path, f"'{inst}' is not valid: {hint}"
        else:
            yield path, f"'{inst}' does not match {value}"
    else:
        yield path, err.message


def schema_problems(data: Any, locations: Locations) -> list[Problem]:
    """Every schema violation in the merged spec, worded and located. A document that passed before (same
    data, same schema, same engine) is not checked again: see gtops.passcache."""
    from gtops import passcache

    name = passcache.key("schema", (_schema_text() + repr(data)).encode(), ("jsonschema", __name__))
    if passcache.passed(name):
        return []
    problems: list[Problem] = []
    seen: set[tuple[tuple[Any, ...], str]] = set()
    for err in _validator().iter_errors(data):
        for path, message in _messages(err):
            if (path, message) not in seen:
                seen.add((path, message))
                problems.append(locations.problem(path, message))
    if not problems:
        passcache.remember(name)
    return problems
