"""HTML views for notebooks (the `_repr_html_` of gtops.api's Plan, Drift, Status and Results).

The same content as the Markdown plan, as a table: the summary, workers counted per kind of change and per
group (their e-mail addresses and phone numbers masked unless `show_members`: a notebook keeps its outputs),
one row per other resource with its changed fields, and the warnings. Every value is escaped, and secrets are
masked as in the text plan. Bounded like the Markdown plan: a plan of any size stays a readable page.
"""

from __future__ import annotations

import re
from html import escape
from typing import TYPE_CHECKING, Any

from gtops.plan import Plan
from gtops.render.markdown import changes_items, clip
from gtops.render.people import is_personal, mask_text, worker_headline, worker_rows
from gtops.render.text import DRIFT_SYMBOL, EMPTY, NO_DRIFT, SYMBOL, where

if TYPE_CHECKING:
    from gtops.jobs.status import JobStatus

MAX_ROWS = 200  # resources shown one per row; the text plan (str(plan)) has them all
CELL_MAX = 2_000
STYLE = "border-collapse:collapse;text-align:left"
CELL = "padding:2px 8px;border-bottom:1px solid #ddd;vertical-align:top;text-align:left"


def _table(header: list[str], rows: list[list[str]]) -> str:
    head = "".join(f'<th style="{CELL}">{h}</th>' for h in header)
    body = "".join("<tr>" + "".join(f'<td style="{CELL}">{c}</td>' for c in row) + "</tr>" for row in rows)
    return f'<table style="{STYLE}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


_SPAN = re.compile(r"(?<!`)(`+) ?(.+?) ?(?<!`)\1(?!`)")  # a value with a backtick has a longer fence


def _code_spans(escaped: str) -> str:
    """The Markdown code spans of an (escaped) change item as HTML code elements."""
    return _SPAN.sub(r"<code>\2</code>", escaped)


def plan_html(plan: Plan, drift: bool = False, show_members: bool = False) -> str:
    def text(value: str, limit: int = CELL_MAX) -> str:
        return escape(clip(value if show_members else mask_text(value), limit))

    title = "gtops drift" if drift else "gtops plan"
    place = where(plan)
    parts = [f"<h4>{title}{': ' + escape(place) if place else ''}</h4>"]
    changes = plan.actionable
    if not changes:
        parts.append(f"<p>{NO_DRIFT if drift else EMPTY}</p>")
    else:
        if drift:
            noun = "resource differs" if len(changes) == 1 else "resources differ"
            parts.append(f"<p><b>Drift: {len(changes)} {noun} from the spec.</b></p>")
        else:
            parts.append(f"<p><b>Plan: {escape(plan.summary())}</b></p>")
        symbols = DRIFT_SYMBOL if drift else SYMBOL
        others = [c for c in changes if not is_personal(c.address.kind)]
        rows = []
        for change in others[:MAX_ROWS]:
            items = "<br>".join(_code_spans(text(i, 500)) for i in changes_items(change, drift))
            rows.append(
                [f"<code>{symbols[change.action]}</code>", f"<code>{text(str(change.address))}</code>", items]
            )
        if len(others) > MAX_ROWS:
            rows.append(
                [
                    "…",
                    f"{len(others) - MAX_ROWS:,} more resources",
                    "in the text plan: <code>print(plan)</code>",
                ]
            )
        if rows:
            parts.append(_table(["Action", "Resource", "Changes"], rows))
        people = [c for c in changes if is_personal(c.address.kind)]
        if people:
            parts.append(f"<p><b>Workers:</b> {escape(worker_headline(people, drift))}</p>")
            worker_table = [
                [
                    f"<code>{row.symbol}</code> {escape(row.label)}",
                    f"{row.count:,}",
                    escape(clip(row.group_text(), 600)),
                    ", ".join(f"<code>{escape(clip(e, 130))}</code>" for e in row.examples),
                ]
                for row in worker_rows(people, drift, show_members)
            ]
            parts.append(_table(["Change", "Workers", "By group", "Examples"], worker_table))
    for warning in plan.warnings[:20]:
        parts.append(f"<p><b>Warning:</b> {text(warning)}</p>")
    return "\n".join(parts)


def status_html(rows: list[JobStatus]) -> str:
    from gtops.jobs.status import age, bar

    if not rows:
        return "<p>The spec has no labeling jobs.</p>"
    body = [
        [
            f"<code>{escape(r.name)}</code>",
            escape(r.status),
            f"{r.labeled:,}",
            f"{r.unlabeled:,}",
            f"{r.failed:,}",
            f"<code>{escape(bar(r.progress))}</code>",
            escape(age(r.age_seconds)),
            escape(r.failure_reason or ""),
        ]
        for r in rows
    ]
    header = ["Job", "Status", "Labeled", "Unlabeled", "Failed", "Progress", "Age", "Failure"]
    return _table(header, body)


def results_html(job: str, manifest: str, s: dict[str, Any]) -> str:
    counts = f"{s['labeled']:,} of {s['objects']:,} objects labeled ({s['failed']:,} failed)"
    by = f"By people: {s['human_labeled']:,}, by the model (automated labeling): {s['machine_labeled']:,}"
    parts = [
        f"<h4>Job {escape(job)}: {counts}</h4>",
        f"<p>Output manifest: <code>{escape(manifest)}</code><br>{by}</p>",
    ]
    if s["classes"]:
        rows = [[escape(str(name)), f"{count:,}"] for name, count in s["classes"].items()]
        parts.append(_table(["Label", "Count"], rows))
    c = s["confidence"]
    if c["count"]:
        parts.append(f"<p>Confidence: mean {c['mean']:.2f}, min {c['min']:.2f}, max {c['max']:.2f}</p>")
        peak = max(b["count"] for b in c["histogram"]) or 1
        hist = [
            [
                f"{b['from']:.1f}–{b['to']:.1f}",
                f"<code>{'█' * round(20 * b['count'] / peak)}</code>",
                f"{b['count']:,}",
            ]
            for b in c["histogram"]
        ]
        parts.append(_table(["Confidence", "", "Labels"], hist))
    low = s["low_confidence"]
    parts.append(f"<p>Low confidence (&lt; {s['threshold']:g}): {len(low):,} objects</p>")
    if low:
        rows = [
            [f"{item['confidence']:.2f}", f"<code>{escape(str(item['source']))}</code>"] for item in low[:20]
        ]
        if len(low) > 20:
            rows.append(["…", f"{len(low) - 20:,} more (<code>to_csv()</code>)"])
        parts.append(_table(["Confidence", "Object"], rows))
    return "\n".join(parts)
