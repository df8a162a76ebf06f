"""load_spec: files -> variables -> YAML with locations -> one merged setup -> validated `Spec`.

Every stage collects its problems and the next stage still runs where it can, so one `gtops validate`
shows everything that is wrong, not just the first thing.
"""

from __future__ import annotations

import gc
import hashlib
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gtops.errors import GtopsError, Problem, SpecError
from gtops.files import MAX_SPEC_FILE, MAX_SPEC_FILES, Confinement, read_bounded, resolve, setup_root
from gtops.setup import Setup
from gtops.spec import variables
from gtops.spec.checks import check
from gtops.spec.locations import FieldPath, Location, Locations
from gtops.spec.members_csv import read_members_csv
from gtops.spec.normalize import normalize
from gtops.spec.validate import schema_problems
from gtops.spec.yaml_loader import YamlProblem, load_yaml

SPEC_SUFFIXES = (".yaml", ".yml")
LIST_KEYS = ("groups", "teams", "jobs")


@dataclass
class Spec:
    """A loaded, valid setup: `setup` is the typed spec every later stage reads. `data` is the merged,
    normalized spec text (kept for the spec stage itself and for digests; nothing past loading reads it)."""

    data: dict[str, Any]
    setup: Setup
    files: list[Path]
    digest: str
    locations: Locations = field(repr=False)
    # Values of variables given only from outside the spec (--var, GTOPS_VAR_*): masked in all output.
    secrets: list[str] = field(default_factory=list, repr=False)
    # Variables declared in the spec's vars: blocks (their values may be shown and saved).
    declared_vars: frozenset[str] = frozenset()
    # The folder every file the spec names must stay in (None: --allow-outside).
    confinement: Confinement = field(default_factory=lambda: Confinement(None), repr=False)

    def data_digest(self) -> str:
        """Digest of the rendered spec (variables included), with this checkout's folder left out so CI
        runners agree: a saved plan compares it to tell that a variable changed."""
        import json

        text = json.dumps(self.data, sort_keys=True, default=str).replace(str(Path.cwd()), "<cwd>")
        return hashlib.sha256(text.encode()).hexdigest()

    def locate(self, path: FieldPath) -> Location:
        """(file, line, column) where a field was written, e.g. locate(("teams", 0, "groups", 1))."""
        return self.locations.locate(path)

    @property
    def name(self) -> str:
        return self.setup.name

    @property
    def region(self) -> str | None:
        return self.setup.region


def spec_files(paths: Iterable[Path | str], problems: list[Problem]) -> list[Path]:
    """Files to read: files as given, folders as their *.yaml/*.yml files (sorted, not recursive)."""
    out: list[Path] = []
    seen: set[Path] = set()
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found = sorted(p for p in path.iterdir() if p.suffix in SPEC_SUFFIXES and p.is_file())
            if not found:
                subs = sorted(p.name for p in path.iterdir() if p.is_dir() and not p.name.startswith("."))
                hint = f"; each sub-folder is its own setup, name one (e.g. {path / subs[0]})" if subs else ""
                problems.append(
                    Problem(str(path), 0, 0, "", f"no spec files (*.yaml, *.yml) in this folder{hint}")
                )
        elif path.is_file():
            found = [path]
        else:
            problems.append(Problem(str(path), 0, 0, "", "no such file or folder"))
            found = []
        for file in found:
            if file.resolve() not in seen:
                seen.add(file.resolve())
                out.append(file)
    if len(out) > MAX_SPEC_FILES:
        problems.append(Problem(str(out[0].parent), 0, 0, "", f"more than {MAX_SPEC_FILES} spec files"))
        return []
    return out


def _located(file: str, problems: Iterable[YamlProblem]) -> list[Problem]:
    from gtops.spec.locations import format_path

    return [Problem(file, p.line, p.column, format_path(p.path), p.message) for p in problems]


