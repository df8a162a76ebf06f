"""The Python API: what the `gtops` commands do, as objects a notebook or a script can hold.

    import gtops

    setup = gtops.load("specs/birds", sandbox=True)
    plan = setup.plan()              # plan.changes, plan.summary, plan.empty; a table in Jupyter
    setup.apply(plan)                # applies exactly that plan, or refuses if AWS or the spec moved since
    setup.drift()                    # what changed outside gtops
    gtops.status("specs/birds", sandbox=True)
    gtops.results("ground-truth-od-demo", "specs/birds", sandbox=True)

The commands in gtops/commands/ are thin shells over this module, so a notebook and a pipeline run the same
code. Nothing here prints: progress lines go to the optional `progress` callback (the CLI passes one that
writes to stderr), and every failure is a `GtopsError` subclass (`SpecError` for the spec, `AwsError`,
`UnsafePlan`, `StalePlan`, `Cancelled`, `ApplyFailed`...). Secrets are masked in every repr and HTML view;
workers' e-mail addresses and phone numbers are masked in the HTML views and listed by count in the reprs
(a notebook keeps its outputs, and notebooks get shared).

Importing this module is cheap: boto3, moto and the Liquid engine are imported only when a call needs them.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gtops.errors import ApplyFailed, Cancelled, GtopsError
from gtops.settings import Settings, env_region

if TYPE_CHECKING:
    from gtops.apply.runner import ApplyReport
    from gtops.aws import Aws
    from gtops.engine import Planned
    from gtops.gitops.saved import SavedPlan
    from gtops.jobs.results import ObjectResult
    from gtops.jobs.status import JobStatus
    from gtops.kinds.labeling_job import JobSpec
    from gtops.model import Address
    from gtops.plan import Plan as CorePlan
    from gtops.preflight import Report as PreflightReport
    from gtops.spec import Spec

Progress = Callable[[str], None]
PathsLike = str | Path | Iterable[str | Path] | None
# approve=: True (go ahead), False (refuse), or a function of the plan about to run that says yes or no.
Approval = bool | Callable[["Plan"], bool]

__all__ = [
    "ApplyResult",
    "Change",
    "Drift",
    "FieldDiff",
    "Plan",
    "Preview",
    "Results",
    "Setup",
    "Status",
    "load",
    "load_plan_file",
    "results",
    "status",
]


def _quiet(_: str) -> None:
    pass


def _redact(text: str) -> str:
    from gtops.redact import redact

    return redact(text)


def spec_paths(paths: PathsLike) -> list[Path]:
    """The spec paths as the commands default them: ./specs if it exists, else the current folder."""
    if paths is None:
        return [Path("specs")] if Path("specs").is_dir() else [Path(".")]
    if isinstance(paths, (str, Path)):
        return [Path(paths)]
    given = [Path(p) for p in paths]
    return given or spec_paths(None)


def _targets(targets: Iterable[str | Address] | None) -> list[Address]:
    from gtops.gitops.target import parse_targets
    from gtops.model import Address

    given = list(targets or [])
    addresses = [t for t in given if isinstance(t, Address)]
    return addresses + parse_targets([t for t in given if not isinstance(t, Address)])


def _timeout(value: float | str) -> int:
    from gtops.gitops.lock import parse_timeout

    if isinstance(value, str):
        return parse_timeout(value)
    if value < 0:
        raise GtopsError(f"lock_timeout must be 0 seconds or more, not {value}")
    return int(value)


# -- the public views of a plan -----------------------------------------------------------------------------


@dataclass(frozen=True)
class FieldDiff:
    """One field of a change: `path` (dotted), its value before and after (secrets masked)."""

    path: str
    before: Any
    after: Any
    forces_replacement: bool = False


@dataclass(frozen=True)
class Change:
    """One resource's change, as `gtops plan --format json` writes it: secrets are "(sensitive value)" and
    values known only after apply "(known after apply)". In a drift report, `before` is what the spec says
    and `after` what AWS has now."""

    address: str
    kind: str
    name: str
    action: str  # create | update | replace | delete (drift: update = changed, delete/create = outside gtops)
    actions: tuple[str, ...]
    before: Any = None
    after: Any = None
    fields: tuple[FieldDiff, ...] = ()
    reason: str | None = None
    needs_force: str | None = None

    @classmethod
    def from_dict(cls, doc: dict[str, Any]) -> Change:
        return cls(
            address=doc["address"],
            kind=doc["kind"],
            name=doc["name"],
            action=doc["action"],
            actions=tuple(doc["actions"]),
            before=doc["before"],
            after=doc["after"],
            fields=tuple(
                FieldDiff(f["path"], f["before"], f["after"], f["forces_replacement"]) for f in doc["fields"]
            ),
            reason=doc["reason"],
            needs_force=doc["needs_force"],
        )

    def __repr__(self) -> str:
        from gtops.render.people import is_personal, mask_text

        address = mask_text(self.address) if is_personal(self.kind) else self.address
        paths = f": {', '.join(f.path for f in self.fields)}" if self.fields else ""
        return _redact(f"<gtops.Change {self.action} {address}{paths}>")


def _change_views(doc: dict[str, Any]) -> list[Change]:
    from gtops.redact import redact_data

    return [Change.from_dict(c) for c in redact_data(doc["changes"])]


def _lines_repr(title: str, core: CorePlan, drift: bool) -> str:
    """A plan's repr: its summary, then one line per resource (workers counted, not named)."""
    from gtops.plan import SYMBOL
    from gtops.render.people import is_personal, worker_headline
    from gtops.render.text import DRIFT_SYMBOL

    symbols = DRIFT_SYMBOL if drift else SYMBOL
    changes = core.actionable
    people = [c for c in changes if is_personal(c.address.kind)]
    lines = [title]
    shown = [c for c in changes if not is_personal(c.address.kind)]
    for change in shown[:30]:
        paths = f" ({', '.join(f.path for f in change.fields)})" if change.fields else ""
        lines.append(f"  {symbols[change.action]:>3} {change.address}{paths}")
    if len(shown) > 30:
        lines.append(f"  ... and {len(shown) - 30} more resources")
    if people:
        lines.append(f"  {worker_headline(people, drift)}")
    for warning in core.warnings:
        lines.append(f"  Warning: {warning}")
    return _redact("\n".join(lines) + ">")


