"""`gtops status`, `gtops results` and `gtops preview`: watch labeling jobs, collect and check their work."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Annotated

import typer

from gtops.commands._common import (
    DEFAULT,
    PathsArg,
    VarFileOpt,
    VarOpt,
    check_format,
    open_setup,
    stderr,
    with_connection,
)
from gtops.settings import Settings

JobArg = Annotated[
    str, typer.Argument(metavar="JOB", help="Job name as written in the spec (or the live job's name).")
]
STDOUT = "-"


def write_text(path: Path, text: str) -> None:
    from gtops.errors import GtopsError

    try:
        path.write_text(text, encoding="utf-8")
    except OSError as err:
        raise GtopsError(f"cannot write {path}: {err.strerror or err}") from None


def status(
    ctx: typer.Context,
    paths: PathsArg = None,
    watch: Annotated[
        bool, typer.Option("--watch", "-w", help="Refresh until every job has finished.")
    ] = False,
    interval: Annotated[
        float, typer.Option("--interval", metavar="SECONDS", help="Seconds between refreshes with --watch.")
    ] = 10.0,
    timeout: Annotated[
        float,
        typer.Option(
            "--timeout",
            metavar="SECONDS",
            help="With --watch: give up (exit 1) after this many seconds; 0 = never.",
        ),
    ] = 0.0,
    fmt: Annotated[
        str, typer.Option("--format", "-f", metavar="FORMAT", help="Output format: text or json.")
    ] = "text",
    var: VarOpt = None,
    var_file: VarFileOpt = None,
    conn: Settings = DEFAULT,
) -> None:
    """Show every job of the spec: status, labeled/unlabeled/failed objects, progress, age, failure reason."""
    from gtops.errors import GtopsError

    check_format(fmt, ("text", "json"))
    setup = open_setup(conn, paths, var, var_file)
    started = time.monotonic()
    while True:
        found = setup.status()
        if fmt == "json":
            print(json.dumps(found.to_dict(), indent=2), flush=True)
        else:
            if watch and sys.stdout.isatty():
                print("\033[H\033[J", end="")
            print(found.text(), flush=True)
        if not watch or found.finished:
            return
        if timeout and time.monotonic() - started > timeout:
            raise GtopsError(f"jobs still running after {timeout:g}s")
        if fmt == "text" and not sys.stdout.isatty():
            print(flush=True)
        time.sleep(max(interval, 0.1))


def results(
    ctx: typer.Context,
    job: JobArg,
    paths: PathsArg = None,
    fmt: Annotated[
        str,
        typer.Option(
            "--format", "-f", metavar="FORMAT", help="text, csv, json, or coco (bounding-box jobs)."
        ),
    ] = "text",
    out: Annotated[
        Path | None,
        typer.Option("--out", "-o", metavar="FILE", help="Write to this file (- or none: stdout)."),
    ] = None,
    threshold: Annotated[
        float,
        typer.Option(
            "--threshold",
            metavar="CONFIDENCE",
            help="Objects below this confidence are listed as low-confidence.",
        ),
    ] = 0.5,
    var: VarOpt = None,
    var_file: VarFileOpt = None,
    conn: Settings = DEFAULT,
) -> None:
    """Download a job's output manifest and summarise it, or export it (CSV, JSON, COCO)."""
    check_format(fmt, ("text", "csv", "json", "coco"))
    if out is not None and str(out) == STDOUT:
        out = None
    setup = open_setup(conn, paths, var, var_file)
    found = setup.results(job, threshold)
    if fmt == "coco":
        text = json.dumps(found.to_coco(), indent=2)
    elif fmt == "csv":
        text = found.to_csv()
    elif fmt == "json":
        text = found.to_json()
    else:
        text = found.text()
    if out:
        write_text(out, text if text.endswith("\n") else text + "\n")
        stderr(f"Wrote {out}")
    else:
        print(text)


def preview(
    ctx: typer.Context,
    job: JobArg,
    paths: PathsArg = None,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            "-o",
            metavar="FILE",
            help="Write the page here (default: JOB.preview.html; -: stdout).",
        ),
    ] = None,
    objects: Annotated[
        int, typer.Option("--objects", "-n", metavar="N", help="How many objects of the manifest to show.")
    ] = 3,
    offline: Annotated[
        bool,
        typer.Option("--offline", help="Never load AWS's crowd elements; always use the local rendering."),
    ] = False,
    open_page: Annotated[
        bool, typer.Option("--open", help="Open the page in the default web browser once written.")
    ] = False,
    var: VarOpt = None,
    var_file: VarFileOpt = None,
    conn: Settings = DEFAULT,
) -> None:
    """Render a job's worker UI with the first objects of its manifest into a local HTML file."""
    from gtops.errors import GtopsError

    if objects < 1:
        raise GtopsError("--objects must be at least 1")
    to_stdout = out is not None and str(out) == STDOUT
    if to_stdout and open_page:
        raise GtopsError("--open needs a file to open: it cannot be combined with --out -")
    setup = open_setup(conn, paths, var, var_file)
    page = setup.preview(job, objects, offline)
    for note in page.notes:
        stderr(f"Note: {note}")
    if to_stdout:
        sys.stdout.write(page.html if page.html.endswith("\n") else page.html + "\n")
        return
    target = out or Path(f"{page.job}.preview.html")
    write_text(target, page.html)
    stderr(f"Wrote {target}: open it in a browser")
    print(str(target))
    if open_page:
        import webbrowser

        if not webbrowser.open(target.resolve().as_uri()):
            stderr(f"Note: no web browser could be started; open {target} yourself")


def register(app: typer.Typer) -> None:
    app.command("status")(with_connection(status))
    app.command("results")(with_connection(results))
    app.command("preview")(with_connection(preview))
