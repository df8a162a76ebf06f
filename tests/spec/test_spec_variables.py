"""Spec variables: vars block < environment < --var; strict; referenced files never rendered."""

from __future__ import annotations

from pathlib import Path

import pytest

from gtops.errors import SpecError
from gtops.spec import load_spec

ROOT = Path(__file__).resolve().parents[2]

SPEC = """\
name: v-{{ env }}
vars:
  env: dev
  size: 3
pool:
  name: pool-{{ env }}
  invitation:
    subject: Hi
    message: "Your username is {username} and temporary password is {####}. Go to {portal_url}"
workforce: {}
"""


def load(tmp_path: Path, text: str = SPEC, **kwargs) -> dict:
    (tmp_path / "spec.yaml").write_text(text)
    return load_spec([tmp_path / "spec.yaml"], **kwargs).data


def test_vars_block_feeds_the_same_file(tmp_path: Path) -> None:
    data = load(tmp_path, environ={})
    assert data["name"] == "v-dev" and data["pool"]["name"] == "pool-dev"
    assert "vars" not in data


def test_cognito_placeholders_survive(tmp_path: Path) -> None:
    message = load(tmp_path, environ={})["pool"]["invitation"]["message"]
    assert message == "Your username is {username} and temporary password is {####}. Go to {portal_url}"


def test_environment_overrides_vars_and_cli_overrides_environment(tmp_path: Path) -> None:
    # A plain environment variable is not a spec variable: a pipeline's environment holds its credentials.
    assert load(tmp_path, environ={"env": "plain"})["name"] == "v-dev"
    assert load(tmp_path, environ={"env": "plain", "GTOPS_VAR_env": "prefixed"})["name"] == "v-prefixed"
    data = load(tmp_path, environ={"GTOPS_VAR_env": "prefixed"}, cli_vars={"env": "prod"})
    assert data["name"] == "v-prod" and data["pool"]["name"] == "pool-prod"


def test_non_string_vars_keep_their_type_in_yaml(tmp_path: Path) -> None:
    text = SPEC + "groups:\n  - name: g1\n    precedence: {{ size }}\n"
    assert load(tmp_path, text, environ={})["groups"][0]["precedence"] == 3


def test_a_variable_defined_in_one_file_is_usable_in_another(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text("name: x\nvars: {grp: labelers}\npool: {name: p}\n")
    (tmp_path / "b.yaml").write_text("groups:\n  - name: '{{ grp }}'\n")
    assert load_spec([tmp_path], environ={}).data["groups"] == [{"name": "labelers"}]


def test_every_undefined_variable_is_reported_with_its_line(tmp_path: Path) -> None:
    text = "name: '{{ a }}'\npool:\n  name: p-{{ b }}-{{ a }}\n"
    with pytest.raises(SpecError) as caught:
        load(tmp_path, text, environ={})
    found = [(p.line, p.column, p.message.split(" (")[0]) for p in caught.value.problems]
    assert found == [
        (1, 8, "undefined variable 'a'"),
        (3, 11, "undefined variable 'b'"),
        (3, 19, "undefined variable 'a'"),
    ]


def test_undefined_attribute_is_reported_at_its_line(tmp_path: Path) -> None:
    text = "vars:\n  site: {name: x}\nname: n\npool:\n  name: '{{ site.missing }}'\n"
    with pytest.raises(SpecError) as caught:
        load(tmp_path, text, environ={})
    (problem,) = caught.value.problems
    assert (problem.line, problem.column) == (5, 10)
    assert "undefined value" in problem.message and "missing" in problem.message


def test_comment_lines_are_not_rendered(tmp_path: Path) -> None:
    text = "# use {{ whatever }} in values\nname: n\npool: {name: p}\n"
    assert load(tmp_path, text, environ={})["name"] == "n"


def test_liquid_template_and_csv_are_never_rendered(tmp_path: Path) -> None:
    spec = load_spec([ROOT / "specs" / "custom-eye-nose"], environ={})
    job = spec.data["jobs"][0]
    template = Path(job["template"]).read_text()
    assert "{{ task.input.taskObject | grant_read_access }}" in template
    assert Path(job["template"]) not in spec.files  # read by the jobs stage, not the spec loader


def test_cli_var_changes_example_output(tmp_path: Path) -> None:
    spec = load_spec([ROOT / "specs" / "text-multilabel"], cli_vars={"bucket": "other-bucket"}, environ={})
    assert {j["output"] for j in spec.data["jobs"]} == {"s3://other-bucket/reviews/output/"}


def test_example_uses_env_var_from_the_environment() -> None:
    spec = load_spec([ROOT / "specs" / "trains-and-cars"], environ={"GTOPS_VAR_env": "prod"})
    assert spec.data["domain"] == "label-workteam-prod"
    assert spec.data["tags"]["environment"] == "prod"


def test_hash_lines_inside_block_text_are_kept(tmp_path: Path) -> None:
    # A '#' line inside block text is treated like a comment line: kept verbatim, not rendered.
    text = (
        "vars: {who: you}\nname: n\npool:\n  name: p\n  invitation:\n    message: |\n"
        "      # Hello {{ who }}\n      pw {####}\n"
    )
    message = load(tmp_path, text, environ={})["pool"]["invitation"]["message"]
    assert message == "# Hello {{ who }}\npw {####}\n"


def test_an_environment_variable_is_not_a_variable_and_the_error_says_so(tmp_path: Path) -> None:
    text = "name: n\npool: {name: p}\ntags: {k: '{{ AWS_SECRET_ACCESS_KEY }}'}\n"
    with pytest.raises(SpecError) as caught:
        load(tmp_path, text, environ={"AWS_SECRET_ACCESS_KEY": "wJalrXUtnFEMI"})
    (problem,) = caught.value.problems
    assert (problem.line, problem.column) == (3, 12)
    assert problem.message.startswith("undefined variable 'AWS_SECRET_ACCESS_KEY'")
    assert "environment variables are not spec variables" in problem.message
    assert "wJalrXUtnFEMI" not in str(caught.value)


def test_filters_defaults_and_mapping_keys(tmp_path: Path) -> None:
    text = (
        "vars: {site: {code: EU}}\n"
        "name: \"{{ stage | default('dev') }}-{{ site.code | lower }}\"\n"
        "pool:\n  name: \"{{ ' P ' | trim | replace('P', 'pool') | upper }}\"\n"
        "  invitation: {subject: \"literal {{ '{{' }} x }}\"}\n"
    )
    data = load(tmp_path, text, environ={})
    assert data["name"] == "dev-eu" and data["pool"]["name"] == "POOL"
    assert data["pool"]["invitation"]["subject"] == "literal {{ x }}"
    assert load(tmp_path, text, environ={}, cli_vars={"stage": "prod"})["name"] == "prod-eu"


def test_variables_given_only_from_outside_are_secret(tmp_path: Path) -> None:
    text = "vars: {env: dev}\nname: n-{{ env }}\npool: {name: p}\ntags: {t: '{{ api_token }}'}\n"
    (tmp_path / "spec.yaml").write_text(text)
    spec = load_spec(
        [tmp_path / "spec.yaml"], cli_vars={"api_token": "tok-123456", "env": "prod"}, environ={}
    )
    assert spec.secrets == ["tok-123456"]
    assert spec.declared_vars == {"env"}