class _Report:
    """What a plan and a drift report share: the views of one gtops.plan.Plan, read as drift or not."""

    drift = False
    core: CorePlan

    @property
    def document(self) -> dict[str, Any]:
        raise NotImplementedError

    @property
    def changes(self) -> list[Change]:
        return _change_views(self.document)

    @property
    def empty(self) -> bool:
        return self.core.empty

    @property
    def warnings(self) -> list[str]:
        return [_redact(w) for w in self.core.warnings]

    def to_dict(self) -> dict[str, Any]:
        return json.loads(json.dumps(self.document, default=str))

    def to_terraform_json(self) -> dict[str, Any]:
        """Terraform's JSON plan representation (see gtops.render.terraform)."""
        from gtops.render.terraform import terraform_document

        return terraform_document(self.core, drift=self.drift)

    def text(self, color: bool = False) -> str:
        from gtops.render.text import drift_lines, text_lines

        lines = drift_lines(self.core, color) if self.drift else text_lines(self.core, color)
        return _redact("\n".join(lines) + "\n")

    def markdown(self, show_members: bool = False, pointer: str | None = None) -> str:
        from gtops.render.markdown import markdown_lines

        return _redact("\n".join(markdown_lines(self.core, self.drift, show_members, pointer)) + "\n")

    def html(self, show_members: bool = False) -> str:
        from gtops.render.html import plan_html

        return _redact(plan_html(self.core, drift=self.drift, show_members=show_members))

    def __str__(self) -> str:
        return self.text()

    def _repr_html_(self) -> str:
        return self.html()


class Plan(_Report):
    """What apply would change: `changes` (resources to create, update, replace or delete), `summary`,
    `warnings`. `setup.apply(plan)` applies exactly this plan. `str(plan)` is the text plan; in Jupyter it
    shows as a table (workers counted per kind of change and per group, their personal data masked)."""

    def __init__(
        self,
        setup: Setup,
        planned: Planned,
        targets: list[Address],
        plan_id: str,
        checks: PreflightReport | None = None,
    ):
        self.setup = setup
        self.planned = planned
        self.core = planned.plan  # gtops.plan.Plan: what the renderers and the applier use
        self.targets = targets
        self.plan_id = plan_id
        # The checks before apply (None: skipped); their warnings are already in `warnings`.
        self.checks = checks
        self._document: dict[str, Any] | None = None

    @property
    def problems(self) -> list[str]:
        """What the checks before apply found that AWS would refuse during apply (empty: none)."""
        return [str(e) for e in self.checks.errors] if self.checks is not None else []

    @property
    def document(self) -> dict[str, Any]:
        """The document `gtops plan --format json` writes (secrets masked)."""
        if self._document is None:
            from gtops.redact import redact_data
            from gtops.render.json import plan_document

            self._document = redact_data(plan_document(self.core))
        return self._document

    @property
    def summary(self) -> dict[str, int]:
        """{"add", "change", "destroy", "stop"}: Terraform's counts (a replacement adds and destroys)."""
        return self.core.counts()

    @property
    def account(self) -> str:
        return self.core.account

    @property
    def region(self) -> str:
        return self.core.region

    def to_json(self) -> str:
        return json.dumps(self.document, sort_keys=True, indent=2, default=str) + "\n"

    def save(self, path: str | Path) -> Path:
        """Write the plan file `gtops apply FILE` applies (JSON, no secrets); returns its path."""
        from gtops.gitops import planfile

        document = planfile.build(self.planned, self.setup.paths, self.setup.cli_vars, self.targets)
        document["plan_id"] = self.plan_id
        target = Path(path)
        planfile.write(document, target)
        return target

    def __repr__(self) -> str:
        where = "/".join(p for p in (self.account, self.region) if p)
        head = "No changes." if self.empty else f"Plan: {self.core.summary()}"
        return _lines_repr(f"<gtops.Plan {self.setup.name!r} {where}: {head}", self.core, drift=False)


