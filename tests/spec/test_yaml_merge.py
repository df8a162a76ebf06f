"""YAML merge keys (<<: *anchor): keys written next to the merge win, as YAML 1.1 says."""

from __future__ import annotations

from pathlib import Path

import pytest

from gtops.errors import SpecError
from gtops.spec import load_spec
from gtops.spec.yaml_loader import load_yaml

SETUP = """\
name: merges
region: us-east-1
x-private: &private
  team: t1
  input: {manifest_file: in.manifest}
  output: s3://gtops-demo-data/out/
  role: managed
  task_time_limit: 5m
  workers_per_object: 1
pool: {name: p}
groups: [{name: g1}]
client: {name: c}
teams: [{name: t1, groups: [g1]}]
jobs:
  - <<: *private
    name: quick
    task_type: image_classification
    labels: [a, b]
  - <<: *private
    name: slow
    task_type: image_classification
    labels: [a, b]
    task_time_limit: 20m
    workers_per_object: 3
"""


def test_keys_next_to_a_merge_override_the_anchor(tmp_path: Path) -> None:
    (tmp_path / "in.manifest").write_text('{"source-ref": "s3://gtops-demo-data/a.png"}\n')
    (tmp_path / "setup.yaml").write_text(SETUP)
    jobs = {j.name: j for j in load_spec([tmp_path], environ={}).setup.jobs}
    assert (jobs["quick"].task_time_limit, jobs["quick"].workers_per_object) == (300, 1)
    assert (jobs["slow"].task_time_limit, jobs["slow"].workers_per_object) == (1200, 3)
    assert jobs["slow"].team == "t1"  # what was not overridden still comes from the anchor


def test_an_overriding_key_is_located_at_its_own_line() -> None:
    data, marks, problems = load_yaml(SETUP)
    assert problems == []
    assert marks[("jobs", 1, "task_time_limit")] == (23, 5)  # the override, not the anchor's line 8
    assert marks[("jobs", 1, "team")] == (4, 3)  # merged keys point into the anchor


def test_first_merged_source_wins_and_real_duplicates_are_still_errors() -> None:
    text = "a: &a {x: 1, y: 1}\nb: &b {x: 2, z: 2}\nc:\n  <<: [*a, *b]\n  z: 3\n  z: 4\n"
    data, _, problems = load_yaml(text)
    assert data["c"] == {"x": 1, "y": 1, "z": 3}
    assert [(p.line, p.message) for p in problems] == [(6, "duplicate key 'z' (first given on line 5)")]


def test_a_duplicate_next_to_a_merge_fails_validation_at_its_line(tmp_path: Path) -> None:
    (tmp_path / "in.manifest").write_text('{"source-ref": "s3://gtops-demo-data/a.png"}\n')
    (tmp_path / "setup.yaml").write_text(SETUP + "    workers_per_object: 2\n")
    with pytest.raises(SpecError) as err:
        load_spec([tmp_path], environ={})
    expected = "jobs[1].workers_per_object: duplicate key 'workers_per_object' (first given on line 24)"
    assert f"setup.yaml:25:5: {expected}" in str(err.value)
