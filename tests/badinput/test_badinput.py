# ruff: noqa: E501  (a table of exact messages reads best one message per line)
"""The bad-input corpus: every case exits 1 with its exact message (file:line where there is one) and never
a traceback. Each fixture in cases/ is named for what it provokes; flag values are in the FLAGS table.
Spec-language mistakes live in tests/spec/fixtures; this corpus covers the other surfaces: CSV rosters, UI
templates, input manifests, saved plan files, flag values, credentials, and valid-but-dangerous specs.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tests.badinput.conftest import CASES, REPO, gtops
from tests.wording import contains

C = "tests/badinput/cases"
STACK = "tests/e2e/stack"


def refused(run, *expected: str) -> None:
    text = run.out + run.err
    assert run.code == 1, text
    assert "Traceback" not in text and "Error: unexpected " not in text, text
    for part in expected:
        assert contains(text, part), f"{part!r} not in:\n{text}"


# --- files `gtops validate` reads: rosters, templates, spec text -----------------------------------------

VALIDATE = {
    # CSV rosters
    "csv-latin1-encoding": f"{C}/csv-latin1-encoding.csv:1:1: not UTF-8 text (invalid continuation byte",
    "csv-utf16-encoding": f"{C}/csv-utf16-encoding.csv:1:1: not UTF-8 text (invalid start byte at byte 0)",
    "csv-binary-file": f"{C}/csv-binary-file.csv:1:1: not UTF-8 text",
    "csv-duplicate-rows": f"{C}/csv-duplicate-rows.csv:4:1: members.workers[2].email: duplicate worker "
    f"'ana@example.com' (e-mails are compared case-insensitively); first listed at {C}/csv-duplicate-rows.csv:2",
    "csv-duplicate-email-case": f"{C}/csv-duplicate-email-case.csv:3:1: members.workers[1].email: duplicate "
    "worker 'Ana@Example.com'",
    "csv-phone-no-plus": f"{C}/csv-phone-no-plus.csv:2:17: phone: '5551234567' is not an E.164 phone number",
    "csv-phone-letters": f"{C}/csv-phone-letters.csv:2:17: phone: '+1555CALLNOW' is not an E.164 phone number",
    "csv-phone-too-long": f"{C}/csv-phone-too-long.csv:2:17: phone: '+1234567890123456789' is not an E.164",
    "csv-bad-email": f"{C}/csv-bad-email.csv:2:1: email: 'not-an-email' is not an e-mail address",
    "csv-empty-email-cell": f"{C}/csv-empty-email-cell.csv:3:1: email: missing e-mail address",
    "csv-enabled-maybe": f"{C}/csv-enabled-maybe.csv:2:20: enabled: 'maybe' is not true/false/yes/no/1/0",
    "csv-row-longer-than-header": f"{C}/csv-row-longer-than-header.csv:2:1: row has 4 fields but the header has 2",
    "csv-duplicate-column": f"{C}/csv-duplicate-column.csv:1:14: email: column 'email' appears twice in the header",
    "csv-reserved-attribute-column": f"{C}/csv-reserved-attribute-column.csv:2:20: sub: 'sub' cannot be set as a "
    "Cognito attribute",
    # Worker UI templates (Liquid), checked by validate; {lib} is python-liquid's own words (tests/wording.py)
    "template-unclosed-if": "template-unclosed-if.liquid.html:6:1: jobs[0].template: {lib}",
    "template-unclosed-for": "template-unclosed-for.liquid.html:6:1: jobs[0].template: {lib}",
    "template-unknown-tag": "template-unknown-tag.liquid.html:3:1: jobs[0].template: {lib}",
    "template-unclosed-output": "template-unclosed-output.liquid.html:3:1: jobs[0].template: {lib}",
    "template-endif-without-if": "template-endif-without-if.liquid.html:4:1: jobs[0].template: {lib}",
    "template-no-crowd-form": "template-no-crowd-form.liquid.html:1:1: jobs[0].template: no <crowd-form> "
    "element: workers would have no way to submit an answer",
    "template-empty-file": "template-empty-file.liquid.html:1:1: jobs[0].template: no <crowd-form> element",
    "template-not-utf8": "template-not-utf8.liquid.html: jobs[0].template: the template is not UTF-8 text",
    # Spec text beyond the spec-language fixtures
    "spec-empty-file": f"{C}/spec-empty-file.yaml:1:1: give the setup a `name` (or a `pool`, whose name is the "
    "default)",
    "spec-only-comments": f"{C}/spec-only-comments.yaml:1:1: give the setup a `name`",
    "spec-not-utf8": f"{C}/spec-not-utf8.yaml:1:1: not UTF-8 text (invalid continuation byte at byte 44)",
    "spec-python-tag": f"{C}/spec-python-tag.yaml:1:1: name: must be text, not a list",
    "spec-invitation-subject-too-long": f"{C}/spec-invitation-subject-too-long.yaml:5:16: "
    "pool.invitation.subject: must be at most 140 characters long (it has 141)",
    "spec-invitation-sms-too-long": f"{C}/spec-invitation-sms-too-long.yaml:5:29: pool.invitation.sms: must be "
    "at most 140 characters long (it has 168)",
    "spec-callback-not-url": f"{C}/spec-callback-not-url.yaml:7:36: client.callback_urls[0]: 'not a url' is not "
    "valid: must be an https URL (Cognito allows http only for localhost)",
    "spec-group-precedence-negative": f"{C}/spec-group-precedence-negative.yaml:6:21: groups[0].precedence: must "
    "be at least 0, not -1",
    "spec-team-no-groups": f"{C}/spec-team-no-groups.yaml:8:20: teams[0].groups: must not be empty",
    "spec-safety-share-above-one": f"{C}/spec-safety-share-above-one.yaml:9:10: safety.max_worker_change: must be "
    "at most 1, not 1.5",
    "spec-lock-bad-bucket-name": f"{C}/spec-lock-bad-bucket-name.yaml:9:8: lock.bucket: 'Not_A_Bucket!' is not "
    "valid: must be an S3 bucket name",
    "spec-region-unknown": f"{C}/spec-region-unknown.yaml:2:1: region: 'mars-north-9' is not valid: a region "
    "looks like us-east-1",
    "spec-topic-arn-malformed": f"{C}/spec-topic-arn-malformed.yaml:9:17: notifications.topic_arn: "
    "'arn:aws:sns:us-east-1:notanaccount' is not valid: must be an SNS topic ARN",
    "spec-var-from-cli-undefined": f"{C}/spec-var-from-cli-undefined.yaml:1:12: undefined variable 'stage' (set "
    "it in vars:, with --var stage=..., or GTOPS_VAR_stage)",
    "spec-mfa-unknown": f"{C}/spec-mfa-unknown.yaml:5:3: pool.mfa: must be one of off, optional, on",
    "spec-prune-not-bool": f"{C}/spec-prune-not-bool.yaml:9:9: prune.members: must be true or false, not text "
    "'sometimes'",
    "spec-worker-two-same-group": f"{C}/spec-worker-two-same-group.yaml:11:45: members.workers[0].groups[1]: text "
    "'g1' is listed twice",
}


@pytest.mark.parametrize("case", sorted(VALIDATE))
def test_validate_refuses(case, monkeypatch):
    monkeypatch.chdir(REPO)
    run = gtops("validate", f"{C}/{case}.yaml")
    refused(run, VALIDATE[case], "1 problem(s) found.")


def test_a_csv_with_a_byte_order_mark_is_accepted(monkeypatch):
    """Excel's "CSV UTF-8" starts with a BOM: it is not bad input."""
    monkeypatch.chdir(REPO)
    run = gtops("validate", f"{C}/csv-bom-accepted.yaml")
    assert run.code == 0, run.err
    assert "1 worker" in run.out


