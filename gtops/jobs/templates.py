"""Worker UI templates: a real Liquid engine with Ground Truth's filters, template checks and previews.

Ground Truth renders templates with Liquid, HTML-escaping output by default, plus its own filters
(`grant_read_access`, `to_json`, `skip_autoescape`; `escape` and `escape_once` are standard). gtops uses
the same engine so a template error surfaces at `gtops validate`, not when a worker opens the task.
"""

from __future__ import annotations

import base64
import html
import json
import mimetypes
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

CROWD_SCRIPT = "https://assets.crowd.aws/crowd-html-elements.js"
SAMPLE_INPUT = {
    "taskObject": "s3://example-bucket/images/example.jpg",
    "labels": ["label-a", "label-b"],
    "source-ref": "s3://example-bucket/images/example.jpg",
    "source": "Example text to label.",
}
MAX_INLINE_BYTES = 8 * 1024 * 1024
LIQUID_LOOP_LIMIT = 100_000  # loop iterations per render
LIQUID_OUTPUT_LIMIT = 16 * 1024 * 1024  # characters a render may write or assign
_CROWD_TAG = re.compile(r"<script[^>]*assets\.crowd\.aws/crowd-html-elements\.js[^>]*>\s*</script>", re.I)


def environment(read_access: Callable[[str], str] | None = None):
    """A Liquid environment that behaves like Ground Truth's (autoescape on, GT filters)."""
    from liquid import Environment
    from markupsafe import Markup

    class BoundedEnvironment(Environment):
        # A template is untrusted input that gtops renders (validate, preview): bound its loops and output.
        # python-liquid declares these limits as class variables, set by subclassing.
        loop_iteration_limit = LIQUID_LOOP_LIMIT
        output_stream_limit = LIQUID_OUTPUT_LIMIT
        local_namespace_limit = LIQUID_OUTPUT_LIMIT
        context_depth_limit = 30

    env = BoundedEnvironment(autoescape=True)

    def grant_read_access(value: Any) -> str:
        text = str(value or "")
        return read_access(text) if read_access and text.startswith("s3://") else text

    def to_json(value: Any) -> str:
        return json.dumps(value, ensure_ascii=False)

    def skip_autoescape(value: Any) -> Any:
        return Markup(str(value if value is not None else ""))

    env.filters["grant_read_access"] = grant_read_access
    env.filters["to_json"] = to_json
    env.filters["skip_autoescape"] = skip_autoescape
    return env


def _line_of(err: Exception, source: str) -> int:
    token = getattr(err, "token", None)
    start = getattr(token, "start_index", -1) if token is not None else -1
    if start is None or start < 0:  # reached the end of the template (an unclosed block)
        return max(len(source.splitlines()), 1)
    return source.count("\n", 0, start) + 1


def _message(err: Exception) -> str:
    text = str(getattr(err, "message", None) or str(err).splitlines()[0])
    if text.endswith("found end of expression"):
        text = text.replace("found end of expression", "found the end of the template")
    return text


def template_errors(source: str, name: str = "<template>", task_input: dict | None = None) -> list[str]:
    """Problems in a template's text, each 'name:line: message'. A text that passed before (same engine,
    same checking code) is not rendered again: see gtops.passcache."""
    from gtops import passcache

    key = passcache.key("template", repr((source, task_input)).encode(), ("liquid", __name__))
    if passcache.passed(key):
        return []
    problems = _render_errors(source, name, task_input)
    if not problems:
        passcache.remember(key)
    return problems


def _render_errors(source: str, name: str, task_input: dict | None) -> list[str]:
    from liquid.exceptions import LiquidError

    problems: list[str] = []
    env = environment(lambda uri: "https://example.invalid/object")
    try:
        template = env.from_string(source)
        template.render(task={"input": task_input or SAMPLE_INPUT})
    except LiquidError as err:
        problems.append(f"{name}:{_line_of(err, source)}: {_message(err)}")
        return problems
    if "<crowd-form" not in source:
        problems.append(f"{name}:1: no <crowd-form> element: workers would have no way to submit an answer")
    return problems


def check_template(path: str | Path) -> list[str]:
    """Liquid syntax errors, unknown filters and a missing <crowd-form>, as 'file:line: message' lines."""
    from gtops.errors import GtopsError
    from gtops.files import MAX_TEMPLATE_FILE, read_bounded

    path = Path(path)
    try:
        source = read_bounded(path, MAX_TEMPLATE_FILE, "template").decode("utf-8")
    except GtopsError as err:
        if not path.exists():
            return [f"{path}: cannot read the template: No such file or directory"]
        return [f"{path}: {str(err).split(': ', 1)[-1]}"]
    except UnicodeDecodeError:
        return [f"{path}: the template is not UTF-8 text"]
    return template_errors(source, str(path))


def render(source: str, task_input: dict, read_access: Callable[[str], str] | None = None) -> str:
    return environment(read_access).from_string(source).render(task={"input": task_input})


def data_uri(body: bytes, name: str) -> str:
    kind = mimetypes.guess_type(name)[0] or "application/octet-stream"
    return f"data:{kind};base64,{base64.b64encode(body).decode()}"


# -- offline preview ------------------------------------------------------------------------------------

