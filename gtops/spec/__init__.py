"""The spec language: load YAML with locations, render variables, merge files, validate, normalize.

`load_spec(paths)` is the entry point; it returns a `Spec` or raises `SpecError` listing every problem.
Nothing here imports boto3 or moto: `gtops validate` must stay fast and work offline. Names are imported
lazily, so the kinds can use gtops.spec.fields without importing the loader (which imports the kinds).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from gtops.errors import Problem, SpecError
    from gtops.spec.lambdas import builtin_lambda_arns
    from gtops.spec.loader import Spec, load_spec
    from gtops.spec.locations import format_path
    from gtops.spec.schema import build_schema, schema_json

_WHERE = {
    "Problem": "gtops.errors",
    "SpecError": "gtops.errors",
    "builtin_lambda_arns": "gtops.spec.lambdas",
    "Spec": "gtops.spec.loader",
    "load_spec": "gtops.spec.loader",
    "format_path": "gtops.spec.locations",
    "build_schema": "gtops.spec.schema",
    "schema_json": "gtops.spec.schema",
}
__all__ = [
    "Problem",
    "Spec",
    "SpecError",
    "build_schema",
    "builtin_lambda_arns",
    "format_path",
    "load_spec",
    "schema_json",
]


def __getattr__(name: str) -> Any:
    import importlib

    if name not in _WHERE:
        raise AttributeError(f"module 'gtops.spec' has no attribute {name!r}")
    return getattr(importlib.import_module(_WHERE[name]), name)