class Drift(_Report):
    """What changed outside gtops (report-only): `changes` read from the spec (before) to AWS (after)."""

    drift = True

    def __init__(self, setup: Setup, core: CorePlan):
        self.setup = setup
        self.core = core

    @property
    def document(self) -> dict[str, Any]:
        """The document `gtops drift --format json` writes."""
        from gtops.redact import redact_data
        from gtops.render.json import drift_document

        found: dict[str, Any] = redact_data(drift_document(self.core))
        return found

    def __repr__(self) -> str:
        n = len(self.core.actionable)
        head = "No drift." if self.empty else f"{n} resource{'' if n == 1 else 's'} differ from the spec."
        return _lines_repr(f"<gtops.Drift {self.setup.name!r}: {head}", self.core, drift=True)


@dataclass
class ApplyResult:
    """What an apply (or destroy) did: `applied` is False when there was nothing to do."""

    plan: Plan
    report: ApplyReport
    applied: bool = True

    @property
    def ok(self) -> bool:
        return self.report.ok

    @property
    def done(self) -> list[str]:
        return list(self.report.done)

    @property
    def failed(self) -> list[tuple[str, str]]:
        return list(self.report.failed)

    @property
    def skipped(self) -> list[tuple[str, str]]:
        return list(self.report.skipped)

    def summary(self) -> str:
        text = self.report.summary()
        if self.report.command == "destroy":
            text = text.replace("Apply complete!", "Destroy complete!")
        return _redact(text)

    def __repr__(self) -> str:
        if not self.applied:
            return "<gtops.ApplyResult nothing to do: AWS already matched the spec>"
        return f"<gtops.ApplyResult {self.summary().splitlines()[0]}>"


# -- labeling jobs -------------------------------------------------------------------------------------------


@dataclass
class Status:
    """Where each of the spec's labeling jobs stands (`gtops status`)."""

    jobs: list[JobStatus]

    @property
    def finished(self) -> bool:
        return all(j.finished for j in self.jobs)

    def to_dict(self) -> dict[str, Any]:
        return {"jobs": [j.to_dict() for j in self.jobs]}

    def text(self) -> str:
        from gtops.jobs.status import render_text

        return render_text(self.jobs)

    def __str__(self) -> str:
        return self.text()

    def __repr__(self) -> str:
        return f"<gtops.Status\n{self.text()}>"

    def _repr_html_(self) -> str:
        from gtops.render.html import status_html

        return _redact(status_html(self.jobs))


