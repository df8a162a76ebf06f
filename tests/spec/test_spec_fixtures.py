"""Every validation rule, provoked by its own small fixture; each message and its file:line:column."""

from __future__ import annotations

from pathlib import Path

import pytest

from gtops.errors import SpecError
from gtops.spec import load_spec
from tests.wording import pinned_all

FIXTURES = Path(__file__).parent / "fixtures"

# fixture -> the exact problems `gtops validate` reports (paths relative to the fixtures folder); {lib}
# stands for a library's own words (PyYAML, python-liquid, Jinja2), which need only be there.
CASES: dict[str, list[str]] = {
    # YAML syntax and structure ({lib}: PyYAML's own words, tests/wording.py)
    "yaml-bad-indent.yaml": ["yaml-bad-indent.yaml:4:11: YAML syntax error: {lib}"],
    "yaml-tab-indent.yaml": ["yaml-tab-indent.yaml:3:1: YAML syntax error: {lib}"],
    "yaml-unclosed-quote.yaml": ["yaml-unclosed-quote.yaml:3:9: YAML syntax error: {lib}"],
    "yaml-duplicate-key.yaml": [
        "yaml-duplicate-key.yaml:4:3: pool.name: duplicate key 'name' (first given on line 3)"
    ],
    "yaml-top-level-list.yaml": [
        "yaml-top-level-list.yaml:1:1: the top level must be a mapping of keys such as pool, teams and jobs"
    ],
    "yaml-multiple-documents.yaml": ["yaml-multiple-documents.yaml:2:1: YAML syntax error: {lib}"],
    "invitation-unquoted-braces.yaml": [
        "invitation-unquoted-braces.yaml:5:25: YAML syntax error: {lib} (a value that starts with { or [ but "
        'is text must be quoted, e.g. "{username} ...")'
    ],
    # wrong types
    "type-workers-per-object-string.yaml": [
        "type-workers-per-object-string.yaml:15:5: jobs[0].workers_per_object: must be a whole number, not "
        "text 'three'"
    ],
    "type-team-groups-not-list.yaml": [
        "type-team-groups-not-list.yaml:7:5: teams[0].groups: must be a list, not text 'g1'"
    ],
    "type-phone-unquoted.yaml": [
        "type-phone-unquoted.yaml:6:7: members.workers[0].phone: must be a quoted E.164 phone number such as "
        '"+14155550100"'
    ],
    "type-tag-value-number.yaml": [
        "type-tag-value-number.yaml:3:3: tags.cost-center: must be text, not the number 1234 (put it in "
        "quotes)"
    ],
    "type-deletion-protection-string.yaml": [
        "type-deletion-protection-string.yaml:4:3: pool.deletion_protection: must be true or false, not text "
        "'maybe'"
    ],
    # out-of-range values
    "range-workers-per-object.yaml": [
        "range-workers-per-object.yaml:15:5: jobs[0].workers_per_object: must be at most 9, not 12"
    ],
    "range-max-concurrent-tasks.yaml": [
        "range-max-concurrent-tasks.yaml:15:5: jobs[0].max_concurrent_tasks: must be at most 5000, not 6000"
    ],
    "range-task-time-limit.yaml": [
        "range-task-time-limit.yaml:15:5: jobs[0].task_time_limit: must be between 30s and 8h, not 10h"
    ],
    "range-public-task-availability.yaml": [
        "range-public-task-availability.yaml:12:5: jobs[0].task_availability: must be between 1m and 12h for "
        "the public workforce, not 1d"
    ],
    "range-too-many-team-groups.yaml": [
        "range-too-many-team-groups.yaml:7:5: teams[0].groups: must have at most 10 items (it has 11)"
    ],
    "range-too-many-keywords.yaml": [
        "range-too-many-keywords.yaml:15:5: jobs[0].keywords: must have at most 5 items (it has 6)"
    ],
    "range-too-many-cidrs.yaml": [
        "range-too-many-cidrs.yaml:3:3: workforce.source_ips: must have at most 10 items (it has 11)"
    ],
    "range-password-min-length.yaml": [
        "range-password-min-length.yaml:5:5: pool.password_policy.min_length: must be at least 6, not 5"
    ],
    "range-title-too-long.yaml": [
        "range-title-too-long.yaml:15:5: jobs[0].title: must be at most 128 characters long (it has 129)"
    ],
    "range-team-description-too-long.yaml": [
        "range-team-description-too-long.yaml:8:5: teams[0].description: must be at most 200 characters long "
        "(it has 201)"
    ],
    "range-token-validity.yaml": [
        "range-token-validity.yaml:5:5: client.token_validity.access: must be between 5m and 1d"
    ],
    "range-duration-words.yaml": [
        "range-duration-words.yaml:15:5: jobs[0].task_time_limit: must be a duration such as 30s, 5m, 1h or "
        "10d, or a whole number of seconds"
    ],
    "range-price-fraction.yaml": [
        "range-price-fraction.yaml:6:5: jobs[0].price_per_task: must be in steps of 0.001 USD (a tenth of "
        "a cent)"
    ],
    # bad names
    "name-team-underscore.yaml": [
        "name-team-underscore.yaml:6:5: teams[0].name: 'my_team' is not valid: use letters, digits and "
        "hyphens, start and end with a letter or digit, at most 63 characters"
    ],
    "name-job-trailing-hyphen.yaml": [
        "name-job-trailing-hyphen.yaml:8:5: jobs[0].name: 'job-' is not valid: use letters, digits and "
        "hyphens, start and end with a letter or digit, at most 63 characters"
    ],
    "name-pool-slash.yaml": [
        "name-pool-slash.yaml:3:3: pool.name: 'labelers/pool' is not valid: use letters, digits, spaces and "
        "+=,.@-"
    ],
    "name-domain-uppercase.yaml": [
        "name-domain-uppercase.yaml:2:1: domain: 'Label-Workteam' is not valid: use lower-case letters, "
        "digits "
        "and hyphens, not at the start or end, at most 63 characters"
    ],
    "name-domain-reserved-word.yaml": [
        "name-domain-reserved-word.yaml:2:1: domain: Cognito domain prefixes cannot contain 'amazon'"
    ],
    "name-group-space.yaml": [
        "name-group-space.yaml:4:5: groups[0].name: 'label group' is not valid: group names cannot contain "
        "spaces"
    ],
    "name-keyword-punctuation.yaml": [
        "name-keyword-punctuation.yaml:15:23: jobs[0].keywords[1]: 'bounding-box' is not valid: keywords are "
        "words of letters and digits separated by single spaces"
    ],
    "name-label-attribute-metadata.yaml": [
        "name-label-attribute-metadata.yaml:15:5: jobs[0].label_attribute: must not end in -metadata (Ground "
        "Truth writes <label_attribute>-metadata itself)"
    ],
    "name-label-attribute-ref.yaml": [
        "name-label-attribute-ref.yaml:15:5: jobs[0].label_attribute: must not end in -ref for bounding_box "
        "(only semantic_segmentation and adjustment_semantic_segmentation use -ref)"
    ],
    # unknown keys and values, with suggestions
    "unknown-key-job-typo.yaml": [
        "unknown-key-job-typo.yaml:15:5: jobs[0].workers_per_objct: unknown key 'workers_per_objct' (did you "
        "mean 'workers_per_object'?)"
    ],
    "unknown-key-top-level.yaml": [
        "unknown-key-top-level.yaml:2:1: team: unknown key 'team' (did you mean 'teams'?)"
    ],
    "unknown-key-pool.yaml": [
        "unknown-key-pool.yaml:4:3: pool.deletion_protect: unknown key 'deletion_protect' (did you mean "
        "'deletion_protection'?)"
    ],
    "unknown-enum-task-type.yaml": [
        "unknown-enum-task-type.yaml:9:5: jobs[0].task_type: must be one of bounding_box, "
        "image_classification, "
        "image_classification_multi, semantic_segmentation, text_classification, text_classification_multi, "
        "named_entity_recognition, verification_bounding_box, adjustment_bounding_box, "
        "verification_semantic_segmentation, adjustment_semantic_segmentation, custom, "
        "not text 'bounding-box' (did you mean 'bounding_box'?)"
    ],
    # references and duplicates
    "ref-team-unknown-group.yaml": [
        "ref-team-unknown-group.yaml:7:14: teams[0].groups[0]: unknown group 'Label-grop' (did you mean "
        "'Label-group'?); define it in `groups`"
    ],
    # A team outside `teams` is an existing one (looked up when gtops plans); by ARN, in the job's region.
    "ref-job-team-arn-other-region.yaml": [
        "ref-job-team-arn-other-region.yaml:10:5: jobs[0].team: the team is in eu-west-1, "
        "the job in us-east-1: a job's team must be in its region"
    ],
    "ref-member-unknown-group.yaml": [
        "ref-member-unknown-group.yaml:7:20: members.workers[0].groups[1]: unknown group 'g2'; define it in "
        "`groups`"
    ],
    "ref-team-notifications-without-topic.yaml": [
        "ref-team-notifications-without-topic.yaml:8:5: teams[0].notifications: needs a top-level "
        "`notifications` topic"
    ],
    "ref-teams-without-client.yaml": [
        "ref-teams-without-client.yaml:4:1: teams: teams need a `client` (the app client the worker portal "
        "signs in with)"
    ],
    "groups-without-pool.yaml": [
        "groups-without-pool.yaml:2:1: groups: groups need a `pool` (the Cognito user pool they live in)"
    ],
    "dup-group-names.yaml": [
        "dup-group-names.yaml:6:5: groups[2].name: duplicate group name 'g1'; first defined at "
        "{F}dup-group-names.yaml:4"
    ],
    "dup-team-names.yaml": [
        "dup-team-names.yaml:8:5: teams[1].name: duplicate team name 't1'; first defined at "
        "{F}dup-team-names.yaml:6"
    ],
    "dup-job-names-case.yaml": [
        "dup-job-names-case.yaml:15:5: jobs[1].name: duplicate job name 'J1' (names are case-insensitive); "
        "first defined at {F}dup-job-names-case.yaml:8"
    ],
    "dup-worker-email-case.yaml": [
        "dup-worker-email-case.yaml:7:7: members.workers[2].email: duplicate worker 'alice@example.com' "
        "(e-mails are compared case-insensitively); first listed at {F}dup-worker-email-case.yaml:5"
    ],
    "dup-labels.yaml": ["dup-labels.yaml:11:26: jobs[0].labels[2]: duplicate label 'train'"],
    "dup-team-groups.yaml": ["dup-team-groups.yaml:7:18: teams[0].groups[1]: text 'g1' is listed twice"],
    # job rules
    "job-private-without-team.yaml": [
        "job-private-without-team.yaml:8:5: jobs[0]: private jobs need a team (or set workforce: public)"
    ],
    "job-public-with-team.yaml": [
        "job-public-with-team.yaml:10:5: jobs[0].team: public jobs go to the public workforce (Mechanical "
        "Turk); remove team"
    ],
    "job-public-without-classifiers.yaml": [
        "job-public-without-classifiers.yaml:10:5: jobs[0].workforce: the public workforce needs "
        "content_classifiers to include FreeOfPersonallyIdentifiableInformation"
    ],
    "job-price-on-private.yaml": [
        "job-price-on-private.yaml:15:5: jobs[0].price_per_task: price_per_task is only for workforce: public"
    ],
    "job-custom-without-template-and-lambdas.yaml": [
        "job-custom-without-template-and-lambdas.yaml:8:5: jobs[0]: custom jobs need a template (your Liquid "
        "worker UI)",
        "job-custom-without-template-and-lambdas.yaml:8:5: jobs[0]: custom jobs need lambdas: {pre: ..., "
        "consolidation: ...}",
    ],
    "job-lambdas-on-builtin.yaml": [
        "job-lambdas-on-builtin.yaml:15:5: jobs[0].lambdas: lambdas are only for custom jobs; bounding_box "
        "uses "
        "AWS's built-in Lambdas"
    ],
    "job-ner-without-instructions.yaml": [
        "job-ner-without-instructions.yaml:8:5: jobs[0]: named_entity_recognition needs instructions: "
        "{short: "
        "..., full: ...}"
    ],
    "job-classification-one-label.yaml": [
        "job-classification-one-label.yaml:11:5: jobs[0].labels: image_classification needs at least 2 labels"
    ],
    "job-no-labels.yaml": ["job-no-labels.yaml:8:5: jobs[0]: bounding_box jobs need labels"],
    "job-region-without-builtin-lambdas.yaml": [
        "job-region-without-builtin-lambdas.yaml:9:5: jobs[0].task_type: region sa-east-1 has no built-in "
        "Ground Truth Lambdas for bounding_box (available in ap-northeast-1, ap-northeast-2, ap-south-1, "
        "ap-southeast-1, ap-southeast-2, ca-central-1, eu-central-1, eu-west-1, eu-west-2, us-east-1, "
        "us-east-2, us-west-2); use task_type custom with your own lambdas"
    ],
    "job-input-two-sources.yaml": [
        "job-input-two-sources.yaml:12:5: jobs[0].input: give exactly one of manifest, manifest_file, "
        "s3_prefix, folder, job"
    ],
    "job-missing-output.yaml": ["job-missing-output.yaml:8:5: jobs[0]: missing required key 'output'"],
    "job-bad-role.yaml": [
        "job-bad-role.yaml:14:5: jobs[0].role: must be an IAM role ARN (arn:aws:iam::123456789012:role/Name) "
        "or 'managed'"
    ],
    "job-bad-s3-uri.yaml": [
        "job-bad-s3-uri.yaml:13:5: jobs[0].output: 'gtops-demo-data/out/' is not valid: must be an s3:// URI"
    ],
    "job-bad-lambda-arn.yaml": [
        "job-bad-lambda-arn.yaml:17:7: jobs[0].lambdas.pre: 'arn:aws:lambda:us-east-1:123:function:pre' is "
        "not "
        "a Lambda function ARN (arn:aws:lambda:<region>:<account>:function:<name>)",
        "job-bad-lambda-arn.yaml:18:7: jobs[0].lambdas.consolidation: must be a Lambda ARN or a local .py "
        "file",
    ],
    # files that do not exist
    "missing-template-file.yaml": [
        "missing-template-file.yaml:15:5: jobs[0].template: file not found: {A}ui/nope.liquid.html"
    ],
    "template-liquid-error.yaml": [  # {lib}: python-liquid's words
        "template-liquid-error.liquid.html:7:1: jobs[0].template: {lib}"
    ],
    "missing-manifest-file.yaml": [
        "missing-manifest-file.yaml:12:13: jobs[0].input.manifest_file: file not found: {A}data/nope.manifest"
    ],
    "missing-input-folder.yaml": [
        "missing-input-folder.yaml:12:13: jobs[0].input.folder: folder not found: {A}images-nope"
    ],
    "missing-lambda-file.yaml": [
        "missing-lambda-file.yaml:17:7: jobs[0].lambdas.pre: file not found: {A}lambdas/nope_pre.py"
    ],
    # pool and setup rules
    "invitation-without-password.yaml": [
        "invitation-without-password.yaml:6:5: pool.invitation.message: must contain {####} (Cognito puts "
        "the "
        "temporary password there)"
    ],
    "setup-without-name-or-pool.yaml": [
        "setup-without-name-or-pool.yaml:1:1: give the setup a `name` (or a `pool`, whose name is the "
        "default)"
    ],
    "notifications-topic-and-arn.yaml": [
        "notifications-topic-and-arn.yaml:4:3: notifications.topic_arn: give either topic (gtops creates it) "
        "or topic_arn (an existing topic), not both"
    ],
    "email-developer-without-source.yaml": [
        "email-developer-without-source.yaml:4:3: pool.email: sending_account DEVELOPER needs source_arn "
        "(the "
        "verified SES identity)"
    ],
    "workforce-bad-cidr.yaml": [
        "workforce-bad-cidr.yaml:3:32: workforce.source_ips[1]: '10.0.0.300/8' is not a CIDR range such as "
        "203.0.113.0/24"
    ],
    "member-reserved-attribute.yaml": [
        "member-reserved-attribute.yaml:7:9: members.workers[0].attributes.phone_number: 'phone_number' "
        "cannot "
        "be set as an attribute; use the worker's `phone` field"
    ],
    # CSV rosters: problems point at the CSV row
    "csv-missing-file.yaml": ["csv-missing-file.yaml:4:3: members.csv: CSV file not found: {A}nope.csv"],
    "csv-no-email-column.yaml": [
        "csv-no-email-column.csv:1:1: the header needs an 'email' column (columns: email, phone, groups, "
        "enabled, then any Cognito attribute)"
    ],
    "csv-bad-rows.yaml": [
        "csv-bad-rows.csv:3:1: email: 'not-an-email' is not an e-mail address",
        "csv-bad-rows.csv:4:19: phone: '555-1234' is not an E.164 phone number such as +14155550100",
        "csv-bad-rows.csv:5:25: enabled: 'perhaps' is not true/false/yes/no/1/0",
        "csv-bad-rows.csv:6:1: row has 5 fields but the header has 4",
    ],
    "csv-unknown-group.yaml": [
        "csv-unknown-group.csv:3:15: members.workers[1].groups[1]: unknown group 'g9'; define it in `groups`"
    ],
    "csv-duplicate-of-inline.yaml": [
        "csv-duplicate-of-inline.csv:3:1: members.workers[2].email: duplicate worker 'dana@EXAMPLE.com' "
        "(e-mails are compared case-insensitively); first listed at {F}csv-duplicate-of-inline.yaml:6"
    ],
    "csv-unclosed-quote.yaml": ["csv-unclosed-quote.csv:2:1: malformed CSV: unexpected end of data"],
    "csv-empty.yaml": ["csv-empty.csv:1:1: the CSV file is empty (it needs a header with an 'email' column)"],
    # variables
    "var-undefined.yaml": [
        "var-undefined.yaml:5:15: undefined variable 'stage' (set it in vars:, with --var stage=..., or "
        "GTOPS_VAR_stage)"
    ],
    "var-syntax-error.yaml": ["var-syntax-error.yaml:3:14: '{{' without a closing '}}' on the same line"],
    "var-bad-name.yaml": [
        "var-bad-name.yaml:3:3: vars.my-env: variable name 'my-env' must be letters, digits and _"
    ],
    # several files: conflicts name both places
    "merge-conflict": [
        "merge-conflict/b.yaml:2:1: pool: already set in {F}merge-conflict/a.yaml:2; a mapping or value "
        "may be "
        "given in one file only (lists such as teams and jobs may be split across files)"
    ],
    "merge-duplicate-across-files": [
        "merge-duplicate-across-files/b.yaml:3:5: groups[2].name: duplicate group name 'g1'; first defined "
        "at "
        "{F}merge-duplicate-across-files/a.yaml:4"
    ],
    "merge-vars-conflict": [
        "merge-vars-conflict/b.yaml:2:3: vars.env: already set to a different value in "
        "{F}merge-vars-conflict/a.yaml:3"
    ],
    "empty-folder": ["empty-folder: no spec files (*.yaml, *.yml) in this folder"],
}


