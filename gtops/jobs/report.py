"""`gtops report JOB`: one self-contained HTML file that tells a labeling manager whether to trust the labels.

Charts (inline SVG, drawn here: no script, no font, nothing fetched) for class balance, confidence (people and
the model apart: AWS says the two scales must not be compared), worker agreement and time per task; the
worst objects with their images and boxes drawn (images embedded as data: URIs, each and all within a size
bound). Every string from the job's output is untrusted: each goes through `html.escape`, images are embedded
only when their bytes are PNG, JPEG, GIF or WebP (never SVG, which can carry script), and the page's
Content-Security-Policy forbids scripts and any request at all.
"""

from __future__ import annotations

import base64
import datetime as dt
import html
import struct
from dataclasses import dataclass
from typing import Any

from gtops.jobs.results import MODEL, PEOPLE, names_text

IMAGE_MAX = 1 << 20  # bytes per embedded image
IMAGES_TOTAL = 16 << 20  # bytes of images per report
TEXT_MAX = 5_000  # characters of a text object shown
MAX_ROWS = 40  # bars per chart
COLORS = {PEOPLE: "#1f77b4", MODEL: "#ff7f0e"}
PALETTE = ["#e6194b", "#3cb44b", "#4363d8", "#f58231", "#911eb4", "#42d4f4", "#f032e6", "#9a6324", "#808000"]
CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'; form-action 'none'; base-uri 'none'"


def esc(value: Any) -> str:
    return html.escape(str(value), quote=True)


@dataclass
class Image:
    data: bytes | None
    mime: str | None
    width: int | None
    height: int | None
    note: str | None = None  # why it is not shown

    def uri(self) -> str:
        assert self.data is not None and self.mime
        return f"data:{self.mime};base64,{base64.b64encode(self.data).decode()}"


# ----------------------------------------------------------------------------------------------------
# images


def sniff(data: bytes) -> tuple[str | None, int | None, int | None]:
    """(MIME type, width, height) of a PNG, JPEG, GIF or WebP; (None, None, None) for anything else."""
    try:
        if data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR":
            width, height = struct.unpack(">II", data[16:24])
            return "image/png", width, height
        if data[:6] in (b"GIF87a", b"GIF89a"):
            width, height = struct.unpack("<HH", data[6:10])
            return "image/gif", width, height
        if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
            return "image/webp", *_webp_size(data)
        if data[:3] == b"\xff\xd8\xff":
            return "image/jpeg", *_jpeg_size(data)
    except struct.error:
        pass
    return None, None, None


def _webp_size(data: bytes) -> tuple[int | None, int | None]:
    chunk = data[12:16]
    if chunk == b"VP8 " and len(data) >= 30:
        w, h = struct.unpack("<HH", data[26:30])
        return w & 0x3FFF, h & 0x3FFF
    if chunk == b"VP8L" and len(data) >= 25:
        bits = int.from_bytes(data[21:25], "little")
        return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
    if chunk == b"VP8X" and len(data) >= 30:
        return int.from_bytes(data[24:27], "little") + 1, int.from_bytes(data[27:30], "little") + 1
    return None, None


def _jpeg_size(data: bytes) -> tuple[int | None, int | None]:
    i = 2
    while i + 9 < len(data):
        if data[i] != 0xFF:
            i += 1
            continue
        marker = data[i + 1]
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:
            i += 2
            continue
        length = struct.unpack(">H", data[i + 2 : i + 4])[0]
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            height, width = struct.unpack(">HH", data[i + 5 : i + 9])
            return width, height
        i += 2 + length
    return None, None


class Images:
    """Fetches the images the report shows from S3, within IMAGE_MAX each and IMAGES_TOTAL in all."""

    def __init__(self, s3: Any):
        self.s3 = s3
        self.spent = 0

    def get(self, uri: str) -> Image:
        from gtops.jobs import s3 as s3u

        if not uri.startswith("s3://"):
            return Image(None, None, None, None, "not an S3 object")
        try:
            bucket, key = s3u.split(uri)
            size = int(self.s3.head_object(Bucket=bucket, Key=key).get("ContentLength") or 0)
            if size > IMAGE_MAX:
                return Image(None, None, None, None, f"{size:,} bytes, over the {IMAGE_MAX:,}-byte bound")
            if self.spent + size > IMAGES_TOTAL:
                return Image(
                    None, None, None, None, f"the report's {IMAGES_TOTAL:,} bytes of images are spent"
                )
            data = self.s3.get_object(Bucket=bucket, Key=key)["Body"].read(IMAGE_MAX + 1)
        except Exception as err:  # noqa: BLE001 - an image the reader cannot fetch is shown as a note
            from gtops.aws import error_code

            return Image(None, None, None, None, f"cannot read it ({error_code(err) or type(err).__name__})")
        if len(data) > IMAGE_MAX:
            return Image(None, None, None, None, f"over the {IMAGE_MAX:,}-byte bound")
        mime, width, height = sniff(data)
        if mime is None:
            return Image(None, None, None, None, "not a PNG, JPEG, GIF or WebP image")
        self.spent += len(data)
        return Image(data, mime, width, height)