FALLBACK_CSS = """
.gtops-preview-banner{font:13px sans-serif;background:#fff3cd;border:1px solid #e0c97f;
  padding:6px 10px;margin:0 0 12px}
.gtops-task{border:1px solid #ccc;border-radius:6px;padding:12px;margin:0 0 18px;font-family:sans-serif}
.gtops-task>h2{font-size:15px;margin:0 0 8px;color:#333}
.gtops-crowd{display:block;margin:8px 0}
.gtops-crowd img{max-width:100%;max-height:480px;border:1px solid #999;display:block;margin:6px 0}
.gtops-header{font-weight:bold;margin:4px 0}
.gtops-labels{list-style:none;padding:0;display:flex;flex-wrap:wrap;gap:6px}
.gtops-labels li{border:1px solid #36c;border-radius:12px;padding:2px 10px;color:#124;background:#eef3ff}
.gtops-target{white-space:pre-wrap;border-left:3px solid #36c;padding:4px 8px;margin:6px 0;background:#fafafa}
.gtops-submit{margin-top:10px;padding:6px 16px}
full-instructions,short-instructions{display:block;font-size:12px;color:#555;margin:4px 0}
"""

FALLBACK_JS = r"""
(function () {
  var defined = false;
  function parseList(text) {
    if (!text) return [];
    try {
      var v = JSON.parse(text);
      if (!Array.isArray(v)) return [];
      return v.map(function (x) {
        return typeof x === 'string' ? x : (x.label || x.fullDisplayName || JSON.stringify(x));
      });
    } catch (e) { return text.split(',').map(function (s) { return s.trim(); }); }
  }
  function labels(el, attr) {
    var ul = document.createElement('ul'); ul.className = 'gtops-labels';
    parseList(el.getAttribute(attr)).forEach(function (name) {
      var li = document.createElement('li'); li.textContent = name; ul.appendChild(li);
    });
    return ul;
  }
  function header(el) {
    var h = document.createElement('div'); h.className = 'gtops-header';
    h.textContent = el.getAttribute('header') || ''; return h;
  }
  function image(el) {
    var img = document.createElement('img'); img.src = el.getAttribute('src') || '';
    img.alt = el.getAttribute('src') || 'object'; return img;
  }
  function imageTask(attr) {
    return function (el) { el.prepend(header(el), image(el), labels(el, attr)); };
  }
  var RENDER = {
    'crowd-bounding-box': imageTask('labels'),
    'crowd-semantic-segmentation': imageTask('labels'),
    'crowd-instance-segmentation': imageTask('labels'),
    'crowd-polygon': imageTask('labels'),
    'crowd-keypoint': imageTask('labels'),
    'crowd-line': imageTask('labels'),
    'crowd-polyline': imageTask('labels'),
    'crowd-image-classifier': imageTask('categories'),
    'crowd-image-classifier-multi-select': imageTask('categories'),
    'crowd-classifier': function (el) { el.prepend(header(el), labels(el, 'categories')); },
    'crowd-classifier-multi-select': function (el) { el.prepend(header(el), labels(el, 'categories')); },
    'crowd-entity-annotation': function (el) {
      var t = document.createElement('div'); t.className = 'gtops-target';
      t.textContent = el.getAttribute('text') || '';
      el.prepend(header(el), t, labels(el, 'labels'));
    },
    'classification-target': function (el) { el.classList.add('gtops-target'); },
    'crowd-form': function (el) {
      if (!el.querySelector('button,crowd-button,[type=submit]')) {
        var b = document.createElement('button'); b.type = 'button'; b.className = 'gtops-submit';
        b.textContent = 'Submit'; el.appendChild(b);
      }
    }
  };
  function fallback() {
    if (document.readyState === 'loading') {
      document.addEventListener('DOMContentLoaded', fallback); return;
    }
    if (defined || (window.customElements && customElements.get('crowd-form'))) return;
    defined = true;
    document.body.insertAdjacentHTML('afterbegin',
      '<div class="gtops-preview-banner">gtops preview: AWS crowd elements are unavailable offline; ' +
      'showing a simplified rendering.</div>');
    Object.keys(RENDER).forEach(function (name) {
      document.querySelectorAll(name).forEach(function (el) {
        el.classList.add('gtops-crowd'); RENDER[name](el);
      });
    });
    document.querySelectorAll('crowd-button').forEach(function (el) {
      var b = document.createElement('button'); b.type = 'button'; b.textContent = el.textContent || 'Submit';
      el.replaceWith(b);
    });
  }
  window.gtopsFallback = fallback;
  document.addEventListener('DOMContentLoaded', function () { setTimeout(fallback, 3000); });
})();
"""


def preview_page(title: str, sections: list[tuple[str, str]], offline: bool) -> str:
    """One HTML page holding each rendered task; crowd elements fall back to a local rendering offline."""
    body = []
    for heading, rendered in sections:
        content = _CROWD_TAG.sub("", rendered)
        body.append(f'<section class="gtops-task"><h2>{html.escape(heading)}</h2>\n{content}\n</section>')
    if offline:
        loader = "<script>document.addEventListener('DOMContentLoaded', gtopsFallback);</script>"
    else:
        loader = f'<script src="{CROWD_SCRIPT}" onerror="gtopsFallback()"></script>'
    return (
        '<!DOCTYPE html>\n<html>\n<head>\n<meta charset="utf-8">\n'
        f"<title>{html.escape(title)}</title>\n<style>{FALLBACK_CSS}</style>\n"
        f"<script>{FALLBACK_JS}</script>\n{loader}\n</head>\n<body>\n"
        + "\n".join(body)
        + "\n</body>\n</html>\n"
    )
