"""The spec language: load YAML with locations, render variables, merge files, validate, normalize.

`load_spec(paths)` is the entry point; it returns a `Spec` or raises `SpecError` listing every problem.
Nothing here imports boto3 or moto: `gtops validate` must stay fast and work offline.
"""

from gtops.errors import Problem, SpecError
from gtops.spec.lambdas import builtin_lambda_arns
from gtops.spec.loader import Spec, load_spec
from gtops.spec.locations import format_path
from gtops.spec.schema import build_schema, schema_json

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
