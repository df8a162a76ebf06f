"""Labeling jobs: plan/apply (`plan`, `apply`), watching (`status`), results and worker UI previews.

`plan.plan_jobs` and the steps in `apply` are what the labeling_job, iam_role and lambda_function kinds
(gtops/kinds/) call; `templates.check_template` is what `gtops validate` calls for a job's UI template.
Nothing here is imported by `gtops --help`.
"""