# --- input manifests: read when planning a job ----------------------------------------------------------

MANIFESTS = {
    "manifest-bad-json-line": f"{C}/manifest-bad-json-line.yaml:10: jobs[0] (j1): "
    f"{REPO}/{C}/manifest-bad-json-line.manifest: manifest line 2 is not JSON: Expecting ',' delimiter",
    "manifest-missing-source-ref": f"{C}/manifest-missing-source-ref.yaml:10: jobs[0] (j1): "
    f"{REPO}/{C}/manifest-missing-source-ref.manifest: line 2 has neither source-ref nor source",
    "manifest-line-not-object": f"{C}/manifest-line-not-object.yaml:10: jobs[0] (j1): "
    f"{REPO}/{C}/manifest-line-not-object.manifest: manifest line 2 is not a JSON object",
    "manifest-empty": f"{C}/manifest-empty.yaml:10: jobs[0] (j1): the input manifest "
    f"{REPO}/{C}/manifest-empty.manifest has no objects",
}


@pytest.mark.parametrize("case", sorted(MANIFESTS))
def test_plan_refuses_bad_manifest(case, moto_cli):
    refused(gtops("plan", f"{C}/{case}.yaml"), MANIFESTS[case])


# --- saved plan files -------------------------------------------------------------------------------------

