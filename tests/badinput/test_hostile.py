"""Hostile input: specs, rosters, templates, folders and plan files written by someone who wants the
pipeline's credentials. Each case exits 1 with its file:line (or the flag), runs no code (a canary file never
appears), opens no file outside the setup folder (an audit hook watches every open), prints no secret from
the environment, and ends within a bound (a hang detector, not a speed goal: 5 s for work that takes ms).
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

import pytest

from tests.badinput.conftest import gtops

HERE = Path(__file__).parent
PAYLOADS = [
    line
    for line in (HERE / "hostile" / "template-payloads.txt").read_text().splitlines()
    if line.strip() and not line.startswith("#")
]
SECRET_KEY = "wJalrXUtnFEMI-hostile-test-key"
MARKER = "TOP-SECRET-MARKER-4711"
BOUND_SECONDS = 5.0

_opened: list[str] | None = None


def _audit(event: str, args: tuple) -> None:
    if _opened is not None and event == "open" and args and isinstance(args[0], (str, bytes, os.PathLike)):
        _opened.append(os.fsdecode(args[0]))


sys.addaudithook(_audit)


@pytest.fixture
def world(tmp_path, monkeypatch):
    """A setup folder, a secret outside it, a canary path, and credentials in the environment."""
    setup = tmp_path / "setup"
    setup.mkdir()
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text(MARKER + "\n")
    (outside / "workers.csv").write_text(f"email\n{MARKER.lower()}@example.com\n")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET_KEY)
    monkeypatch.setenv("HOME", str(outside))
    # gtops's own cache (remembered check passes, parsed AWS models) is where the environment says, never
    # where a spec says: kept apart from `outside`, whose every file a spec must not be able to reach.
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "gtops-cache"))
    monkeypatch.chdir(tmp_path)
    return {"setup": setup, "outside": outside, "canary": tmp_path / "canary"}


def run_watched(world, *args: str):
    """Run gtops in process, recording every file it opens; check what every hostile case must hold."""
    global _opened
    _opened = []
    start = time.monotonic()
    try:
        run = gtops(*args)
    finally:
        opened, _opened = _opened, None
    elapsed = time.monotonic() - start
    text = run.out + run.err
    assert run.code == 1, text
    assert "Traceback" not in text and "Error: unexpected " not in text, text
    assert not world["canary"].exists(), "a payload ran code"
    assert MARKER not in text and SECRET_KEY not in text, text
    outside = str(world["outside"].resolve())
    read = [p for p in opened if str(Path(p).resolve()).startswith(outside)]
    assert not read, f"opened outside the setup: {read}"
    assert elapsed < BOUND_SECONDS, f"took {elapsed:.1f}s"
    return text


@pytest.mark.parametrize("payload", PAYLOADS)
def test_a_template_payload_is_refused_at_its_line_and_runs_nothing(payload, world):
    body = payload.replace("CANARY", str(world["canary"])).replace("OUTSIDE", str(world["outside"]))
    spec = world["setup"] / "spec.yaml"
    spec.write_text(f"name: hostile\nregion: us-east-1\nvars: {{name: labelers}}\npool:\n  name: p{body}\n")
    text = run_watched(world, "validate", str(world["setup"]))
    assert f"{spec}:5:" in text, text


def test_the_corpus_is_large_enough():
    assert len(PAYLOADS) >= 40


def test_an_environment_variable_in_a_tag_says_why_and_never_prints_it(world):
    (world["setup"] / "spec.yaml").write_text(
        "name: env\nregion: us-east-1\npool: {name: p}\ntags: {k: '{{ AWS_SECRET_ACCESS_KEY }}'}\n"
    )
    text = run_watched(world, "validate", str(world["setup"]))
    assert "environment variables are not spec variables" in text


# --- bounds ---------------------------------------------------------------------------------------------


def _spec(world, text: str, name: str = "spec.yaml") -> Path:
    path = world["setup"] / name
    path.write_bytes(text.encode() if isinstance(text, str) else text)
    return path


BOUNDS = {
    "nesting-100k-deep": (
        "name: deep\npool: {name: p}\ntags: " + "[" * 100_000 + "]" * 100_000 + "\n",
        ":3:",
    ),
    "nul-byte": ('name: nul\npool: {name: "p\x00"}\n', ":2:16: control character U+0000"),
    "rendered-too-big": (
        "name: big\nvars: {a: "
        + "x" * 60
        + "}\npool: {name: p}\ntags: {k: \"{{ a | replace('x', '"
        + "y" * 400
        + "') | replace('y', '"
        + "z" * 400
        + "') }}\"}\n",
        "longer than",
    ),
    "too-many-expressions": (
        "name: many\nvars: {a: x}\npool: {name: p}\ntags:\n"
        + "".join(f"  k{i}: {'{{ a }}' * 8}\n" for i in range(3000)),
        "more than 20,000",
    ),
}


@pytest.mark.parametrize("case", sorted(BOUNDS))
def test_each_input_has_a_bound(case, world):
    text, expected = BOUNDS[case]
    spec = _spec(world, text)
    out = run_watched(world, "validate", str(world["setup"]))
    assert str(spec) in out and expected in out, out


def test_a_spec_file_larger_than_the_bound_is_refused_before_reading(world):
    spec = _spec(world, "name: big\npool: {name: p}\n" + "# " + "x" * (4 * 1024 * 1024) + "\n")
    out = run_watched(world, "validate", str(world["setup"]))
    assert f"{spec}: spec file:" not in out and "larger than 4 MiB" in out, out


def test_a_roster_longer_than_the_bound_is_refused(world, monkeypatch):
    import gtops.spec.members_csv as members_csv

    monkeypatch.setattr(members_csv, "MAX_ROSTER_ROWS", 50)
    rows = "".join(f"w{i}@example.com\n" for i in range(60))
    (world["setup"] / "workers.csv").write_text("email\n" + rows)
    _spec(world, "name: r\npool: {name: p}\nmembers: {csv: workers.csv}\n")
    out = run_watched(world, "validate", str(world["setup"]))
    assert "workers.csv:52:1: more than 50 rows" in out, out


def test_a_csv_symlink_loop_is_one_line(world):
    (world["setup"] / "a.csv").symlink_to(world["setup"] / "b.csv")
    (world["setup"] / "b.csv").symlink_to(world["setup"] / "a.csv")
    spec = _spec(world, "name: r\npool: {name: p}\nmembers: {csv: a.csv}\n")
    out = run_watched(world, "validate", str(world["setup"]))
    assert f"{spec}:3:" in out and "members.csv" in out, out


def test_liquid_loops_in_a_template_are_bounded(world):
    (world["setup"] / "ui.html").write_text(
        "<crowd-form>{% for i in (1..100000000) %}{% for j in (1..100000000) %}x{% endfor %}{% endfor %}"
        "</crowd-form>\n"
    )
    _spec(
        world,
        "name: t\nregion: us-east-1\npool: {name: p}\ngroups: [{name: g}]\nclient: {name: c}\n"
        "teams: [{name: t, groups: [g]}]\njobs:\n  - name: j\n    task_type: custom\n    team: t\n"
        "    template: ui.html\n    lambdas: {pre: arn:aws:lambda:us-east-1:123456789012:function:p,"
        " consolidation: arn:aws:lambda:us-east-1:123456789012:function:c}\n"
        "    input: {manifest: s3://b-ucket/m.manifest}\n    output: s3://b-ucket/out/\n"
        "    role: arn:aws:iam::123456789012:role/r\n",
    )
    out = run_watched(world, "validate", str(world["setup"]))
    assert "ui.html:1:" in out and "loop iteration limit" in out, out


def test_an_s3_manifest_without_a_key_is_refused_at_validate(world):
    spec = _spec(
        world,
        "name: m\nregion: us-east-1\njobs:\n  - name: j\n    task_type: image_classification\n"
        "    workforce: public\n    content_classifiers: [FreeOfPersonallyIdentifiableInformation]\n"
        "    labels: [a, b]\n    input: {manifest: s3://bucket-only}\n    output: s3://b-ucket/out/\n"
        "    role: arn:aws:iam::123456789012:role/r\n",
    )
    out = run_watched(world, "validate", str(world["setup"]))
    assert f"{spec}:9:" in out and "names no object" in out, out


# --- files stay inside the setup --------------------------------------------------------------------------

ESCAPES = {
    "parent-folder": "../outside/workers.csv",
    "absolute-path": "OUTSIDE/workers.csv",
    "home-folder": "~/workers.csv",
    "link-to-outside": "linked.csv",
}


@pytest.mark.parametrize("case", sorted(ESCAPES))
def test_a_roster_outside_the_setup_is_refused(case, world):
    (world["setup"] / "linked.csv").symlink_to(world["outside"] / "workers.csv")
    value = ESCAPES[case].replace("OUTSIDE", str(world["outside"]))
    spec = _spec(world, f"name: r\npool: {{name: p}}\nmembers: {{csv: '{value}'}}\n")
    out = run_watched(world, "validate", str(world["setup"]))
    assert f"{spec}:3:" in out and "outside the setup folder" in out and "--allow-outside" in out, out


def test_allow_outside_lets_a_trusted_spec_read_a_shared_roster(world):
    _spec(world, "name: r\npool: {name: p}\nmembers: {csv: ../outside/workers.csv}\n")
    run = gtops("validate", "--allow-outside", str(world["setup"]))
    assert run.code == 0, run.err


def test_root_may_widen_the_folder_within_the_working_folder_only(world, tmp_path, monkeypatch):
    _spec(world, "name: r\nroot: ..\npool: {name: p}\nmembers: {csv: ../outside/workers.csv}\n")
    assert gtops("validate", str(world["setup"])).code == 0  # tmp_path is the working folder
    monkeypatch.chdir(world["setup"])
    out = run_watched(world, "validate", str(world["setup"]))
    assert "outside the working folder" in out, out


def _folder_job(world) -> None:
    images = world["setup"] / "images"
    images.mkdir()
    (images / "ok.jpg").write_bytes(b"\xff\xd8image")
    (images / "cat.jpg").symlink_to(world["outside"] / "secret.txt")
    _spec(
        world,
        "name: f\nregion: us-east-1\njobs:\n  - name: j\n    task_type: image_classification\n"
        "    workforce: public\n    content_classifiers: [FreeOfPersonallyIdentifiableInformation]\n"
        "    labels: [a, b]\n    input: {folder: images}\n    output: s3://gtops-demo-data/out/\n"
        "    role: arn:aws:iam::123456789012:role/r\n",
    )


def test_an_image_linked_to_a_file_outside_the_setup_is_never_uploaded(world, moto_cli):
    import boto3

    boto3.client("s3").create_bucket(Bucket="gtops-demo-data")
    _folder_job(world)
    out = run_watched(world, "plan", str(world["setup"]))
    assert "cat.jpg is a link to" in out and "never uploads it" in out, out
    keys = boto3.client("s3").list_objects_v2(Bucket="gtops-demo-data").get("Contents", [])
    assert keys == []


def test_an_input_folder_outside_the_setup_is_refused(world):
    spec = _spec(
        world,
        "name: f\nregion: us-east-1\njobs:\n  - name: j\n    task_type: image_classification\n"
        "    workforce: public\n    content_classifiers: [FreeOfPersonallyIdentifiableInformation]\n"
        "    labels: [a, b]\n    input: {folder: /}\n    output: s3://gtops-demo-data/out/\n"
        "    role: arn:aws:iam::123456789012:role/r\n",
    )
    out = run_watched(world, "validate", str(world["setup"]))
    assert f"{spec}:9:" in out and "outside the setup folder" in out, out


def test_a_folder_walk_has_a_bound_even_when_allowed_outside(world, moto_cli, monkeypatch):
    import gtops.files

    monkeypatch.setattr(gtops.files, "MAX_FOLDER_ENTRIES", 20)
    images = world["setup"] / "images"
    images.mkdir()
    for i in range(30):
        (images / f"{i}.jpg").write_bytes(b"x")
    _spec(
        world,
        "name: f\nregion: us-east-1\njobs:\n  - name: j\n    task_type: image_classification\n"
        "    workforce: public\n    content_classifiers: [FreeOfPersonallyIdentifiableInformation]\n"
        "    labels: [a, b]\n    input: {folder: images}\n    output: s3://gtops-demo-data/out/\n"
        "    role: arn:aws:iam::123456789012:role/r\n",
    )
    import boto3

    boto3.client("s3").create_bucket(Bucket="gtops-demo-data")
    out = run_watched(world, "plan", "--allow-outside", str(world["setup"]))
    assert "holds more than 20 files and folders" in out, out


# --- saved plan files --------------------------------------------------------------------------------------

PLAN_DOCS = {
    "vars-not-a-mapping": ({"spec": {"vars": 5}}, "spec.vars is not a dict"),
    "paths-not-text": ({"spec": {"paths": [5]}}, "spec.paths holds something that is not a str"),
    "deep-nesting": (None, "nested more than 64 deep"),
    "names-a-secret-file": ({"spec": {"paths": ["OUTSIDE/secret.txt"]}}, "which is not a spec file"),
    "names-an-unlisted-spec": ({"spec": {"paths": ["OUTSIDE/other.yaml"]}}, "other.yaml (new)"),
}


@pytest.mark.parametrize("case", sorted(PLAN_DOCS))
def test_a_malformed_plan_file_is_one_line(case, world):
    overlay, expected = PLAN_DOCS[case]
    (world["outside"] / "other.yaml").write_text(f"name: {MARKER}\n")
    path = world["setup"] / "plan.json"
    if overlay is None:
        path.write_text("[" * 200_000 + "]" * 200_000)
    else:
        doc = {
            "format": "gtops-plan-file",
            "format_version": "1",
            "plan_id": "0123456789abcdef",
            "checksum": "0",
            "region": "us-east-1",
            "account": "123456789012",
            "fingerprints": {},
            "plan": {"changes": []},
            "spec": {"files": {}, "paths": ["setup"], "data_digest": "0"},
        }
        for key, value in overlay.items():
            doc[key] = {**doc[key], **value} if isinstance(value, dict) else value
        text = json.dumps(doc).replace("OUTSIDE", str(world["outside"]))
        path.write_text(text)
    out = run_watched(world, "apply", str(path), "--auto-approve")
    assert expected in out, out


# --- AWS's own rules, at validate time ---------------------------------------------------------------------

AWS_RULES = {
    "homoglyph-email": (
        "email: аna@example.com",
        "U+0430 (CYRILLIC SMALL LETTER A), which is not plain ASCII",
    ),
    "fullwidth-email": ("email: ａna@example.com", "FULLWIDTH LATIN SMALL LETTER A"),
    "zero-width-email": ("email: an\u200ba@example.com", "invisible character U+200B"),
    "attribute-too-long": (
        "email: ana@example.com\n      attributes: {given_name: " + "x" * 2049 + "}",
        "must be at most 2048 characters long (it has 2049)",
    ),
    "undeclared-custom-attribute": (
        "email: ana@example.com\n      attributes: {'custom:site': oslo}",
        "'custom:site' is not a custom attribute of the pool",
    ),
    "nonstandard-attribute": (
        "email: ana@example.com\n      attributes: {site: oslo}",
        "neither a standard Cognito attribute",
    ),
}


@pytest.mark.parametrize("case", sorted(AWS_RULES))
def test_what_cognito_refuses_is_refused_at_validate(case, world):
    worker, expected = AWS_RULES[case]
    spec = _spec(world, f"name: w\npool: {{name: p}}\nmembers:\n  workers:\n    - {worker}\n")
    out = run_watched(world, "validate", str(world["setup"]))
    line = 5 + worker.count("\n")  # the line of the field at fault
    assert f"{spec}:{line}:" in out and expected in out, out


BUCKETS = {
    "two-adjacent-periods": ("s3://a..b/out/", "must not contain two adjacent periods"),
    "ip-address": ("s3://192.168.5.4/out/", "must not be formatted as an IP address"),
    "reserved-prefix": ("s3://xn--bucket/out/", "must not start with 'xn--'"),
    "reserved-suffix": ("s3://bucket-s3alias/out/", "must not end with '-s3alias'"),
}


@pytest.mark.parametrize("case", sorted(BUCKETS))
def test_bucket_names_s3_refuses_are_refused_with_the_rule(case, world):
    uri, expected = BUCKETS[case]
    spec = _spec(
        world,
        "name: b\nregion: us-east-1\njobs:\n  - name: j\n    task_type: image_classification\n"
        "    workforce: public\n    content_classifiers: [FreeOfPersonallyIdentifiableInformation]\n"
        f"    labels: [a, b]\n    input: {{manifest: s3://ok-bucket/m.manifest}}\n    output: {uri}\n"
        "    role: arn:aws:iam::123456789012:role/r\n",
    )
    out = run_watched(world, "validate", str(world["setup"]))
    assert f"{spec}:10:" in out and expected in out, out


def test_a_role_of_another_partition_is_refused(world):
    spec = _spec(
        world,
        "name: b\nregion: us-east-1\njobs:\n  - name: j\n    task_type: image_classification\n"
        "    workforce: public\n    content_classifiers: [FreeOfPersonallyIdentifiableInformation]\n"
        "    labels: [a, b]\n    input: {manifest: s3://ok-bucket/m.manifest}\n    output: s3://ok-bucket/o/\n"
        "    role: arn:aws-cn:iam::123456789012:role/r\n",
    )
    out = run_watched(world, "validate", str(world["setup"]))
    assert f"{spec}:11:" in out and "partition 'aws-cn'" in out, out


def test_a_role_of_another_account_is_refused_at_plan(world, moto_cli):
    import boto3

    boto3.client("s3").create_bucket(Bucket="ok-bucket")
    boto3.client("s3").put_object(
        Bucket="ok-bucket", Key="m.manifest", Body=b'{"source-ref": "s3://ok-bucket/a.jpg"}\n'
    )
    _spec(
        world,
        "name: b\nregion: us-east-1\njobs:\n  - name: j\n    task_type: image_classification\n"
        "    workforce: public\n    content_classifiers: [FreeOfPersonallyIdentifiableInformation]\n"
        "    labels: [a, b]\n    input: {manifest: s3://ok-bucket/m.manifest}\n    output: s3://ok-bucket/o/\n"
        "    role: arn:aws:iam::999999999999:role/r\n",
    )
    out = run_watched(world, "plan", str(world["setup"]))
    assert "belongs to account 999999999999, not 123456789012" in out, out


# --- no input ends in "unexpected" -----------------------------------------------------------------------

CORPUS = sorted(
    [*(HERE / "cases").glob("*.yaml"), *(HERE.parent / "spec" / "fixtures").glob("*.yaml")],
    key=lambda p: p.name,
)


@pytest.mark.parametrize("path", CORPUS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_no_case_of_the_corpus_ends_in_an_unexpected_error(path, moto_cli):
    """Every bad spec of both corpora, validated and planned: gtops explains it, never crashes on it."""
    for args in (("validate", str(path)), ("plan", str(path))):
        run = gtops(*args)
        text = run.out + run.err
        assert "Error: unexpected " not in text and "Traceback" not in text, (args, text)


@pytest.mark.parametrize("path", sorted((HERE / "cases").glob("*.json")), ids=lambda p: p.name)
def test_no_plan_file_of_the_corpus_ends_in_an_unexpected_error(path, moto_cli):
    run = gtops("apply", str(path), "--auto-approve")
    text = run.out + run.err
    assert run.code == 1 and "Error: unexpected " not in text and "Traceback" not in text, text


@pytest.fixture
def garbage_endpoint():
    """An HTTP server that answers every request with text that is not an AWS response."""
    import http.server
    import threading

    class Garbage(http.server.BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 - the stdlib's name
            self.rfile.read(int(self.headers.get("content-length") or 0))
            body = b"<html>hello <not xml"
            self.send_response(200)
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_GET = do_PUT = do_HEAD = do_DELETE = do_POST

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Garbage)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


GARBAGE_COMMANDS = [
    ("plan", "SPEC"),
    ("apply", "SPEC", "--auto-approve"),
    ("drift", "SPEC"),
    ("destroy", "SPEC", "--auto-approve"),
    ("status", "SPEC"),
    ("members", "list", "SPEC"),
    ("results", "image-labeling-job20", "SPEC"),
    ("unlock", "SPEC", "--force"),
    ("members", "resend", "SPEC"),
    ("export", "--pool", "LabelUserPool", "--region", "us-east-1"),
]


@pytest.mark.parametrize("command", GARBAGE_COMMANDS, ids=lambda c: "-".join(a for a in c if a != "SPEC"))
def test_an_endpoint_that_answers_garbage_is_one_clear_error(command, garbage_endpoint, monkeypatch):
    from tests.badinput.conftest import REPO

    monkeypatch.chdir(REPO)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    spec = str(REPO / "specs" / "trains-and-cars")
    run = gtops(*(spec if a == "SPEC" else a for a in command), "--endpoint-url", garbage_endpoint)
    text = run.out + run.err
    assert run.code == 1, text
    assert "Error: unexpected " not in text and "Traceback" not in text, text
    assert "not an AWS response" in text, text
    assert "<not xml" not in text  # the body is not echoed