class _Merger:
    """Merge per-file documents: lists in groups/teams/jobs/members.workers concatenate; anything else
    may be given in one file only (the problem names both places)."""

    def __init__(self, locations: Locations):
        self.data: dict[str, Any] = {}
        self.loc = locations
        self.problems: list[Problem] = []

    def _copy_marks(
        self,
        file: str,
        marks: Mapping[FieldPath, tuple[int, int]],
        prefix: FieldPath,
        shift: int = 0,
        new_prefix: FieldPath | None = None,
    ) -> None:
        """Copy marks under `prefix`; list indexes right after it move by `shift`."""
        n = len(prefix)
        target = prefix if new_prefix is None else new_prefix
        for path, (line, col) in marks.items():
            if path[:n] != prefix:
                continue
            rest = path[n:]
            if shift and rest and isinstance(rest[0], int):
                rest = (rest[0] + shift,) + rest[1:]
            self.loc.set(target + rest, (file, line, col))

    def _conflict(self, file: str, marks: Mapping[FieldPath, tuple[int, int]], path: FieldPath) -> None:
        line, col = marks.get(path, (0, 0))
        name = ".".join(str(p) for p in path)
        self.problems.append(
            Problem(
                file,
                line,
                col,
                name,
                f"already set in {self.loc.where(path)}; a mapping or value may be "
                "given in one file only (lists such as teams and jobs may be split across files)",
            )
        )

    def add(self, file: str, doc: dict[str, Any], marks: Mapping[FieldPath, tuple[int, int]]) -> None:
        for key, value in doc.items():
            if key == "vars" or key.startswith("x-"):
                continue  # vars were read before rendering; x- keys only hold YAML anchors
            current = self.data.get(key)
            if key not in self.data:
                self.data[key] = value
                self._copy_marks(file, marks, (key,))
            elif key in LIST_KEYS and isinstance(current, list) and isinstance(value, list):
                self._copy_marks(file, marks, (key,), shift=len(current))
                current.extend(value)
            elif key == "members" and isinstance(current, dict) and isinstance(value, dict):
                self._members(file, value, marks)
            else:
                self._conflict(file, marks, (key,))

    def _members(self, file: str, value: dict[str, Any], marks: Mapping[FieldPath, tuple[int, int]]) -> None:
        members = self.data["members"]
        for key, item in value.items():
            path = ("members", key)
            if key not in members:
                members[key] = item
                self._copy_marks(file, marks, path)
            elif key == "workers" and isinstance(members[key], list) and isinstance(item, list):
                self._copy_marks(file, marks, path, shift=len(members[key]))
                members[key].extend(item)
            elif key == "csv" and isinstance(members[key], (str, list)) and isinstance(item, (str, list)):
                if isinstance(members[key], str):
                    self.loc.set(path + (0,), self.loc.locate(path))
                    members[key] = [members[key]]
                if isinstance(item, str):
                    line, col = marks.get(path, (0, 0))
                    self.loc.set(path + (len(members[key]),), (file, line, col))
                    members[key].append(item)
                else:
                    self._copy_marks(file, marks, path, shift=len(members[key]))
                    members[key].extend(item)
            else:
                self._conflict(file, marks, path)


def _add_csv_workers(
    data: dict[str, Any], loc: Locations, problems: list[Problem], read: list[Path], confinement: Confinement
) -> None:
    members = data.get("members")
    if not isinstance(members, dict):
        return
    value = members.get("csv")
    if isinstance(value, str):
        entries: list[tuple[FieldPath, str]] = [(("members", "csv"), value)]
    elif isinstance(value, list) and all(isinstance(v, str) for v in value):
        entries = [(("members", "csv", i), v) for i, v in enumerate(value)]
    else:
        return
    workers = members.get("workers")
    if workers is None:
        workers = members["workers"] = []
    if not isinstance(workers, list):
        return
    for path, rel in entries:
        display = str(Path(loc.file_of(path)).parent / rel)
        try:
            absolute = resolve(Path(loc.file_of(path)).parent / Path(rel).expanduser())
        except GtopsError as err:
            problems.append(loc.problem(path, str(err)))
            continue
        outside = confinement.problem(absolute)
        if outside:
            problems.append(loc.problem(path, outside))
            continue
        if not absolute.is_file():
            problems.append(loc.problem(path, f"CSV file not found: {absolute}"))
            continue
        rows = read_members_csv(absolute, display)
        read.append(absolute)
        problems.extend(rows.problems)
        loc.add_rows(("members", "workers"), len(workers), display, rows.lines)
        workers.extend(rows.workers)


def _digest(files: list[Path]) -> str:
    h = hashlib.sha256()
    for path in files:
        h.update(str(path).encode() + b"\0")
        h.update(path.read_bytes())
        h.update(b"\0")
    return h.hexdigest()


