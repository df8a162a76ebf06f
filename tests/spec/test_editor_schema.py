"""The published schema is for spec files as written: check-jsonschema (as an editor's YAML language server
would) accepts the examples, spec variables and all, and still refuses a wrong value; gtops itself keeps
validating the rendered spec with the strict form, so its messages are unchanged."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from gtops.spec.schema import TEMPLATE_REF, build_schema, editor_schema
from tests.check_schema import check_jsonschema

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = ROOT / "schemas" / "gtops.schema.json"
SPEC_FILES = sorted((ROOT / "specs").glob("*/*.yaml"))
MODELINE = "# yaml-language-server: $schema=../../schemas/gtops.schema.json"


def test_check_jsonschema_accepts_every_example_spec_file():
    assert len(SPEC_FILES) >= 9
    proc = check_jsonschema("--schemafile", SCHEMA, *SPEC_FILES)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_check_jsonschema_still_refuses_wrong_values_around_variables(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "domain: Label_Workteam\n"  # no template: the pattern applies
        "jobs:\n  - name: j\n    task_type: boundingbox\n    output: s3://{{ bucket }}/out/\n"
        "    workers_per_object: '{{ n }}'\n"  # gtops would refuse the quoted text for a number, too
    )
    proc = check_jsonschema("--schemafile", SCHEMA, bad)
    assert proc.returncode == 1
    report = proc.stdout
    assert "$.domain" in report and "$.jobs[0].task_type" in report
    assert "$.jobs[0].workers_per_object" in report
    assert "$.jobs[0].output" not in report


def test_every_example_names_the_schema_for_editors():
    for path in SPEC_FILES:
        assert path.read_text().splitlines()[0] == MODELINE, path
        assert (path.parent / MODELINE.split("=", 1)[1]).resolve() == SCHEMA


def test_templates_are_accepted_only_where_a_text_restriction_was():
    editor = Draft202012Validator(editor_schema())
    strict = Draft202012Validator(build_schema())
    templated = {
        "region": "{{ region }}",
        "domain": "label-workteam-{{ env }}",
        "tags": {"environment": "{{ env }}"},
        "jobs": [
            {"name": "j-{{ env }}", "role": "arn:aws:iam::{{ account_id }}:role/x", "task_type": "{{ t }}"}
        ],
        "pool": {"mfa": "{{ mfa }}"},
    }

    def rejected(validator: Draft202012Validator, spec: dict) -> set[tuple]:
        """Paths of the values refused (not the missing keys around them)."""
        return {
            tuple(e.absolute_path) for e in validator.iter_errors(spec) if not isinstance(e.instance, dict)
        }

    assert rejected(editor, templated) == set()
    assert rejected(strict, templated) == {
        ("region",),
        ("domain",),
        ("tags", "environment"),
        ("jobs", 0, "name"),
        ("jobs", 0, "role"),
        ("jobs", 0, "task_type"),
        ("pool", "mfa"),
    }
    # Numbers and booleans stay numbers and booleans: a variable for them is written unquoted, which is
    # not YAML until gtops renders it, and a quoted one renders to text, which gtops refuses.
    for wrong in ({"jobs": [{"workers_per_object": "{{ n }}"}]}, {"prune": {"members": "{{ p }}"}}):
        assert rejected(editor, wrong), wrong
    # Variable names are literal.
    assert list(editor.iter_errors({"vars": {"{{ x }}": 1}}))


def _strict(node: Any) -> Any:
    """editor_schema() with the template branches taken out again."""
    if isinstance(node, list):
        return [_strict(sub) for sub in node]
    if not isinstance(node, dict):
        return node
    branches = node.get("anyOf")
    if isinstance(branches, list) and len(branches) == 2 and branches[1] == TEMPLATE_REF:
        described = {"description": node["description"]} if "description" in node else {}
        return {**_strict(branches[0]), **described}
    return {key: _strict(value) for key, value in node.items()}


def test_the_editor_schema_is_the_strict_one_plus_templates_only():
    editor = copy.deepcopy(editor_schema())
    assert editor.pop("$defs") == {"template": editor_schema()["$defs"]["template"]}
    assert _strict(editor) == build_schema()


@pytest.mark.parametrize("value", ["{{ env }}", "prefix-{{ env }}-suffix", "{{ name | default('x') }}"])
def test_the_template_pattern_matches_gtops_variables(value):
    template = editor_schema()["$defs"]["template"]
    assert list(Draft202012Validator(template).iter_errors(value)) == []
    assert list(Draft202012Validator(template).iter_errors("no variable {here}"))