@dataclass
class Results:
    """A labeling job's output (`gtops results`): `summary` (counts, labels per class, confidence),
    `objects` (each labeled object), and the exports `to_csv()`, `to_json()`, `to_coco()`."""

    job: str
    manifest: str
    objects: list[ObjectResult]
    summary: dict[str, Any]
    task_type: str | None
    _setup: Setup = field(repr=False)
    _described: dict[str, Any] = field(repr=False)
    threshold: float = 0.5

    def text(self) -> str:
        from gtops.jobs.results import render_text

        return render_text(self.job, self.manifest, self.summary)

    def to_csv(self) -> str:
        from gtops.jobs.results import to_csv

        return to_csv(self.objects)

    def to_json(self) -> str:
        import io

        from gtops.jobs.results import Summary, write_json

        summary = Summary(self.threshold)

        def counted() -> Iterator[ObjectResult]:
            for o in self.objects:
                summary.add(o)
                yield o

        out = io.StringIO()
        write_json(self.job, self.manifest, counted(), out, summary)
        return out.getvalue()

    def to_coco(self) -> dict[str, Any]:
        """COCO detection JSON (bounding-box jobs only): images, annotations, categories."""
        from gtops.jobs import results as jr
        from gtops.jobs import s3 as s3u

        if self.task_type != "bounding_box":
            raise GtopsError(
                f"COCO export is for bounding_box jobs; {self.job} is a {self.task_type} job "
                "(try --format json)"
            )
        categories: list[str] = []
        uri = self._described.get("LabelCategoryConfigS3Uri")
        if uri:
            with self._setup.errors():
                try:
                    categories = jr.label_categories(s3u.read(self._setup.aws.client("s3"), uri))
                except Exception as err:
                    if not s3u.missing(err):
                        raise
        return jr.to_coco(self.objects, categories)

    def __str__(self) -> str:
        return self.text()

    def __repr__(self) -> str:
        s = self.summary
        mean = s["confidence"]["mean"]
        confidence = f", mean confidence {mean:.2f}" if mean is not None else ""
        return (
            f"<gtops.Results {self.job}: {s['labeled']} of {s['objects']} objects labeled ({s['failed']} "
            f"failed), {s['labels']} labels in {len(s['classes'])} classes{confidence}>"
        )

    def _repr_html_(self) -> str:
        from gtops.render.html import results_html

        return _redact(results_html(self.job, self.manifest, self.summary))


@dataclass
class Preview:
    """A job's worker UI rendered with its first objects (`gtops preview`): `html`, and `save(path)`."""

    job: str
    html: str = field(repr=False)
    notes: list[str]

    def save(self, path: str | Path) -> Path:
        target = Path(path)
        target.write_text(self.html, encoding="utf-8")
        return target

    def _repr_html_(self) -> str:
        import html

        return f'<iframe srcdoc="{html.escape(self.html)}" style="width:100%;height:600px;border:0"></iframe>'


# -- the setup -----------------------------------------------------------------------------------------------


