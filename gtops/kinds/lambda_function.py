"""lambda_function: a custom job's pre-annotation or consolidation Lambda, deployed from a local .py file.

The zip is built reproducibly, so the function is updated only when its code changes. Planned with the jobs
that use it (gtops.jobs.plan); a function no job uses any more is kept (a running job might call it).
"""

from __future__ import annotations

from gtops.kinds.base import APPLY, Kind, Use, deferred

NAME = "lambda_function"
A = "gtops.jobs.apply"
KIND = Kind(
    NAME,
    bulk=True,
    implies=("labeling_job",),
    # Never deleted: a running job might use it.
    steps={
        "create": deferred(A, "lambda_create"),
        "update": deferred(A, "lambda_update"),
    },
    iam=(
        Use("gtops.jobs.live:get_function", "lambda", ("GetFunction",), "functions", "lambdas"),
        Use(
            f"{A}:lambda_create",
            "lambda",
            ("CreateFunction", "TagResource", "UpdateFunctionCode", "UpdateFunctionConfiguration"),
            "functions",
            "lambdas",
            APPLY,
        ),
        Use(f"{A}:lambda_create", "iam", ("PassRole",), "lambda_role", "lambdas", APPLY),
    ),
)
