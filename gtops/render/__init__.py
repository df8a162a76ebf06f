"""Plan renderers: one Plan, four formats (text, JSON, Markdown, Terraform's JSON), each writing to a file
handle; and the HTML views of the Python API (gtops.render.html).

Only gtops.plan and gtops.model are imported here, so rendering never pulls in boto3.
"""

from __future__ import annotations

from typing import IO

from gtops.errors import GtopsError
from gtops.plan import Plan

FORMATS = ("text", "json", "markdown", "terraform-json")


def render(
    plan: Plan,
    fmt: str,
    fh: IO[str],
    color: bool = False,
    drift: bool = False,
    show_members: bool = False,
    pointer: str | None = None,
) -> None:
    """Write `plan` to `fh` as `fmt`; `drift=True` phrases it as changes made outside gtops.

    JSON (both kinds) reads drift in the drift text's direction: from what the spec says to what AWS has.
    `show_members` and `pointer` (where the whole plan is) are for Markdown, which masks workers' personal
    data and stays under GitHub's comment limit.
    """
    if fmt == "text":
        from gtops.render.text import render_drift_text, render_text

        (render_drift_text if drift else render_text)(plan, fh, color=color)
    elif fmt == "json":
        from gtops.render.json import render_json

        render_json(plan, fh, drift=drift)
    elif fmt == "markdown":
        from gtops.render.markdown import render_markdown

        render_markdown(plan, fh, drift=drift, show_members=show_members, pointer=pointer)
    elif fmt == "terraform-json":
        from gtops.render.terraform import render_terraform_json

        render_terraform_json(plan, fh, drift=drift)
    else:
        raise GtopsError(f"unknown output format {fmt!r} (choose one of: {', '.join(FORMATS)})")