class Setup:
    """One Ground Truth setup as its spec describes it, and the AWS account it lives in (or the sandbox).

    Made by `gtops.load(...)`. Connects to AWS on first use (starting the sandbox with `sandbox=True`)."""

    def __init__(
        self,
        spec: Spec,
        settings: Settings,
        paths: list[Path],
        cli_vars: dict[str, str],
        progress: Progress | None = None,
        saved: SavedPlan | None = None,
    ):
        self.spec = spec
        self.settings = settings
        self.paths = paths
        self.cli_vars = cli_vars
        self.progress = progress
        self.saved = saved  # loaded from a plan file: apply() applies exactly that plan
        self._aws: Aws | None = None
        self._endpoint: str | None = None
        self._job_names: list[tuple[JobSpec, str | None]] | None = None

    # -- identity and connection

    @property
    def name(self) -> str:
        return self.spec.setup.name

    @property
    def region(self) -> str | None:
        return self.settings.region or self.spec.setup.region

    def _say(self, progress: Progress | None = None) -> Progress:
        return progress or self.progress or _quiet

    @property
    def endpoint(self) -> str | None:
        self._connect()
        return self._endpoint

    @property
    def aws(self) -> Aws:
        return self._connect()

    def _connect(self) -> Aws:
        if self._aws is None:
            from gtops.engine import connect

            endpoint = endpoint_for(self.settings, self.spec, self._say())
            self._aws = connect(self.settings, self.spec, endpoint)
            self._endpoint = endpoint
        return self._aws

    def errors(self) -> Any:
        """AWS's connection and credential failures as one-sentence AwsErrors (a context manager)."""
        from gtops.aws import translated_errors

        return translated_errors(self._endpoint)

    @property
    def stats(self) -> str:
        """The AWS calls made so far, by operation (what `--stats` prints)."""
        return self.aws.stats.report()

    def __repr__(self) -> str:
        setup = self.spec.setup
        workers = setup.members.workers if setup.members else ()
        parts = [(len(setup.groups), "group"), (len(setup.teams), "team"), (len(workers), "worker")]
        parts.append((len(setup.jobs), "job"))
        counts = ", ".join(f"{n} {word}{'' if n == 1 else 's'}" for n, word in parts)
        where = self.region or "no region"
        return f"<gtops.Setup {self.name!r} ({where}): {counts}>"

    # -- plan, apply, destroy, drift

    def plan(
        self,
        targets: Iterable[str | Address] | None = None,
        *,
        preflight: bool = True,
        progress: Progress | None = None,
    ) -> Plan:
        """What apply would change (reads AWS, changes nothing). `targets`: only these addresses
        (`kind.name`) and what they depend on. `preflight`: run the checks before apply (permissions,
        buckets, roles, limits); what they find is `plan.problems`, their warnings join `plan.warnings`."""
        from gtops.engine import compute
        from gtops.engine import preflight as checks_before_apply
        from gtops.gitops.planfile import new_plan_id

        if self.saved is not None and targets is None:
            chosen, plan_id = self.saved.targets, self.saved.plan_id
        else:
            chosen, plan_id = _targets(targets), new_plan_id()
        aws = self._connect()
        self._warn_targets(chosen)
        with self.errors():
            planned = compute(self.spec, aws, chosen)
            checks = checks_before_apply(planned, False, not preflight, self._say(progress))
        return Plan(self, planned, chosen, plan_id, checks)

    def _warn_targets(self, targets: list[Address], progress: Progress | None = None) -> None:
        from gtops.gitops.target import warning

        if targets:
            self._say(progress)(f"Warning: {warning(targets)}")

    def apply(
        self,
        plan: Plan | None = None,
        *,
        force: bool = False,
        approve: Approval = True,
        targets: Iterable[str | Address] | None = None,
        lock_timeout: float | str = 0,
        progress: Progress | None = None,
        on_plan: Callable[[Plan], None] | None = None,
        preflight: bool = True,
        verify: str = "changed",
    ) -> ApplyResult:
        """Apply `plan` (made by `setup.plan()`), or plan and apply now when it is None.

        Under the setup's lock, AWS is read again and the plan recomputed: a given plan that no longer
        matches is refused (StalePlan), so what runs is exactly what was reviewed. `on_plan` sees the plan
        about to run (before the --force check), `approve` says yes to it; changes marked as needing force
        are refused (UnsafePlan) unless `force`. After the steps, AWS is read again to prove it converged.
        The checks before apply run first (`preflight=False` skips them) and stop it with PreflightFailed
        before any write. `verify`: "changed" re-reads what the apply changed, "full" the whole roster.
        Raises ApplyFailed (with `.result`) when a step failed.
        """
        from gtops.engine import compute, execute
        from gtops.engine import preflight as checks_before_apply
        from gtops.gitops.planfile import StalePlan, new_plan_id
        from gtops.gitops.saved import NO_LOCK, refuse_if_stale
        from gtops.preflight import fail

        if verify not in ("changed", "full"):
            raise GtopsError(f"--verify {verify!r}: use --verify=changed (the default) or --verify=full")

        say = self._say(progress)
        if plan is not None:
            if plan.setup is not self:
                raise GtopsError(f"this plan was made for another setup object ({plan.setup.name!r})")
            if targets is not None:
                raise GtopsError("targets cannot be combined with a plan: the plan records its own targets")
            chosen, plan_id = plan.targets, plan.plan_id
        elif self.saved is not None:
            chosen, plan_id = self.saved.targets, self.saved.plan_id
            self._warn_targets(chosen, progress)
            if self.saved_lock_missing():
                say(f"Warning: {NO_LOCK}")
        else:
            chosen, plan_id = _targets(targets), new_plan_id()
            self._warn_targets(chosen, progress)
        timeout = _timeout(lock_timeout)
        aws = self._connect()
        from gtops.gitops.lock import held

        with self.errors(), held(aws, self.spec.setup, "apply", plan_id, timeout, say):
            planned = compute(self.spec, aws, chosen)
            if plan is not None:
                _refuse_changed(plan, planned, StalePlan)
            elif self.saved is not None:
                refuse_if_stale(self.saved, planned)
            checks = checks_before_apply(planned, True, not preflight, say)
            current = Plan(self, planned, chosen, plan_id, checks)
            if on_plan is not None:
                on_plan(current)
            if planned.plan.empty:
                from gtops.apply.runner import ApplyReport

                return ApplyResult(current, ApplyReport(), applied=False)
            fail(checks)  # before the first write
            report = execute(
                planned,
                force=force,
                approve=lambda: _approved(approve, current, "apply"),
                after=_verify_and_record(planned, chosen, plan_id, full=verify == "full"),
                log=say,
            )
        return _finished(ApplyResult(current, report))

    def saved_lock_missing(self) -> bool:
        from gtops.gitops.lock import lock_location

        return lock_location(self.spec.setup) is None

    def destroy(
        self,
        *,
        force: bool = False,
        approve: Approval = True,
        targets: Iterable[str | Address] | None = None,
        lock_timeout: float | str = 0,
        progress: Progress | None = None,
        on_plan: Callable[[Plan], None] | None = None,
    ) -> ApplyResult:
        """Delete what the spec owns, in reverse dependency order (`gtops destroy`); protected resources
        (the pool, the workforce, anything not tagged as this setup's) need `force`."""
        from gtops.engine import execute
        from gtops.gitops.destroy import check_gone, destroy_plan, refuse_empty_spec
        from gtops.gitops.lock import held
        from gtops.gitops.planfile import new_plan_id

        say = self._say(progress)
        chosen = _targets(targets)
        self._warn_targets(chosen, progress)
        timeout = _timeout(lock_timeout)
        aws = self._connect()
        refuse_empty_spec(self.spec)
        plan_id = new_plan_id()
        with self.errors(), held(aws, self.spec.setup, "destroy", plan_id, timeout, say):
            planned = destroy_plan(self.spec, aws, chosen)
            current = Plan(self, planned, chosen, plan_id)
            if on_plan is not None:
                on_plan(current)
            if planned.plan.empty:
                from gtops.apply.runner import ApplyReport

                return ApplyResult(current, ApplyReport(command="destroy"), applied=False)

            def after(report: ApplyReport) -> None:
                report.command = "destroy"
                if report.ok:
                    check_gone(planned)

            report = execute(
                planned,
                force=force,
                approve=lambda: _approved(approve, current, "destroy"),
                after=after,
                log=say,
            )
        return _finished(ApplyResult(current, report))

    def drift(self, targets: Iterable[str | Address] | None = None) -> Drift:
        """What changed outside gtops, field by field (reads AWS, changes nothing)."""
        from gtops.engine import compute
        from gtops.gitops.drift import drift_plan

        chosen = _targets(targets)
        aws = self._connect()
        self._warn_targets(chosen)
        with self.errors():
            planned = compute(self.spec, aws, chosen)
            return Drift(self, drift_plan(planned))

    # -- labeling jobs

    def _prepared_names(self) -> list[tuple[JobSpec, str | None]]:
        """(spec job, live name) pairs; a job whose files cannot be prepared is looked up by its name."""
        if self._job_names is None:
            from gtops.jobs.plan import context
            from gtops.jobs.prepare import prepare
            from gtops.live import LiveIds

            aws = self._connect()
            ids = LiveIds(team_arns=_team_arns(aws, self.spec.setup))
            pctx = context(aws, self.spec.setup, ids, confinement=self.spec.confinement)
            out: list[tuple[JobSpec, str | None]] = []
            for i, job in enumerate(self.spec.setup.jobs):
                if job.relaunch != "auto":
                    out.append((job, job.name))
                    continue
                try:
                    out.append((job, prepare(pctx, i, job).name))
                except GtopsError:
                    out.append((job, None))
            self._job_names = out
        return self._job_names

    def status(self) -> Status:
        """Every job of the spec: status, labeled/unlabeled/failed objects, progress, age, failure."""
        from gtops.jobs.status import collect

        aws = self._connect()
        with self.errors():
            names = self._prepared_names()
            return Status(collect(aws.client("sagemaker"), names))

    def described(self, job: str) -> dict[str, Any]:
        """DescribeLabelingJob of a job named as in the spec (or by its live name)."""
        from gtops.jobs import live as jl
        from gtops.jobs.status import live_name

        aws = self._connect()
        with self.errors():
            sm = aws.client("sagemaker")
            listing = jl.list_jobs(sm)
            pairs = {j.name.lower(): (j, n) for j, n in self._prepared_names()}
            if job.lower() in pairs:
                spec_job, prepared = pairs[job.lower()]
                name = live_name(prepared, spec_job, listing)
            else:
                name = job
            described = jl.describe(sm, name) if name.lower() in listing else None
        if described is None:
            raise GtopsError(f"labeling job {name} does not exist (run `gtops apply` to create it)")
        return described

    def results(self, job: str, threshold: float = 0.5) -> Results:
        """A job's output manifest, read and summarised (objects below `threshold` are low-confidence).
        The objects are kept in memory for a notebook; `gtops results` streams them instead."""
        from gtops.jobs import results as jr
        from gtops.jobs import s3 as s3u
        from gtops.jobs.tasks import task_of_lambda

        described = self.described(job)
        name = described["LabelingJobName"]
        aws = self._connect()
        with self.errors():
            uri = jr.output_manifest(described)
            objects = jr.parse(s3u.read(aws.client("s3"), uri), described["LabelAttributeName"])
        human_task = described.get("HumanTaskConfig") or {}
        kind = task_of_lambda(human_task.get("PreHumanTaskLambdaArn"))
        return Results(name, uri, objects, jr.summary(objects, threshold), kind, self, described, threshold)

    def preview(self, job: str, objects: int = 3, offline: bool = False) -> Preview:
        """A job's worker UI rendered with the first `objects` objects of its manifest (no AWS needed when
        the job's input is local)."""
        from gtops.jobs.prepare import Context
        from gtops.jobs.preview import build_preview, find_job, needs_s3

        if objects < 1:
            raise GtopsError("objects must be at least 1")
        s = self.settings
        _, spec_job = find_job(self.spec.setup, job)
        if needs_s3(spec_job) or s.sandbox or bool(s.effective_endpoint()) or bool(s.profile):
            from gtops.jobs.plan import context
            from gtops.live import LiveIds

            aws = self._connect()
            with self.errors():
                pctx = context(aws, self.spec.setup, LiveIds(), confinement=self.spec.confinement)
                page, notes = build_preview(pctx, job, objects, offline)
        else:
            region = s.region or self.spec.setup.region or env_region() or "us-east-1"
            pctx = Context(self.spec.setup, region, "000000000000", confinement=self.spec.confinement)
            page, notes = build_preview(pctx, job, objects, offline)
        return Preview(spec_job.name, page, notes)