def load_spec(
    paths: Iterable[Path | str],
    cli_vars: Mapping[str, str] | None = None,
    environ: Mapping[str, str] | None = None,
    region: str | None = None,
    allow_outside: bool = False,
) -> Spec:
    """Load, render, merge and validate spec files into one setup; raise SpecError with every problem.

    `region` (e.g. from --region) overrides the spec's region for the region-dependent checks only;
    `allow_outside` lets the spec name files outside its folder (see gtops.files).
    """
    # A roster builds a few objects per row and no cycles: the cyclic collector would only rescan the
    # growing heap again and again (a third of a 50,000-row load). It is on again when the load ends.
    was_on = gc.isenabled()
    gc.disable()
    try:
        return _load_spec(paths, cli_vars, environ, region, allow_outside)
    finally:
        if was_on:
            gc.enable()


def _load_spec(
    paths: Iterable[Path | str],
    cli_vars: Mapping[str, str] | None,
    environ: Mapping[str, str] | None,
    region: str | None,
    allow_outside: bool,
) -> Spec:
    problems: list[Problem] = []
    files = spec_files(paths, problems)
    if not files:
        raise SpecError(problems or [Problem("<none>", 0, 0, "", "no spec files given")])
    texts: list[tuple[str, Path, str]] = []
    for path in files:
        try:
            texts.append(
                (str(path), path, read_bounded(path, MAX_SPEC_FILE, "spec file").decode("utf-8-sig"))
            )
        except GtopsError as err:
            problems.append(Problem(str(path), 0, 0, "", str(err).removeprefix("spec file: ")))
        except UnicodeDecodeError as err:
            problems.append(
                Problem(str(path), 1, 1, "", f"not UTF-8 text ({err.reason} at byte {err.start})")
            )

    # Variables: every file's vars block first, so any file may use a variable another defines.
    file_vars: dict[str, Any] = {}
    defined_at: dict[str, str] = {}
    for display, _, text in texts:
        found, where, var_problems = variables.extract_vars(text)
        problems.extend(_located(display, var_problems))
        for name, value in found.items():
            line, col = where[name]
            if name in file_vars and file_vars[name] != value:
                problems.append(
                    Problem(
                        display,
                        line,
                        col,
                        f"vars.{name}",
                        f"already set to a different value in {defined_at[name]}",
                    )
                )
                continue
            file_vars[name] = value
            defined_at[name] = f"{display}:{line}"
    ctx = variables.context(file_vars, os.environ if environ is None else environ, cli_vars or {})
    from gtops import redact

    redact.register(ctx.secret_values())  # before rendering: a problem message may quote a value

    locations = Locations(str(files[0]) if files else "<spec>")
    merger = _Merger(locations)
    complete = len(texts) == len(files)
    for display, _, text in texts:
        rendered, render_problems = variables.render(text, ctx)
        if render_problems:
            problems.extend(_located(display, render_problems))
            complete = False
            continue
        doc, marks, yaml_problems = load_yaml(rendered)
        problems.extend(_located(display, yaml_problems))
        if doc is None and yaml_problems:
            complete = False
        if doc is None:
            doc = {}
        if not isinstance(doc, dict):
            line, col = marks.get((), (1, 1))
            problems.append(
                Problem(
                    display,
                    line,
                    col,
                    "",
                    "the top level must be a mapping of keys such as pool, teams and jobs",
                )
            )
            complete = False
            continue
        if () not in locations.marks:
            locations.set((), (display, 1, 1))
        merger.add(display, doc, marks)
    problems.extend(merger.problems)
    data = merger.data

    problems.extend(schema_problems(data, locations))
    read = [p.resolve() for _, p, _ in texts]
    confinement = _confinement(data, locations, files, allow_outside, problems)
    _add_csv_workers(data, locations, problems, read, confinement)
    spec_region = data.get("region") if isinstance(data.get("region"), str) else None
    problems.extend(check(data, locations, region or spec_region, complete, confinement))
    if problems:
        raise SpecError(problems)
    from gtops import redact

    redact.register(ctx.secret_values())
    normalized = normalize(data, locations)
    return Spec(
        data=normalized,
        setup=Setup.from_data(normalized),
        files=read,
        digest=_digest(read),
        locations=locations,
        secrets=ctx.secret_values(),
        declared_vars=frozenset(file_vars),
        confinement=confinement,
    )


def _confinement(
    data: dict[str, Any], loc: Locations, files: list[Path], allow_outside: bool, problems: list[Problem]
) -> Confinement:
    declared = data.get("root")
    root_path = None
    if isinstance(declared, str):
        root_path = Path(loc.file_of(("root",))).parent / declared
    root, why = setup_root(files, root_path, allow_outside)
    if why:
        problems.append(loc.problem(("root",), why))
    return Confinement(root)
