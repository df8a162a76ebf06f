"""Labeling jobs: plan/apply (`plan`, `apply`), watching (`status`), results and worker UI previews.

`plan.plan_jobs` and `apply.JOB_STEPS` plug into the engine; `templates.check_template` is what
`gtops validate` calls for a job's UI template. Nothing here is imported by `gtops --help`.
"""