def _team_arns(aws: Aws, setup: Any) -> dict[str, str]:
    """Team ARNs by name (the job view names a team; preparing a job's request needs its ARN)."""
    wanted = {t.name for t in setup.teams}
    if not wanted:
        return {}
    from gtops.kinds.sagemaker import workteams

    return {t["WorkteamName"]: t["WorkteamArn"] for t in workteams(aws) if t["WorkteamName"] in wanted}


def _approved(approve: Approval, plan: Plan, verb: str) -> None:
    answer = approve(plan) if callable(approve) else approve
    if not answer:
        raise Cancelled(f"{verb} cancelled")


def _refuse_changed(plan: Plan, planned: Planned, stale: type[GtopsError]) -> None:
    """The plan recomputed under the lock must be the one the caller reviewed."""
    from gtops.gitops import planfile
    from gtops.render.json import plan_document

    now = plan_document(planned.plan)
    before = plan_document(plan.core)
    if planfile.checksum(now) == planfile.checksum(before):
        return
    if planned.plan.empty:
        raise stale("the plan has already been applied (AWS now matches the spec); make a new plan")
    differ = planfile.changed_addresses({"plan": before}, now)
    what = ", ".join(differ) or "the plan's summary"
    raise stale(f"AWS or the spec changed since the plan was made: {what}. Make and review a new plan.")


