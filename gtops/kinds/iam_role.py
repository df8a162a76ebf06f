"""iam_role: the least-privilege roles gtops creates for `role: managed` jobs and for local Lambdas.

Planned with the jobs that need them (gtops.jobs.plan); a role no job uses any more is kept (a running job
might). With `permissions_boundary` in the spec every role is born with it, so the pipeline role may create
only roles that cannot exceed the boundary.
"""

from __future__ import annotations

from gtops.kinds.base import APPLY, Kind, Use, deferred

NAME = "iam_role"
A = "gtops.jobs.apply"
KIND = Kind(
    NAME,
    bulk=True,
    implies=("labeling_job",),
    # Never deleted: a running job might use it.
    steps={
        "create": deferred(A, "role_create"),
        "update": deferred(A, "role_update"),
    },
    iam=(
        Use(
            "gtops.jobs.live:get_role", "iam", ("GetRole", "GetRolePolicy"), "managed_roles", "managed_roles"
        ),
        # CreateRole with Tags also needs iam:TagRole, which has no iam:PermissionsBoundary key.
        Use(f"{A}:role_create", "iam", ("TagRole",), "managed_roles", "managed_roles", APPLY),
        Use(f"{A}:role_create", "iam", ("CreateRole",), "bounded_roles", "managed_roles", APPLY),
        Use(
            f"{A}:_converge_role",
            "iam",
            ("UpdateAssumeRolePolicy", "PutRolePolicy"),
            "bounded_roles",
            "managed_roles",
            APPLY,
        ),
        Use(
            f"{A}:_converge_role",
            "iam",
            ("PutRolePermissionsBoundary",),
            "boundary_roles",
            "managed_roles",
            APPLY,
        ),
    ),
)
