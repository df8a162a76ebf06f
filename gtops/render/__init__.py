"""Plan renderers: one Plan, three formats (text, JSON, Markdown), each writing to a file handle.

Only gtops.plan and gtops.model are imported here, so rendering never pulls in boto3.
"""

from __future__ import annotations

from typing import IO

from gtops.errors import GtopsError
from gtops.plan import Plan

FORMATS = ("text", "json", "markdown")


def render(plan: Plan, fmt: str, fh: IO[str], color: bool = False, drift: bool = False) -> None:
    """Write `plan` to `fh` as `fmt`; `drift=True` phrases it as changes made outside gtops.

    JSON is the same document either way (the plan is the data; drift is only a way of reading it).
    """
    if fmt == "text":
        from gtops.render.text import render_drift_text, render_text

        (render_drift_text if drift else render_text)(plan, fh, color=color)
    elif fmt == "json":
        from gtops.render.json import render_json

        render_json(plan, fh)
    elif fmt == "markdown":
        from gtops.render.markdown import render_markdown

        render_markdown(plan, fh, drift=drift)
    else:
        raise GtopsError(f"unknown output format {fmt!r} (choose one of: {', '.join(FORMATS)})")