def _verify_and_record(
    planned: Planned, targets: list[Address], plan_id: str, full: bool = False
) -> Callable[[Any], None]:
    """After apply: AWS must now match the spec (the whole roster with `full`, else the workers the apply
    changed); whatever was applied marks the setup with the plan id (so older saved plans are stale)."""
    from gtops.engine import verify
    from gtops.gitops.planfile import record_applied

    def after(report: ApplyReport) -> None:
        try:
            if report.ok:
                applied = None if full else planned.plan
                verify(planned.spec, planned.aws, targets, applied, planned.live.ids)
        finally:
            if report.done:
                record_applied(planned, plan_id)

    return after


def _finished(result: ApplyResult) -> ApplyResult:
    if not result.ok:
        report = result.report
        first = report.failed[0] if report.failed else report.skipped[0]
        counts = f"{len(report.failed)} step(s) failed, {len(report.skipped)} skipped"
        raise ApplyFailed(f"{counts} (first: {first[0]}: {first[1]})", result)
    return result


def endpoint_for(settings: Settings, spec: Spec | None = None, say: Progress = _quiet) -> str | None:
    """Resolve `sandbox` to a running sandbox's URL, starting one in the background if needed.

    In the sandbox only, the S3 buckets and the job roles a spec names are created when missing (on AWS they
    must already exist), so the examples run on a fresh sandbox; each one created is said through `say`.
    """
    if settings.sandbox:
        from gtops.sandbox import launcher

        url = launcher.ensure_running(settings.sandbox_port, quiet=True)
        buckets = spec_buckets(spec.setup) if spec is not None else set()
        if spec is not None and buckets:  # (no bucket: no call)
            region = settings.region or spec.setup.region or env_region() or "us-east-1"
            roles = {job.role for job in spec.setup.jobs if job.role != "managed"}
            made_buckets, made_roles = launcher.seed(url, buckets, roles, region)
            for bucket in made_buckets:
                say(f"sandbox: created S3 bucket {bucket} (on AWS it must already exist)")
            for role in made_roles:
                say(f"sandbox: created IAM role {role}, trusted by SageMaker (on AWS it must exist)")
        return url
    return settings.effective_endpoint()