PLAN_FILES = {
    "planfile-truncated": "planfile-truncated.json is not a gtops plan file (not valid JSON)",
    "planfile-not-json": "planfile-not-json.json is not a gtops plan file (not valid JSON)",
    "planfile-empty": "planfile-empty.json is not a gtops plan file (not valid JSON)",
    "planfile-json-array": "planfile-json-array.json is not a gtops plan file (write one with `gtops plan --out",
    "planfile-terraform-plan": "planfile-terraform-plan.json is not a gtops plan file",
    "planfile-wrong-format-version": "planfile-wrong-format-version.json is a plan file of format '99'; this "
    "gtops reads format '1': make the plan again with this version",
    "planfile-spec-paths-gone": f"{C}/no-such-folder: no such file or folder",
}


@pytest.mark.parametrize("case", sorted(PLAN_FILES))
def test_apply_refuses_bad_plan_file(case, moto_cli):
    refused(gtops("apply", f"{C}/{case}.json", "--auto-approve"), PLAN_FILES[case])


def test_apply_refuses_a_plan_made_for_another_region(moto_cli):
    run = gtops("apply", f"{C}/planfile-for-another-region.json", "--region", "us-east-1", "--auto-approve")
    refused(run, "Error: the plan was made for region eu-west-1, not us-east-1")


OVERLAYS = {
    "planfile-tampered-checksum": "no longer matches what apply would do",
    "planfile-other-account": "the plan was made in account 210987654321, not 123456789012",
}


@pytest.mark.parametrize("case", sorted(OVERLAYS))
def test_apply_refuses_a_tampered_plan_file(case, moto_cli, tmp_path):
    """A real saved plan, with the fields of cases/<case>.overlay.json written over it."""
    saved = tmp_path / "plan.json"
    made = gtops("plan", STACK, "--out", str(saved))
    assert made.code == 0, made.err
    doc = json.loads(saved.read_text())
    doc.update(json.loads((CASES / f"{case}.overlay.json").read_text()))
    saved.write_text(json.dumps(doc))
    refused(gtops("apply", str(saved), "--auto-approve"), OVERLAYS[case])


def test_apply_refuses_a_plan_file_applied_twice(moto_cli, tmp_path):
    saved = tmp_path / "plan.json"
    assert gtops("plan", STACK, "--out", str(saved)).code == 0
    assert gtops("apply", str(saved), "--auto-approve").code == 0
    refused(
        gtops("apply", str(saved), "--auto-approve"), "has already been applied; a saved plan applies once"
    )


# --- flag values ------------------------------------------------------------------------------------------