def problems_for(name: str) -> list[str]:
    with pytest.raises(SpecError) as caught:
        load_spec([FIXTURES / name], environ={})
    prefix = f"{FIXTURES}/"
    return [str(p).removeprefix(prefix) for p in caught.value.problems]


@pytest.mark.parametrize("name", sorted(CASES))
def test_fixture_reports_exactly_its_problems(name: str) -> None:
    expected = [
        e.replace("{F}", f"{FIXTURES}/").replace("{A}", f"{FIXTURES.resolve()}/") for e in CASES[name]
    ]
    assert pinned_all(expected, problems_for(name)) == expected


def test_every_fixture_spec_is_covered() -> None:
    on_disk = {p.name for p in FIXTURES.iterdir() if p.suffix == ".yaml" or p.is_dir()}
    assert on_disk == set(CASES)
    assert len(CASES) >= 45


def test_missing_path_is_a_problem_not_a_crash(tmp_path: Path) -> None:
    with pytest.raises(SpecError) as caught:
        load_spec([tmp_path / "nope.yaml"], environ={})
    assert [str(p) for p in caught.value.problems] == [f"{tmp_path}/nope.yaml: no such file or folder"]


def test_all_problems_of_several_files_are_reported_together() -> None:
    with pytest.raises(SpecError) as caught:
        load_spec([FIXTURES / "range-workers-per-object.yaml", FIXTURES / "yaml-tab-indent.yaml"], environ={})
    files = {Path(p.file).name for p in caught.value.problems}
    assert files == {"range-workers-per-object.yaml", "yaml-tab-indent.yaml"}