# ----------------------------------------------------------------------------------------------------
# charts


def _short(text: str, limit: int = 28) -> str:
    """At most `limit` characters, cut in the middle: worker ids differ at their ends."""
    if len(text) <= limit:
        return text
    head = (limit - 1) // 2
    return text[:head] + "\u2026" + text[len(text) - (limit - 1 - head) :]


def hbar_chart(
    rows: list[tuple[str, list[float]]],
    series: list[tuple[str, str]],
    fmt: Any,
    title: str,
    top: float | None = None,
) -> str:
    """Horizontal bars, one row per item, stacked series; `fmt` writes a row's total."""
    if not rows:
        return ""
    label_w, bar_w, row_h = 230, 380, 22
    peak = top if top is not None else max((sum(v) for _, v in rows), default=0) or 1
    height = row_h * len(rows) + 34
    width = label_w + bar_w + 90
    parts = [
        f'<svg class="chart" role="img" aria-label="{esc(title)}" viewBox="0 0 {width} {height}"'
        f' width="{width}" height="{height}" xmlns="http://www.w3.org/2000/svg">'
    ]
    for i, (name, values) in enumerate(rows):
        y = 4 + i * row_h
        parts.append(
            f'<text x="{label_w - 6}" y="{y + 15}" text-anchor="end" class="axis"><title>{esc(name)}</title>'
            f"{esc(_short(name))}</text>"
        )
        x = float(label_w)
        for (series_name, color), value in zip(series, values, strict=True):
            w = bar_w * value / peak if peak else 0
            if w > 0:
                parts.append(
                    f'<rect class="bar" x="{x:.1f}" y="{y + 3}" width="{w:.1f}" height="{row_h - 6}"'
                    f' fill="{color}"><title>{esc(series_name)}: {esc(fmt(value))}</title></rect>'
                )
            x += w
        parts.append(f'<text x="{x + 5:.1f}" y="{y + 15}" class="value">{esc(fmt(sum(values)))}</text>')
    y = 8 + len(rows) * row_h
    if len(series) > 1:
        x = label_w
        for name, color in series:
            parts.append(f'<rect x="{x}" y="{y}" width="12" height="12" fill="{color}"/>')
            parts.append(f'<text x="{x + 16}" y="{y + 11}" class="axis">{esc(name)}</text>')
            x += 24 + 8 * len(name)
    parts.append("</svg>")
    return "".join(parts)


def histogram_chart(by: dict[str, dict[str, Any]], title: str) -> str:
    """Confidence histogram: a group of bars per bucket, one bar per kind of labeler (people, model)."""
    groups = [k for k in (PEOPLE, MODEL) if by[k]["confidence"]["count"]]
    if not groups:
        return ""
    buckets = by[groups[0]]["confidence"]["histogram"]
    peak = max(b["count"] for k in groups for b in by[k]["confidence"]["histogram"]) or 1
    chart_h, slot_w, left, top = 160, 110, 40, 16
    width, height = left + slot_w * len(buckets) + 10, chart_h + 60 + top
    parts = [
        f'<svg class="chart" role="img" aria-label="{esc(title)}" viewBox="0 {-top} {width} {height}"'
        f' width="{width}" height="{height}" xmlns="http://www.w3.org/2000/svg">',
        f'<line x1="{left}" y1="{chart_h + 10}" x2="{width - 10}" y2="{chart_h + 10}" stroke="#888"/>',
    ]
    bar_w = (slot_w - 20) / len(groups)
    for i, bucket in enumerate(buckets):
        x0 = left + i * slot_w + 10
        for j, kind in enumerate(groups):
            count = by[kind]["confidence"]["histogram"][i]["count"]
            h = chart_h * count / peak
            x = x0 + j * bar_w
            parts.append(
                f'<rect class="bar" x="{x:.1f}" y="{chart_h + 10 - h:.1f}" width="{bar_w - 2:.1f}"'
                f' height="{h:.1f}" fill="{COLORS[kind]}"><title>{esc(kind)}: {count}</title></rect>'
            )
            parts.append(
                f'<text x="{x + bar_w / 2:.1f}" y="{chart_h + 6 - h:.1f}" text-anchor="middle" class="value">'
                f"{count}</text>"
            )
        parts.append(
            f'<text x="{x0 + (slot_w - 20) / 2:.1f}" y="{chart_h + 28}" text-anchor="middle" class="axis">'
            f"{bucket['from']:.1f}\u2013{bucket['to']:.1f}</text>"
        )
    x = left
    for kind in groups:
        parts.append(f'<rect x="{x}" y="{chart_h + 40}" width="12" height="12" fill="{COLORS[kind]}"/>')
        parts.append(f'<text x="{x + 16}" y="{chart_h + 51}" class="axis">{esc(kind)}</text>')
        x += 90
    parts.append("</svg>")
    return "".join(parts)


