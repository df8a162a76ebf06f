"""lambda_function: a custom job's pre-annotation or consolidation Lambda, deployed from a local .py file.

The zip is built reproducibly, so the function is updated only when its code changes. Planned with the jobs
that use it (gtops.jobs.plan); a function no job uses any more is kept (a running job might call it).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from gtops.kinds.base import APPLY, Kind, Use

if TYPE_CHECKING:
    from gtops.apply.context import ApplyContext
    from gtops.plan import Change

NAME = "lambda_function"


def create(ctx: ApplyContext, change: Change) -> None:
    from gtops.jobs.apply import lambda_create

    lambda_create(ctx, change)


def update(ctx: ApplyContext, change: Change) -> None:
    from gtops.jobs.apply import lambda_update

    lambda_update(ctx, change)


A = "gtops.jobs.apply"
KIND = Kind(
    NAME,
    bulk=True,
    implies=("labeling_job",),
    steps={"create": create, "update": update},  # never deleted: a running job might use it
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
