"""Rules the schema cannot express: references between sections, duplicates, files, task-type rules.

Runs on the merged spec even when the schema found problems, so it must not trust shapes: every rule
skips values of the wrong type (the schema already reported them).
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from gtops.errors import GtopsError, Problem
from gtops.files import ANYWHERE, Confinement, resolve
from gtops.spec.aws_rules import (
    arn_partition_problem,
    attribute_problem,
    bucket_problem,
    email_problem,
)
from gtops.spec.durations import format_duration, parse_duration
from gtops.spec.fields import LAMBDA_ARN
from gtops.spec.lambdas import TASK_TYPE_SUFFIX, builtin_lambda_arns, builtin_regions
from gtops.spec.locations import Locations
from gtops.spec.validate import suggest

MAX_GROUPS_PER_USER = 100  # Cognito's per-user group limit (not adjustable)

CLASSIFICATION = {"image_classification", "text_classification"}
INPUT_KEYS = ("manifest", "manifest_file", "s3_prefix", "folder", "job")
REF_TASKS = ("semantic_segmentation", "adjustment_semantic_segmentation")
AUTO_LABELING = ("image_classification", "text_classification", "bounding_box", "semantic_segmentation")
# Environment variables Lambda reserves (Lambda DG, "Defined runtime environment variables").
RESERVED_ENV = frozenset(
    {
        "_HANDLER",
        "_X_AMZN_TRACE_ID",
        "AWS_DEFAULT_REGION",
        "AWS_REGION",
        "AWS_EXECUTION_ENV",
        "AWS_ACCESS_KEY",
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "LAMBDA_TASK_ROOT",
        "LAMBDA_RUNTIME_DIR",
    }
)
_TEAM_ARN = re.compile(
    r"^arn:aws[a-z\-]*:sagemaker:([a-z0-9\-]+):\d{12}:workteam/private-crowd/[a-zA-Z0-9-]+$"
)
MAX_LABELS = {
    "bounding_box": 50,
    "image_classification_multi": 50,
    "text_classification_multi": 50,
}
PUBLIC_MAX_AVAILABILITY = 12 * 3600
_LAMBDA_ARN = re.compile(LAMBDA_ARN)
_RESERVED_DOMAIN_WORDS = ("aws", "amazon", "cognito")
_RESERVED_ATTRS = {"email", "phone_number", "sub", "email_verified", "phone_number_verified"}


def dicts(value: Any) -> Iterator[tuple[int, dict]]:
    if isinstance(value, list):
        for i, item in enumerate(value):
            if isinstance(item, dict):
                yield i, item


def _mapping(value: Any) -> dict:
    return value if isinstance(value, dict) else {}


def resolve_file(locations: Locations, path: tuple[Any, ...], value: str) -> Path:
    """A path written in the spec, relative to the file it was written in, made absolute."""
    base = Path(locations.file_of(path)).parent
    return resolve(base / Path(value).expanduser())


class Checker:
    def __init__(
        self,
        data: dict,
        locations: Locations,
        region: str | None,
        complete: bool = True,
        confinement: Confinement = ANYWHERE,
    ):
        self.data = data
        self.confinement = confinement
        # False when some spec file could not be read: rules that look across files would only add
        # false alarms then (a group "missing" because its file failed to parse).
        self.complete = complete
        self.loc = locations
        self.region = region
        self.problems: list[Problem] = []
        self.spec_jobs: dict[str, tuple[int, dict]] = {}

    def add(self, path: tuple[Any, ...], message: str) -> None:
        self.problems.append(self.loc.problem(path, message))

    def run(self) -> list[Problem]:
        self.setup()
        self.notifications()
        self.pool()
        self.client()
        self.domain()
        self.workforce()
        group_names = self.groups()
        team_names = self.teams(group_names)
        self.members(group_names)
        self.jobs(team_names)
        self.aws_names()
        return self.problems

    def aws_names(self) -> None:
        """Bucket names and ARNs AWS would refuse: S3 naming rules, ARNs of another partition."""
        lock = _mapping(self.data.get("lock"))
        if isinstance(lock.get("bucket"), str) and (why := bucket_problem(lock["bucket"], basic=False)):
            self.add(("lock", "bucket"), why)
        arns: list[tuple[tuple[Any, ...], Any, str]] = [
            (
                ("notifications", "topic_arn"),
                _mapping(self.data.get("notifications")).get("topic_arn"),
                "topic",
            ),
            (
                ("pool", "email", "source_arn"),
                _mapping(_mapping(self.data.get("pool")).get("email")).get("source_arn"),
                "SES identity",
            ),
            (("permissions_boundary",), self.data.get("permissions_boundary"), "permissions boundary policy"),
        ]
        for i, job in dicts(self.data.get("jobs")):
            p = ("jobs", i)
            inputs = _mapping(job.get("input"))
            uris: list[tuple[tuple[Any, ...], Any]] = [
                (p + ("output",), job.get("output")),
                (p + ("assets",), job.get("assets")),
            ]
            uris += [(p + ("input", k), inputs.get(k)) for k in ("manifest", "s3_prefix")]
            for path, uri in uris:
                if not (isinstance(uri, str) and uri.startswith("s3://")):
                    continue
                bucket, _, key = uri[5:].partition("/")
                if why := bucket_problem(bucket, basic=False):
                    self.add(path, why)
                elif path[-1] == "manifest" and (not key or key.endswith("/")):
                    self.add(path, f"'{uri}' names no object: the manifest is a file, s3://bucket/path/file")
            arns.append((p + ("role",), job.get("role"), "role"))
            for key, fn in _mapping(job.get("lambdas")).items():
                arns.append((p + ("lambdas", key), fn, "Lambda function"))
            arns.append((p + ("kms_key",), job.get("kms_key"), "KMS key"))
        for path, arn, what in arns:
            if isinstance(arn, str) and (why := arn_partition_problem(arn, self.region, what)):
                self.add(path, why)

    # -- top level -------------------------------------------------------------------------------------
    def setup(self) -> None:
        if not self.complete:
            return
        pool = _mapping(self.data.get("pool"))
        if "name" not in self.data and not isinstance(pool.get("name"), str):
            self.add((), "give the setup a `name` (or a `pool`, whose name is the default)")
        needs_pool = [k for k in ("groups", "teams") if self.data.get(k)]
        if _mapping(self.data.get("members")).get("workers") or _mapping(self.data.get("members")).get("csv"):
            needs_pool.append("members")
        if needs_pool and "pool" not in self.data:
            self.add((needs_pool[0],), f"{needs_pool[0]} need a `pool` (the Cognito user pool they live in)")
        if self.data.get("teams") and "client" not in self.data:
            self.add(("teams",), "teams need a `client` (the app client the worker portal signs in with)")

    def notifications(self) -> None:
        notes = self.data.get("notifications")
        if not isinstance(notes, dict):
            return
        if "topic" in notes and "topic_arn" in notes:
            self.add(
                ("notifications", "topic_arn"),
                "give either topic (gtops creates it) or topic_arn (an existing topic), not both",
            )
        elif "topic" not in notes and "topic_arn" not in notes:
            self.add(
                ("notifications",), "needs topic (a name gtops creates) or topic_arn (an existing topic)"
            )
        if "topic_arn" in notes and "tags" in notes:
            self.add(
                ("notifications", "tags"),
                "tags apply only to a topic gtops creates (topic), not to topic_arn",
            )
        seen: set[str] = set()
        for i, stmt in enumerate(notes.get("policy_statements") or []):
            sid = stmt.get("Sid") if isinstance(stmt, dict) else None
            if not isinstance(sid, str):
                continue
            where = ("notifications", "policy_statements", i, "Sid")
            if sid == "GtopsSageMakerPublish":
                self.add(where, "GtopsSageMakerPublish is gtops's own statement (letting SageMaker publish)")
            elif sid in seen:
                self.add(where, f"duplicate Sid '{sid}': statement ids are unique in a policy")
            seen.add(sid)

    def pool(self) -> None:
        pool = _mapping(self.data.get("pool"))
        email = _mapping(pool.get("email"))
        if email.get("sending_account") == "DEVELOPER" and "source_arn" not in email:
            self.add(
                ("pool", "email"), "sending_account DEVELOPER needs source_arn (the verified SES identity)"
            )
        if email.get("sending_account") == "COGNITO_DEFAULT":
            for key in ("source_arn", "from", "configuration_set"):
                if key in email:
                    self.add(("pool", "email", key), f"{key} needs sending_account DEVELOPER (Amazon SES)")
        self._mfa(_mapping(pool.get("mfa")))
        invitation = _mapping(pool.get("invitation"))
        for key in ("message", "sms"):
            text = invitation.get(key)
            if isinstance(text, str) and "{####}" not in text:
                self.add(
                    ("pool", "invitation", key),
                    "must contain {####} (Cognito puts the temporary password there)",
                )
        for key in ("subject", "message", "sms"):
            text = invitation.get(key)
            if (
                self.complete
                and isinstance(text, str)
                and "{portal_url}" in text
                and "workforce" not in self.data
                and not self.data.get("teams")
            ):
                self.add(
                    ("pool", "invitation", key),
                    "uses {portal_url}, which gtops fills in from the spec's `workforce:` or teams; add "
                    "`workforce: {}` (the region's existing workforce is adopted) or write the portal URL",
                )

    def _mfa(self, mfa: dict) -> None:
        """What SetUserPoolMfaConfig refuses, with AWS's words: optional or on with no factor ("can't disable
        all MFAs with a required or optional configuration"), off with one ("can't turn off MFA and
        configure an MFA together"). Sources: aws/aws-sdk-js#4186; Terraform's cognitoidp/user_pool.go."""
        if not mfa:
            return
        mode = mfa.get("mode")
        mode = {True: "on", False: "off"}.get(mode, mode) if isinstance(mode, bool) else mode
        factors = [k for k in ("totp", "sms") if mfa.get(k)]
        if mode in ("optional", "on") and not factors:
            self.add(
                ("pool", "mfa"),
                f"mode {mode} needs a factor: totp: true (authenticator apps) and/or sms: {{role_arn, "
                "external_id}; AWS refuses MFA with none",
            )
        elif mode == "off" and factors:
            self.add(
                ("pool", "mfa", factors[0]),
                "mode off takes no factor (AWS refuses to turn MFA off and configure a factor together); "
                "remove it or choose mode optional",
            )

    def client(self) -> None:
        validity = _mapping(_mapping(self.data.get("client")).get("token_validity"))
        limits = {"access": (300, 86400), "id": (300, 86400), "refresh": (3600, 3650 * 86400)}
        for key, (lo, hi) in limits.items():
            seconds = parse_duration(validity.get(key)) if key in validity else None
            if seconds is not None and not lo <= seconds <= hi:
                self.add(
                    ("client", "token_validity", key),
                    f"must be between {format_duration(lo)} and {format_duration(hi)}",
                )

    def domain(self) -> None:
        domain = self.data.get("domain")
        if isinstance(domain, str):
            for word in _RESERVED_DOMAIN_WORDS:
                if word in domain:
                    self.add(("domain",), f"Cognito domain prefixes cannot contain '{word}'")

    def workforce(self) -> None:
        ips = _mapping(self.data.get("workforce")).get("source_ips")
        if isinstance(ips, list):
            for i, cidr in enumerate(ips):
                if not isinstance(cidr, str):
                    continue
                try:
                    ipaddress.ip_network(cidr, strict=False)
                except ValueError:
                    self.add(
                        ("workforce", "source_ips", i), f"'{cidr}' is not a CIDR range such as 203.0.113.0/24"
                    )
                    continue
                if "/" not in cidr:
                    self.add(
                        ("workforce", "source_ips", i), f"'{cidr}' needs a prefix length, e.g. {cidr}/32"
                    )

    # -- groups, teams, members ------------------------------------------------------------------------
    def _unique(self, section: str, key: str, fold: bool = False) -> list[str]:
        seen: dict[str, int] = {}
        names: list[str] = []
        for i, item in dicts(self.data.get(section)):
            name = item.get(key)
            if not isinstance(name, str):
                continue
            norm = name.lower() if fold else name
            if norm in seen:
                first = self.loc.where((section, seen[norm]))
                how = (
                    " (names are case-insensitive)"
                    if fold and name != self.data[section][seen[norm]][key]
                    else ""
                )
                self.add(
                    (section, i, key),
                    f"duplicate {section[:-1]} name '{name}'{how}; first defined at {first}",
                )
            else:
                seen[norm] = i
                names.append(name)
        return names

    def groups(self) -> list[str]:
        return self._unique("groups", "name")

    def teams(self, group_names: list[str]) -> list[str]:
        names = self._unique("teams", "name")
        has_topic = isinstance(self.data.get("notifications"), dict)
        for i, team in dicts(self.data.get("teams")):
            groups = team.get("groups")
            if isinstance(groups, list):
                for j, group in enumerate(groups):
                    if self.complete and isinstance(group, str) and group not in group_names:
                        self.add(
                            ("teams", i, "groups", j),
                            f"unknown group '{group}'{suggest(group, group_names)}; define it in `groups`",
                        )
            if self.complete and team.get("notifications") is True and not has_topic:
                self.add(("teams", i, "notifications"), "needs a top-level `notifications` topic")
        return names

    def members(self, group_names: list[str]) -> None:
        members = _mapping(self.data.get("members"))
        declared = _mapping(self.data.get("pool")).get("custom_attributes")
        custom = (
            frozenset(a for a in declared if isinstance(a, str))
            if isinstance(declared, list)
            else frozenset()
        )
        seen: dict[str, int] = {}
        known_groups = frozenset(group_names)
        complete = self.complete
        for i, worker in dicts(members.get("workers")):
            email = worker.get("email")
            if isinstance(email, str):
                if why := email_problem(email):
                    shown = email.encode("ascii", "backslashreplace").decode()
                    self.add(("members", "workers", i, "email"), f"'{shown}' {why}")
                key = email.strip().lower()
                if key in seen:
                    first = self.loc.where(("members", "workers", seen[key]))
                    self.add(
                        ("members", "workers", i, "email"),
                        f"duplicate worker '{email}' (e-mails are compared "
                        f"case-insensitively); first listed at {first}",
                    )
                else:
                    seen[key] = i
            groups = worker.get("groups")
            if isinstance(groups, list) and groups:
                if len(groups) > MAX_GROUPS_PER_USER and len(set(map(str, groups))) > MAX_GROUPS_PER_USER:
                    self.add(
                        ("members", "workers", i, "groups"),
                        f"a worker can be in at most {MAX_GROUPS_PER_USER} groups (a Cognito limit), "
                        f"not {len(set(map(str, groups)))}",
                    )
                if complete:
                    for j, group in enumerate(groups):
                        if isinstance(group, str) and group not in known_groups:
                            hint = suggest(group, group_names)
                            self.add(
                                ("members", "workers", i, "groups", j),
                                f"unknown group '{group}'{hint}; define it in `groups`",
                            )
            attributes = worker.get("attributes")
            if not attributes or not isinstance(attributes, dict):
                continue
            for name, value in attributes.items():
                if name in _RESERVED_ATTRS:
                    field = {"email": "email", "phone_number": "phone"}.get(name)
                    hint = f"; use the worker's `{field}` field" if field else ""
                    self.add(
                        ("members", "workers", i, "attributes", name),
                        f"'{name}' cannot be set as an attribute{hint}",
                    )
                elif isinstance(value, str) and (why := attribute_problem(name, value, custom)):
                    self.add(("members", "workers", i, "attributes", name), why)

    # -- jobs ------------------------------------------------------------------------------------------
    def jobs(self, team_names: list[str]) -> None:
        self._unique("jobs", "name", fold=True)
        self.spec_jobs = {
            job["name"].lower(): (i, job)
            for i, job in dicts(self.data.get("jobs"))
            if isinstance(job.get("name"), str)
        }
        for i, job in dicts(self.data.get("jobs")):
            self.job(i, job, team_names)
        self._chains()
        self._function_names()

    def _team_arn(self, path: tuple[Any, ...], arn: str) -> None:
        match = _TEAM_ARN.match(arn)
        if not match:
            self.add(
                path,
                f"'{arn}' is not a private work team ARN "
                "(arn:aws:sagemaker:<region>:<account>:workteam/private-crowd/<name>)",
            )
        elif self.region and match.group(1) != self.region:
            self.add(
                path,
                f"the team is in {match.group(1)}, the job in {self.region}: "
                "a job's team must be in its region",
            )

    def job(self, i: int, job: dict, team_names: list[str]) -> None:
        p = ("jobs", i)
        task = job.get("task_type")
        public = job.get("workforce") == "public"
        # Who does the work.
        if public:
            if "team" in job:
                self.add(
                    p + ("team",), "public jobs go to the public workforce (Mechanical Turk); remove team"
                )
            classifiers = job.get("content_classifiers")
            if not (
                isinstance(classifiers, list) and "FreeOfPersonallyIdentifiableInformation" in classifiers
            ):
                self.add(
                    p + ("workforce",),
                    "the public workforce needs content_classifiers to include "
                    "FreeOfPersonallyIdentifiableInformation",
                )
            if task == "custom" and "price_per_task" not in job:
                self.add(p, "public custom jobs need price_per_task (there is no suggested price)")
        else:
            team = job.get("team")
            if "team" not in job:
                self.add(p, "private jobs need a team (or set workforce: public)")
            elif isinstance(team, str) and team.startswith("arn:"):
                self._team_arn(p + ("team",), team)
            # A team not in `teams` is an existing one, looked up by name when gtops plans.
            if "price_per_task" in job:
                self.add(p + ("price_per_task",), "price_per_task is only for workforce: public")
        price = job.get("price_per_task")
        if isinstance(price, (int, float)) and not isinstance(price, bool) and 0 < price <= 2.999:
            if abs(round(price * 1000) - price * 1000) > 1e-6:
                self.add(p + ("price_per_task",), "must be in steps of 0.001 USD (a tenth of a cent)")
        # Task type rules.
        self._task_rules(p, job, task)
        self._labels(p, job, task)
        self._durations(p, job, public)
        self._files(p, job, task)
        self._input(p, job, task)
        self._audit(p, job, task)
        self._automated(p, job, task)
        self._lambda_settings(p, job)

    def _task_rules(self, p: tuple[Any, ...], job: dict, task: Any) -> None:
        if task == "custom":
            if "template" not in job:
                self.add(p, "custom jobs need a template (your Liquid worker UI)")
            if "lambdas" not in job:
                self.add(p, "custom jobs need lambdas: {pre: ..., consolidation: ...}")
        elif isinstance(task, str):
            if "lambdas" in job:
                self.add(
                    p + ("lambdas",), f"lambdas are only for custom jobs; {task} uses AWS's built-in Lambdas"
                )
            region = self.region
            if region and task in TASK_TYPE_SUFFIX and builtin_lambda_arns(region, task) is None:
                self.add(
                    p + ("task_type",),
                    f"region {region} has no built-in Ground Truth Lambdas for {task} "
                    f"(available in {', '.join(builtin_regions())}); use task_type custom with your own "
                    "lambdas",
                )
        if task == "named_entity_recognition":
            if "instructions" not in job:
                self.add(p, "named_entity_recognition needs instructions: {short: ..., full: ...}")
            if "template" in job:
                self.add(
                    p + ("template",), "named_entity_recognition uses AWS's own worker UI; remove template"
                )
        label_attr = job.get("label_attribute")
        if isinstance(label_attr, str):
            if label_attr.endswith("-metadata"):
                self.add(
                    p + ("label_attribute",),
                    "must not end in -metadata (Ground Truth writes <label_attribute>-metadata itself)",
                )
            elif label_attr.endswith("-ref") and task not in REF_TASKS + ("custom",):
                self.add(
                    p + ("label_attribute",),
                    f"must not end in -ref for {task} (only semantic_segmentation and "
                    "adjustment_semantic_segmentation use -ref)",
                )
            elif label_attr in ("source", "source-ref"):
                self.add(p + ("label_attribute",), f"'{label_attr}' is reserved for the data object")

    def _labels(self, p: tuple[Any, ...], job: dict, task: Any) -> None:
        labels = job.get("labels")
        if "label_file" in job:
            for key in ("labels", "instructions"):
                if key in job:
                    self.add(
                        p + (key,),
                        f"give either label_file (an existing file, used as it is) or {key}, not both",
                    )
            return
        if labels is None:
            if task != "custom" and isinstance(task, str) and not self._inherits_labels(job, task):
                self.add(p, f"{task} jobs need labels")
            return
        if not isinstance(labels, list):
            return
        names: dict[str, int] = {}
        for j, label in enumerate(labels):
            name = label.get("label") if isinstance(label, dict) else label
            if not isinstance(name, str):
                continue
            if name in names:
                self.add(p + ("labels", j), f"duplicate label '{name}'")
            names.setdefault(name, j)
            if isinstance(label, dict) and "short_name" in label and task != "named_entity_recognition":
                self.add(
                    p + ("labels", j, "short_name"), "short_name is only used by named_entity_recognition"
                )
        if (task in CLASSIFICATION or str(task).startswith("verification_")) and len(labels) < 2:
            self.add(p + ("labels",), f"{task} needs at least 2 labels")
        limit = MAX_LABELS.get(task) if isinstance(task, str) else None
        if limit and len(labels) > limit:
            self.add(p + ("labels",), f"{task} allows at most {limit} labels (it has {len(labels)})")

    def _durations(self, p: tuple[Any, ...], job: dict, public: bool) -> None:
        limit = parse_duration(job.get("task_time_limit")) if "task_time_limit" in job else None
        if limit is not None and not 30 <= limit <= 8 * 3600:
            self.add(p + ("task_time_limit",), f"must be between 30s and 8h, not {format_duration(limit)}")
        avail = parse_duration(job.get("task_availability")) if "task_availability" in job else None
        if avail is not None:
            hi = PUBLIC_MAX_AVAILABILITY if public else 30 * 86400
            if not 60 <= avail <= hi:
                who = " for the public workforce" if public else ""
                self.add(
                    p + ("task_availability",),
                    f"must be between 1m and {format_duration(hi)}{who}, not {format_duration(avail)}",
                )

    def _files(self, p: tuple[Any, ...], job: dict, task: Any) -> None:
        template = job.get("template")
        if isinstance(template, str) and template.startswith("s3://"):
            self._s3_object(p + ("template",), template)
        elif isinstance(template, str) and self._must_exist(p + ("template",), template, folder=False):
            self._template(p + ("template",), resolve_file(self.loc, p + ("template",), template))
        if isinstance(job.get("label_file"), str):
            self._s3_object(p + ("label_file",), job["label_file"])
        inputs = _mapping(job.get("input"))
        if isinstance(inputs.get("manifest_file"), str):
            self._must_exist(p + ("input", "manifest_file"), inputs["manifest_file"], folder=False)
        if isinstance(inputs.get("folder"), str):
            self._must_exist(p + ("input", "folder"), inputs["folder"], folder=True)
        for key, fn in _mapping(job.get("lambdas")).items():
            if isinstance(fn, dict) and isinstance(fn.get("file"), str):
                if not fn["file"].endswith(".py"):
                    self.add(p + ("lambdas", key, "file"), "must be a local .py file")
                else:
                    self._must_exist(p + ("lambdas", key, "file"), fn["file"], folder=False)
                continue
            if not isinstance(fn, str):
                continue
            if fn.startswith("arn:"):
                if not _LAMBDA_ARN.match(fn):
                    self.add(
                        p + ("lambdas", key),
                        f"'{fn}' is not a Lambda function ARN "
                        "(arn:aws:lambda:<region>:<account>:function:<name>)",
                    )
                elif self.region and fn.split(":")[3] != self.region:
                    # Ground Truth calls the job's Lambdas in the job's region; the sandbox refuses another
                    # region's at CreateLabelingJob (gtops/sandbox/job_rules.py; assumed, no source either
                    # way).
                    self.add(
                        p + ("lambdas", key),
                        f"'{fn}' is in region {fn.split(':')[3]}; the job runs in {self.region}: "
                        "deploy the function there",
                    )
            elif not fn.endswith(".py"):
                self.add(p + ("lambdas", key), "must be a Lambda ARN or a local .py file")
            else:
                self._must_exist(p + ("lambdas", key), fn, folder=False)

    def _s3_object(self, path: tuple[Any, ...], uri: str) -> None:
        if not uri.startswith("s3://") or uri.endswith("/") or "/" not in uri[5:]:
            self.add(path, f"'{uri}' names no object: give s3://bucket/path/file")

    def _inherits_labels(self, job: dict, task: str) -> bool:
        """An adjustment job chained to a spec job takes that job's labels (AWS: the same labels)."""
        source = _mapping(job.get("input")).get("job")
        found = self.spec_jobs.get(source.lower()) if isinstance(source, str) else None
        return task.startswith("adjustment_") and found is not None and "labels" in found[1]

    def _input(self, p: tuple[Any, ...], job: dict, task: Any) -> None:
        inputs = _mapping(job.get("input"))
        sources = [k for k in INPUT_KEYS if k in inputs]
        path = p + ("input",)
        if "sns_topic" in inputs:
            if "job" in inputs:
                self.add(path + ("job",), "a streaming job (sns_topic) cannot also be chained to a job")
            elif len(sources) > 1:
                self.add(
                    path, "give at most one of manifest, manifest_file, s3_prefix, folder with sns_topic"
                )
            if "stopping" in job:
                self.add(
                    p + ("stopping",), "streaming jobs run until stopped: AWS ignores stopping conditions"
                )
        else:
            if len(sources) != 1:
                self.add(path, "give exactly one of manifest, manifest_file, s3_prefix, folder, job")
            if "output_topic" in job:
                self.add(p + ("output_topic",), "output_topic is for streaming jobs (input.sns_topic)")
        source = inputs.get("job")
        if isinstance(source, str) and source.lower() == str(job.get("name", "")).lower():
            self.add(path + ("job",), "a job cannot be chained to itself")

    def _audit(self, p: tuple[Any, ...], job: dict, task: Any) -> None:
        """Verification and adjustment jobs show the labels of a previous job: which ones must be known."""
        if not (isinstance(task, str) and task.startswith(("verification_", "adjustment_"))):
            if "audit_label_attribute" in job:
                self.add(
                    p + ("audit_label_attribute",),
                    "audit_label_attribute is for verification_* and adjustment_* jobs",
                )
            return
        inputs = _mapping(job.get("input"))
        if "audit_label_attribute" not in job and "job" not in inputs:
            self.add(
                p,
                f"{task} jobs check the labels of a previous job: chain it (input: {{job: <name>}}) or name "
                "their label attribute in the input manifest (audit_label_attribute)",
            )
        audited = job.get("audit_label_attribute")
        source = self.spec_jobs.get(str(inputs.get("job", "")).lower())
        if audited is None and source is not None:
            audited = _label_attribute(source[1])
        mine = job.get("label_attribute", job.get("name"))
        if task in REF_TASKS and isinstance(mine, str) and not mine.endswith("-ref"):
            mine += "-ref"
        if isinstance(audited, str) and mine == audited:
            self.add(
                p + (("label_attribute",) if "label_attribute" in job else ("name",)),
                f"the label attribute '{mine}' is the one being checked: AWS requires a verification or "
                "adjustment job to write its labels under another label attribute",
            )
        if source is not None:
            # The labels checked are boxes or masks: of a first job, or of an earlier adjustment of them.
            want = task.split("_", 1)[1]
            if source[1].get("task_type") not in (want, f"adjustment_{want}"):
                self.add(
                    p + ("input", "job"),
                    f"{task} checks {want} labels, but job '{source[1].get('name')}' is a "
                    f"{source[1].get('task_type')} job",
                )

    def _automated(self, p: tuple[Any, ...], job: dict, task: Any) -> None:
        auto = job.get("automated_labeling")
        if not auto:
            return
        path = p + ("automated_labeling",)
        if task not in AUTO_LABELING:
            self.add(
                path,
                f"AWS offers automated data labeling only for {', '.join(AUTO_LABELING)}, not {task}",
            )
        if "sns_topic" in _mapping(job.get("input")):
            self.add(path, "streaming jobs do not support automated data labeling (AWS)")

    def _lambda_settings(self, p: tuple[Any, ...], job: dict) -> None:
        for key, fn in _mapping(job.get("lambdas")).items():
            env = _mapping(fn.get("environment")) if isinstance(fn, dict) else {}
            for name in env:
                if name in RESERVED_ENV or name.startswith("AWS_LAMBDA_"):
                    self.add(
                        p + ("lambdas", key, "environment", name),
                        f"{name} is reserved by Lambda and cannot be set",
                    )
            size = sum(len(str(k)) + len(str(v)) for k, v in env.items())
            if size > 4096:
                self.add(
                    p + ("lambdas", key, "environment"),
                    f"Lambda allows 4 KB of environment variables in all, not {size} bytes",
                )

    def _chains(self) -> None:
        """Chained jobs form no loop (each is created once its source has finished)."""
        for name, (i, job) in self.spec_jobs.items():
            seen = [name]
            current = job
            while True:
                source = _mapping(current.get("input")).get("job")
                if not isinstance(source, str) or source.lower() not in self.spec_jobs:
                    break
                if source.lower() in seen:
                    self.add(
                        ("jobs", i, "input", "job"),
                        "chained jobs form a loop: " + " -> ".join(seen + [source.lower()]),
                    )
                    break
                seen.append(source.lower())
                current = self.spec_jobs[source.lower()][1]

    def _function_names(self) -> None:
        """Two local Lambdas deployed under one function name would overwrite each other."""
        owners: dict[str, tuple[tuple[Any, ...], str]] = {}
        for i, job in dicts(self.data.get("jobs")):
            for key, fn in _mapping(job.get("lambdas")).items():
                if not (isinstance(fn, dict) and isinstance(fn.get("name"), str)):
                    continue
                path = ("jobs", i, "lambdas", key, "name")
                first = owners.setdefault(fn["name"], (path, str(fn.get("file"))))
                if first[0] != path and first[1] != str(fn.get("file")):
                    self.add(
                        path,
                        f"function name '{fn['name']}' is already used for {first[1]} at "
                        f"{self.loc.where(first[0])}",
                    )

    def _must_exist(self, path: tuple[Any, ...], value: str, folder: bool) -> bool:
        try:
            target = resolve_file(self.loc, path, value)
        except GtopsError as err:
            self.add(path, str(err))
            return False
        outside = self.confinement.problem(target)
        if outside:
            self.add(path, outside)
        elif not target.exists():
            self.add(path, f"{'folder' if folder else 'file'} not found: {target}")
        elif folder and not target.is_dir():
            self.add(path, f"not a folder: {target}")
        elif not folder and not target.is_file():
            self.add(path, f"not a file: {target}")
        else:
            return True
        return False

    def _template(self, path: tuple[Any, ...], target: Path) -> None:
        """Liquid errors are reported at validate time, at the template's own line, not when a worker
        opens the task."""
        from gtops.jobs.templates import check_template

        field = self.loc.problem(path, "").path
        for line in check_template(target):
            where, _, message = line.partition(": ")
            number = where.rsplit(":", 1)[-1]
            self.problems.append(
                Problem(str(target), int(number) if number.isdigit() else 0, 1, field, message.strip())
            )


def _label_attribute(job: dict) -> str | None:
    """The label attribute a spec job writes (its default: the job's name, with -ref for segmentation)."""
    value = job.get("label_attribute", job.get("name"))
    if not isinstance(value, str):
        return None
    if job.get("task_type") in REF_TASKS and not value.endswith("-ref"):
        value += "-ref"
    return value


def check(
    data: dict,
    locations: Locations,
    region: str | None,
    complete: bool = True,
    confinement: Confinement = ANYWHERE,
) -> list[Problem]:
    return Checker(data, locations, region, complete, confinement).run()