# ----------------------------------------------------------------------------------------------------
# objects


def _color(name: str, order: dict[str, int]) -> str:
    if name not in order:
        order[name] = len(order)
    return PALETTE[order[name] % len(PALETTE)]


def object_view(item: dict[str, Any], image: Image | None, mask: Image | None, order: dict[str, int]) -> str:
    """The object itself: its image with the consolidated boxes (and segmentation mask) drawn, or its text
    with the entities marked."""
    source = item["source"]
    if image is None:  # a text object: `source` is the text
        text = source[:TEXT_MAX]
        spans = sorted(
            (lb["start"], lb["end"], lb["label"])
            for lb in item["labels"]
            if isinstance(lb.get("start"), int) and isinstance(lb.get("end"), int)
        )
        out, at = [], 0
        for start, end, name in spans:
            if start < at or end > len(text) or start >= end:
                continue
            out.append(esc(text[at:start]))
            out.append(
                f'<mark style="border-color:{_color(name, order)}" title="{esc(name)}">{esc(text[start:end])}'
                f"<sub>{esc(_short(name, 16))}</sub></mark>"
            )
            at = end
        out.append(esc(text[at:]))
        more = "\u2026" if len(source) > TEXT_MAX else ""
        return f'<p class="text">{"".join(out)}{more}</p>'
    if image.data is None:
        return f'<p class="missing">Image not embedded: {esc(image.note or "")}</p>'
    size = item.get("image_size") or {}
    width = size.get("width") or image.width
    height = size.get("height") or image.height
    if not width or not height:
        return f'<img class="object" alt="{esc(_short(source, 80))}" src="{image.uri()}">'
    parts = [
        f'<svg class="object" viewBox="0 0 {int(width)} {int(height)}" preserveAspectRatio="xMidYMid meet"'
        f' xmlns="http://www.w3.org/2000/svg">',
        f'<image class="photo" href="{image.uri()}" x="0" y="0" width="{int(width)}" height="{int(height)}"'
        ' preserveAspectRatio="none"/>',
    ]
    if mask is not None and mask.data is not None:
        parts.append(
            f'<image class="mask" href="{mask.uri()}" x="0" y="0" width="{int(width)}" height="{int(height)}"'
            ' preserveAspectRatio="none" opacity="0.5"/>'
        )
    stroke = max(1.0, max(int(width), int(height)) / 200)
    font = max(8.0, max(int(width), int(height)) / 24)
    for lb in item["labels"]:
        box = lb.get("box")
        if not box or any(box.get(k) is None for k in ("left", "top", "width", "height")):
            continue
        color = _color(lb["label"], order)
        conf = "" if lb.get("confidence") is None else f" {lb['confidence']:.2f}"
        parts.append(
            f'<rect class="box" x="{box["left"]:g}" y="{box["top"]:g}" width="{box["width"]:g}"'
            f' height="{box["height"]:g}" fill="none" stroke="{color}" stroke-width="{stroke:.1f}">'
            f"<title>{esc(lb['label'])}{conf}</title></rect>"
        )
        parts.append(
            f'<text x="{box["left"]:g}" y="{max(font, box["top"] - 2):.1f}" font-size="{font:.1f}"'
            f' fill="{color}" class="boxlabel">{esc(_short(lb["label"], 24))}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def _card(item: dict[str, Any], view: str, order: dict[str, int]) -> str:
    names = names_text(lb["label"] for lb in item["labels"]) or "no labels"
    facts = []
    if item.get("agreement") is not None:
        facts.append(f"agreement {100 * item['agreement']:.0f}%")
    if item.get("confidence") is not None:
        facts.append(f"confidence {item['confidence']:.2f}")
    facts.append("labeled by the model" if item.get("human") is False else "labeled by people")
    dot = " \u00b7 "
    return (
        f'<figure class="worst" data-index="{int(item["index"])}">{view}<figcaption>'
        f'<div class="source">{esc(_short(item["source"], 200)) or "#" + str(int(item["index"]))}</div>'
        f"<div>{esc(dot.join(facts))}</div><div>labels: {esc(names)}</div></figcaption></figure>"
    )


# ----------------------------------------------------------------------------------------------------
# the page


STYLE = """
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:2rem;color:#222;max-width:1200px}
h1{font-size:1.5rem}h2{font-size:1.2rem;margin-top:2rem;border-bottom:1px solid #ddd}
table{border-collapse:collapse;margin:.5rem 0}td,th{padding:.2rem .6rem;border-bottom:1px solid #eee;
text-align:right}td:first-child,th:first-child{text-align:left}
.chart{max-width:100%;height:auto;display:block;margin:.5rem 0}.axis,.value{font-size:12px;fill:#333}
.grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(280px,1fr));gap:1rem}
figure.worst{margin:0;border:1px solid #ddd;border-radius:6px;padding:.5rem;overflow:hidden}
.object{width:100%;height:auto;max-height:320px;background:#f4f4f4;display:block}
.source{font-family:monospace;font-size:.8rem;word-break:break-all}
.text{white-space:pre-wrap;font-size:.9rem}.missing{color:#a00}
mark{background:#fff7cc;border-bottom:3px solid}mark sub{font-size:.65rem;color:#555}
.note{color:#555;font-size:.9rem}.boxlabel{font-family:sans-serif;font-weight:bold}
"""


def build(
    job: str,
    manifest: str,
    summary: dict[str, Any],
    workers: dict[str, Any] | None,
    images: dict[int, tuple[Image | None, Image | None]],
    now: dt.datetime | None = None,
) -> str:
    """The report page. `images`: for each worst object's index, (its image or None for text, its mask)."""
    now = now or dt.datetime.now(dt.UTC)
    s = summary
    order: dict[str, int] = {}
    written = now.strftime("%Y-%m-%d %H:%M")
    out = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>Labeling report: {esc(job)}</title><style>{STYLE}</style></head><body>",
        f"<h1>Labeling report: {esc(job)}</h1>",
        f'<p class="note">Output manifest {esc(manifest)} \u00b7 written by gtops {written} UTC</p>',
        '<table class="facts">',
        f"<tr><th>Objects</th><td>{s['objects']}</td></tr>",
        f"<tr><th>Labeled</th><td>{s['labeled']}</td></tr>",
        f"<tr><th>Failed</th><td>{s['failed']}</td></tr>",
        f"<tr><th>Labeled by people</th><td>{s['by'][PEOPLE]['objects']}</td></tr>",
        f"<tr><th>Labeled by the model (automated labeling)</th><td>{s['by'][MODEL]['objects']}</td></tr>",
        f"<tr><th>Labels</th><td>{s['labels']}</td></tr>",
        "</table>",
    ]
    people, model = s["by"][PEOPLE]["classes"], s["by"][MODEL]["classes"]
    names = sorted(s["classes"], key=lambda n: (-s["classes"][n], n))
    rows = [(n, [float(people.get(n, 0)), float(model.get(n, 0))]) for n in names[:MAX_ROWS]]
    out.append('<section id="classes"><h2>Class balance</h2>')
    if rows:
        series = [("people", COLORS[PEOPLE]), ("model", COLORS[MODEL])]
        if not model:  # people only: one series, no legend
            series, rows = series[:1], [(n, v[:1]) for n, v in rows]
        out.append(hbar_chart(rows, series, lambda v: f"{v:.0f}", "labels per class"))
        if len(names) > MAX_ROWS:
            out.append(f'<p class="note">{len(names) - MAX_ROWS} more classes not drawn.</p>')
    else:
        out.append('<p class="note">No labels.</p>')
    out.append("</section>")
    out.append('<section id="confidence"><h2>Confidence</h2>')
    chart = histogram_chart(s["by"], "confidence histogram")
    out.append(chart or '<p class="note">No confidence scores.</p>')
    if s["by"][MODEL]["confidence"]["count"] and s["by"][PEOPLE]["confidence"]["count"]:
        out.append(
            "<p class=\"note\">People's and the model's confidence are on different scales; AWS advises "
            "not to compare them.</p>"
        )
    if s["labeled"] and not s["confidence"]["max"]:
        out.append('<p class="note">Every confidence is 0: with one worker per object, AWS reports 0.</p>')
    out.append("</section>")
    out += _workers_section(workers)
    for by, who in ((PEOPLE, "people"), (MODEL, "the model")):
        worst = s["worst"][by]
        if not worst:
            continue
        measure = "agreement" if any(i["agreement"] is not None for i in worst) else "confidence"
        title = f"Lowest {measure} (labeled by {who})"
        out.append(f'<section id="worst-{by}"><h2>{esc(title)}</h2><div class="grid">')
        for item in worst:
            image, mask = images.get(int(item["index"]), (None, None))
            out.append(_card(item, object_view(item, image, mask, order), order))
        out.append("</div></section>")
    if s["failures"]:
        out.append('<section id="failures"><h2>Failed objects</h2><table>')
        for f in s["failures"][:50]:
            out.append(
                f"<tr><td>{esc(f['source'] or '#' + str(f['index']))}</td><td>{esc(f['reason'])}</td></tr>"
            )
        out.append("</table></section>")
    out.append("</body></html>")
    return "\n".join(out) + "\n"