def spec_buckets(setup: Any) -> set[str]:
    """Buckets a spec reads or writes: job inputs, outputs and assets, and the lock bucket."""
    uris = [setup.lock.bucket if setup.lock else None]
    for job in setup.jobs:
        uris += [job.output, job.assets]
        uris += list(job.input.values())
    out = set()
    for uri in uris:
        if not uri:
            continue
        if uri.startswith("s3://"):
            out.add(uri[5:].split("/", 1)[0])
        elif "://" not in uri and "/" not in uri:
            out.add(uri)  # a bare bucket name (lock.bucket)
    return out


# -- entry points --------------------------------------------------------------------------------------------


def _settings(
    region: str | None, profile: str | None, endpoint_url: str | None, sandbox: bool, allow_outside: bool
) -> Settings:
    return Settings(
        region=region,
        profile=profile,
        endpoint_url=endpoint_url,
        sandbox=sandbox,
        allow_outside=allow_outside,
    )


VarFiles = str | Path | Sequence[str | Path] | None


def _variables(vars: dict[str, Any] | None, var_file: VarFiles) -> dict[str, str]:
    from gtops.spec.varfile import read_var_files

    files = [var_file] if isinstance(var_file, (str, Path)) else list(var_file or [])
    out = read_var_files(files)
    out.update({str(k): str(v) for k, v in (vars or {}).items()})
    return out


def open_setup(
    settings: Settings, paths: PathsLike, cli_vars: dict[str, str], progress: Progress | None = None
) -> Setup:
    """Load the spec the way every command does (variables, --region for its checks, --allow-outside)."""
    from gtops.spec import load_spec

    found = spec_paths(paths)
    spec = load_spec(found, cli_vars=cli_vars, region=settings.region, allow_outside=settings.allow_outside)
    return Setup(spec, settings, found, cli_vars, progress)


def load(
    paths: PathsLike = None,
    *,
    vars: dict[str, Any] | None = None,
    var_file: VarFiles = None,
    region: str | None = None,
    profile: str | None = None,
    endpoint_url: str | None = None,
    sandbox: bool = False,
    allow_outside: bool = False,
    progress: Progress | None = None,
) -> Setup:
    """Load a setup's spec (files or folders; default ./specs, else the current folder) and say where it
    lives: `region`, `profile`, `endpoint_url` (or AWS_ENDPOINT_URL), or `sandbox=True` for the local
    sandbox. `vars` and `var_file` set spec variables as `--var` and `--var-file` do. Raises SpecError
    listing every problem of an invalid spec."""
    settings = _settings(region, profile, endpoint_url, sandbox, allow_outside)
    return open_setup(settings, paths, _variables(vars, var_file), progress)


def load_plan_file(
    path: str | Path,
    *,
    vars: dict[str, Any] | None = None,
    var_file: VarFiles = None,
    region: str | None = None,
    profile: str | None = None,
    endpoint_url: str | None = None,
    sandbox: bool = False,
    allow_outside: bool = False,
    progress: Progress | None = None,
) -> Setup:
    """The setup a saved plan file (`gtops plan --out`, `plan.save()`) was made from, pinned to that plan:
    its `apply()` applies exactly the saved plan, or refuses (StalePlan) if anything moved since."""
    settings = _settings(region, profile, endpoint_url, sandbox, allow_outside)
    return open_saved_setup(settings, Path(path), _variables(vars, var_file), progress)


def open_saved_setup(
    settings: Settings,
    path: Path,
    cli_vars: dict[str, str],
    progress: Progress | None = None,
    targeted: bool = False,
) -> Setup:
    from gtops.gitops.saved import open_saved

    saved = open_saved(path, settings, cli_vars, targeted=targeted)
    paths = [Path(p) for p in saved.doc["spec"]["paths"]]
    return Setup(saved.spec, saved.settings, paths, cli_vars, progress, saved)


def status(paths: PathsLike = None, **connection: Any) -> Status:
    """Where each of the spec's labeling jobs stands; `connection`: the keyword arguments of `load`."""
    return load(paths, **connection).status()


def results(job: str, paths: PathsLike = None, *, threshold: float = 0.5, **connection: Any) -> Results:
    """A labeling job's results, summarised; `connection`: the keyword arguments of `load`."""
    return load(paths, **connection).results(job, threshold)