FLAGS = [
    (
        ("plan", STACK, "--format", "xml"),
        "Error: --format must be one of text, json, markdown, terraform-json, not 'xml'",
    ),
    (
        ("drift", STACK, "--format", "yaml"),
        "Error: --format must be one of text, json, markdown, terraform-json, not 'yaml'",
    ),
    (
        ("validate", STACK, "--format", "markdown"),
        "Error: --format must be one of text, json, not 'markdown'",
    ),
    (("members", "list", STACK, "--format", "xml"), "Error: --format must be one of text, json, not 'xml'"),
    (("status", STACK, "--format", "xml"), "Error: --format must be one of text, json, not 'xml'"),
    (
        ("results", "nojob", STACK, "--format", "frob"),
        "--format must be one of text, csv, json, coco, not 'frob'",
    ),
    (("plan", STACK, "--var", "novalue"), "Error: --var wants name=value, got 'novalue'"),
    (("plan", STACK, "--var", "=v"), "Error: --var wants name=value, got '=v'"),
    (("apply", STACK, "--target", "bogus"), "--target 'bogus': not a resource address (want kind.name)"),
    (
        ("apply", STACK, "--target", "sagemaker_workteam."),
        "--target 'sagemaker_workteam.': not a resource address",
    ),
    (("plan", STACK, "--target", "frob.x"), "--target 'frob.x': unknown kind 'frob' (kinds: sns_topic,"),
    (
        ("plan", STACK, "--target", "sagemaker_workteam.nosuch"),
        "--target names nothing in the spec or in AWS: sagemaker_workteam.nosuch",
    ),
    (
        ("apply", STACK, "--lock-timeout", "forever"),
        "--lock-timeout wants a duration such as 0s, 30s or 5m, not ",
    ),
    (
        ("apply", STACK, "--lock-timeout", "-5s"),
        "--lock-timeout wants a duration such as 0s, 30s or 5m, not '-5s'",
    ),
    (
        ("apply", STACK, "--verify", "some"),
        "Error: --verify 'some': use --verify=changed (the default) or --verify=full",
    ),
    (("frobnicate",), "Error: No such command 'frobnicate'."),
    (("plan", "--frobnicate"), "Error: No such option: --frobnicate"),
    (("plan", STACK, "--format"), "Error: Option '--format' requires an argument."),
    (("sandbox", "start", "--port", "abc"), "Error: Invalid value for '--port'"),
    (
        ("iam-policy", STACK, "--read-only", "--destroy"),
        "Error: --read-only and --destroy cannot be combined",
    ),
    (
        ("iam-policy", STACK, "--account", "12"),
        "Error: --account must be a 12-digit AWS account id, not '12'",
    ),
    (("validate", "no/such/dir"), "no/such/dir: no such file or folder"),
    (("plan", STACK, "--profile", "nosuchprofile"), "The config profile (nosuchprofile) could not be found"),
]


@pytest.mark.parametrize(("args", "expected"), FLAGS, ids=[" ".join(a) for a, _ in FLAGS])
def test_bad_flag_values_exit_1(args, expected, moto_cli):
    refused(gtops(*args), expected)


@pytest.mark.e2e
def test_missing_credentials_is_one_sentence(tmp_path):
    """No credentials anywhere and no --sandbox (a real process: moto would supply fake ones)."""
    env = {
        "PATH": os.environ["PATH"],
        "HOME": str(tmp_path),
        "AWS_CONFIG_FILE": str(tmp_path / "none"),
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "none"),
        "AWS_EC2_METADATA_DISABLED": "true",
        "XDG_CACHE_HOME": str(tmp_path / "cache"),
    }
    proc = subprocess.run(
        [sys.executable, "-m", "gtops", "plan", STACK],
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
    assert proc.stderr.strip().splitlines()[-1] == (
        "Error: No AWS credentials found. Configure a profile (--profile), set AWS_ACCESS_KEY_ID/"
        "AWS_SECRET_ACCESS_KEY, or use --sandbox to try gtops locally."
    )


# --- valid but dangerous: refused without --force, naming the risk ---------------------------------------

DANGEROUS = {
    "dangerous-replace-pool": [
        "cognito_user_pool.LabelUserPool: replacing cognito_user_pool.LabelUserPool loses data that cannot be "
        "restored"
    ],
    "dangerous-change-case-sensitivity": ["cognito_user_pool.LabelUserPool: replacing cognito_user_pool"],
    "dangerous-drop-deletion-protection": [
        "cognito_user_pool.LabelUserPool: turning off the pool's deletion protection"
    ],
    "dangerous-remove-most-workers": [
        # one line for all ten workers the guard stopped, not ten lines
        "cognito_user.w02@example.com and 9 more: would remove or disable 83% of 12 existing workers (over the "
        "30% limit set by safety.max_worker_change)"
    ],
    "dangerous-disable-most-workers": ["would remove or disable 83% of 12 existing workers"],
    "dangerous-replace-workforce": [
        "sagemaker_workforce.other: replacing sagemaker_workforce.other loses data that cannot be restored"
    ],
}


@pytest.mark.parametrize("case", sorted(DANGEROUS))
def test_dangerous_change_needs_force(case, moto_cli):
    base = gtops("apply", f"{C}/dangerous-base.yaml", "--auto-approve")
    assert base.code == 0, base.out + base.err
    run = gtops("apply", f"{C}/{case}.yaml", "--auto-approve")
    refused(
        run, "Error: the plan includes changes that need --force:", *DANGEROUS[case], "re-run with --force."
    )
    # Nothing was changed: the base spec still plans clean.
    assert gtops("plan", f"{C}/dangerous-base.yaml", "--detailed-exitcode").code == 0