def _workers_section(workers: dict[str, Any] | None) -> list[str]:
    out = ['<section id="workers"><h2>Workers</h2>']
    rows = (workers or {}).get("workers") or []
    note = (workers or {}).get("note")
    if not rows:
        out.append(f'<p class="note">{esc(note or "No worker responses read.")}</p></section>')
        return out
    read = workers["read"] if workers else {}
    if read.get("capped"):
        out.append(
            f'<p class="note">From the responses of {int(read["objects"])} objects (--max-responses).</p>'
        )
    if note:
        out.append(f'<p class="note">{esc(note)}</p>')
    shown = rows[:MAX_ROWS]
    scored = [r for r in shown if r["agreement"] is not None]
    if scored:
        out.append("<h3>Agreement with the consolidated label</h3>")
        out.append(
            hbar_chart(
                [(r["name"] or r["worker_id"], [r["agreement"]]) for r in scored],
                [("agreement", "#2ca02c")],
                lambda v: f"{100 * v:.0f}%",
                "worker agreement",
                top=1.0,
            )
        )
    timed = [r for r in shown if r["time"]["median"] is not None]
    if timed:
        out.append("<h3>Median time per task</h3>")
        out.append(
            hbar_chart(
                [(r["name"] or r["worker_id"], [float(r["time"]["median"])]) for r in timed],
                [("median seconds", "#9467bd")],
                lambda v: f"{v:.0f} s",
                "worker time per task",
            )
        )
    out.append('<table class="workers"><tr><th>Worker</th><th>Tasks</th><th>Agreement</th><th>Disagreed</th>')
    out.append("<th>Median s</th><th>Mean s</th></tr>")
    for r in rows:
        agree = "-" if r["agreement"] is None else f"{100 * r['agreement']:.0f}%"
        t = r["time"]
        median = "-" if t["median"] is None else f"{t['median']:.0f}"
        mean = "-" if t["mean"] is None else f"{t['mean']:.1f}"
        who = esc(r["name"] or r["worker_id"])
        title = f' title="{esc(r["worker_id"])}"' if r["name"] else ""
        out.append(
            f"<tr><td{title}>{who}</td><td>{int(r['tasks'])}</td><td>{agree}</td><td>{int(r['disagreements'])}</td>"
            f"<td>{median}</td><td>{mean}</td></tr>"
        )
    out.append("</table></section>")
    return out


def fetch_images(s3: Any, summary: dict[str, Any]) -> dict[int, tuple[Image | None, Image | None]]:
    """The image (None for a text object) and the segmentation mask of each worst object."""
    fetcher = Images(s3)
    out: dict[int, tuple[Image | None, Image | None]] = {}
    for by in (PEOPLE, MODEL):
        for item in summary["worst"][by]:
            source = item["source"]
            is_image = source.startswith("s3://")
            image = fetcher.get(source) if is_image else None
            ref = item.get("label_ref")
            mask = fetcher.get(ref) if is_image and isinstance(ref, str) and ref.startswith("s3://") else None
            out[int(item["index"])] = (image, mask)
    return out
