"""load_spec's output: the merged shape other code builds on, defaults, seconds, paths, CSV, locations."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gtops.errors import SpecError
from gtops.spec import builtin_lambda_arns, load_spec
from gtops.spec.schema import build_schema, schema_json

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = sorted(p for p in (ROOT / "specs").iterdir() if p.is_dir())

MINIMAL = """\
name: mini
region: us-east-1
pool: {name: mini-pool}
groups: [{name: g1}]
client: {name: mini-client}
teams: [{name: t1, groups: [g1]}]
jobs:
  - name: j1
    task_type: semantic_segmentation
    team: t1
    labels: [a]
    input: {manifest_file: data/in.manifest}
    output: s3://gtops-demo-data/out/
    role: managed
"""


def write(folder: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return folder


@pytest.mark.parametrize("folder", EXAMPLES, ids=[p.name for p in EXAMPLES])
def test_every_example_spec_validates(folder: Path) -> None:
    spec = load_spec([folder], environ={})
    assert spec.setup.jobs, "every example has at least one job"


def test_examples_cover_the_scenarios_and_another_region() -> None:
    names = {p.name for p in EXAMPLES}
    assert {"trains-and-cars", "birds", "custom-eye-nose", "cats-dogs", "text-multilabel"} <= names
    regions = {load_spec([p], environ={}).setup.region for p in EXAMPLES}
    assert "us-east-1" in regions and len(regions) > 1


def test_minimal_spec_gets_only_the_agreed_defaults(tmp_path: Path) -> None:
    """Absent means unmanaged: the typed spec fills in only the documented defaults."""
    from gtops.kinds.app_client import ClientSpec
    from gtops.kinds.user_pool import PoolSpec
    from gtops.kinds.workteam import TeamSpec
    from gtops.setup import Prune, Safety

    write(tmp_path, {"setup.yaml": MINIMAL, "data/in.manifest": '{"source-ref": "s3://b/k.jpg"}\n'})
    spec = load_spec([tmp_path], environ={})
    setup = spec.setup
    assert setup.pool == PoolSpec(
        name="mini-pool",
        sign_in="email",
        case_sensitive=False,
        deletion_protection=True,
        admin_only_create=True,
    )
    assert setup.pool.mfa is None and setup.pool.password_policy is None  # unmanaged
    assert setup.client == ClientSpec(
        name="mini-client",
        generate_secret=True,
        token_revocation=True,
        oauth={
            "flows": ("code", "implicit"),
            "scopes": ("email", "openid", "profile"),
            "identity_providers": ("COGNITO",),
        },
    )
    assert setup.teams == (TeamSpec("t1", ("g1",), "t1 work team", notifications=False),)
    assert setup.members is None  # no section: the roster is not managed
    assert setup.prune == Prune(members=False, jobs=False, groups=False, teams=False)
    assert setup.safety == Safety(max_worker_change=0.3, min_workers=10)
    assert setup.workforce is None and setup.domain is None and setup.topic is None
    assert not setup.tags and setup.lock is None and "vars" not in spec.data
    job = setup.jobs[0]
    assert job.workers_per_object == 1
    assert job.task_time_limit == 300
    assert job.task_availability == 10 * 86400
    assert job.max_concurrent_tasks == 1000
    assert job.label_attribute == "j1-ref"  # semantic segmentation output is a reference
    assert job.relaunch == "manual" and job.workforce == "private"
    assert job.title and job.description
    assert job.input["manifest_file"] == str((tmp_path / "data/in.manifest").resolve())
    for absent in ("keywords", "stopping", "kms_key", "template", "assets", "price_per_task"):
        assert getattr(job, absent) is None
    assert not job.tags


def test_durations_become_seconds(tmp_path: Path) -> None:
    text = MINIMAL.replace(
        "role: managed", "role: managed\n    task_time_limit: 1h30m\n    task_availability: 2d"
    )
    text = text.replace(
        "client: {name: mini-client}",
        "client:\n  name: mini-client\n  token_validity: {access: 5m, id: 3600, refresh: 30d}",
    )
    write(tmp_path, {"setup.yaml": text, "data/in.manifest": "{}\n"})
    setup = load_spec([tmp_path], environ={}).setup
    assert setup.jobs[0].task_time_limit == 5400
    assert setup.jobs[0].task_availability == 172800
    assert setup.client is not None
    assert setup.client.token_validity == {"access": 300, "id": 3600, "refresh": 2592000}


def test_public_jobs_default_to_six_hours_and_the_suggested_price() -> None:
    spec = load_spec([ROOT / "specs" / "birds"], environ={})
    public = next(j for j in spec.setup.jobs if j.workforce == "public")
    assert public.team is None
    assert public.task_availability == 6 * 3600
    assert public.price_per_task == 0.036


def test_csv_rows_merge_into_workers_with_their_locations(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "a.yaml": "name: m\npool: {name: p, custom_attributes: [site]}\n"
            "groups: [{name: g1}, {name: g2}]\n"
            "members:\n  csv: people.csv\n"
            "  workers:\n    - email: inline@example.com\n      groups: [g1]\n",
            "people.csv": "email,phone,groups,enabled,given_name,custom:site\n"
            "a@example.com,+14155550100,g1;g2,yes,Ann,Oslo\n"
            "b@example.com,,,0,,\n",
        },
    )
    spec = load_spec([tmp_path / "a.yaml"], environ={})
    from gtops.kinds.user import WorkerSpec

    members = spec.setup.members
    assert members is not None
    assert members.workers == (
        WorkerSpec("inline@example.com", ("g1",)),
        WorkerSpec(
            "a@example.com", ("g1", "g2"), True, "+14155550100", {"given_name": "Ann", "custom:site": "Oslo"}
        ),
        WorkerSpec("b@example.com", (), False),
    )
    assert members.csv == (str((tmp_path / "people.csv").resolve()),)
    assert spec.locate(("members", "workers", 2)) == (str(tmp_path / "people.csv"), 3, 1)
    assert spec.locate(("members", "workers", 0, "groups", 0)) == (str(tmp_path / "a.yaml"), 8, 16)
    assert (tmp_path / "people.csv").resolve() in spec.files


def test_files_digest_and_locate_across_merged_files(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "1-setup.yaml": "name: m\npool: {name: p}\nclient: {name: c}\n"
            "groups:\n  - name: g1\n  - name: g2\n",
            "2-teams.yaml": "groups:\n  - name: g3\nteams:\n  - name: t1\n    groups: [g1, g3]\n",
        },
    )
    spec = load_spec([tmp_path], environ={})
    assert [g.name for g in spec.setup.groups] == ["g1", "g2", "g3"]
    assert spec.files == [tmp_path.resolve() / "1-setup.yaml", tmp_path.resolve() / "2-teams.yaml"]
    assert spec.locate(("groups", 2)) == (str(tmp_path / "2-teams.yaml"), 2, 5)
    assert spec.locate(("teams", 0, "groups", 1)) == (str(tmp_path / "2-teams.yaml"), 5, 18)
    assert spec.locate(("teams", 0, "description")) == (
        str(tmp_path / "2-teams.yaml"),
        4,
        5,
    )  # default: parent
    before = spec.digest
    assert len(before) == 64 and before == load_spec([tmp_path], environ={}).digest
    (tmp_path / "2-teams.yaml").write_text((tmp_path / "2-teams.yaml").read_text() + "# changed\n")
    assert load_spec([tmp_path], environ={}).digest != before


def test_yaml_anchors_and_x_keys(tmp_path: Path) -> None:
    spec = load_spec([ROOT / "specs" / "birds"], environ={})
    assert not any(k.startswith("x-") for k in spec.data)
    private = [j for j in spec.setup.jobs if j.workforce == "private"]
    assert {j.team for j in private} == {"birders"}
    assert all(j.max_concurrent_tasks == 200 for j in private)


def test_mfa_off_survives_yaml_booleans(tmp_path: Path) -> None:
    write(tmp_path, {"a.yaml": "name: m\npool:\n  name: p\n  mfa: off\n"})
    pool = load_spec([tmp_path], environ={}).setup.pool
    assert pool is not None and pool.mfa is not None and pool.mfa.mode == "off"


def test_spec_error_lists_every_problem_sorted(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "a.yaml": "name: m\npool:\n  name: p\n  mfa: sometimes\n  password_policy: {min_length: 3}\n"
            "domain: AWS\n"
        },
    )
    with pytest.raises(SpecError) as caught:
        load_spec([tmp_path], environ={})
    lines = [p.line for p in caught.value.problems]
    assert len(lines) == 3 and lines == sorted(lines)


def test_schema_file_is_what_the_code_builds() -> None:
    committed = (ROOT / "schemas" / "gtops.schema.json").read_text()
    assert committed == schema_json()
    assert json.loads(committed)["$schema"] == "https://json-schema.org/draft/2020-12/schema"


def test_schema_is_valid_and_describes_every_field() -> None:
    from jsonschema import Draft202012Validator

    schema = build_schema()
    Draft202012Validator.check_schema(schema)
    missing: list[str] = []

    def walk(node: dict, where: str) -> None:
        if node.get("type") == "object" and "properties" in node:
            assert node.get("additionalProperties") is False, where
        for key, sub in node.get("properties", {}).items():
            if "description" not in sub:
                missing.append(f"{where}.{key}")
            walk(sub, f"{where}.{key}")
        if isinstance(node.get("items"), dict):
            walk(node["items"], f"{where}[]")
        for sub in node.get("anyOf", []):
            walk(sub, where)

    walk(schema, "spec")
    assert missing == []


def test_schema_carries_aws_limits() -> None:
    job = build_schema()["properties"]["jobs"]["items"]["properties"]
    assert (job["workers_per_object"]["minimum"], job["workers_per_object"]["maximum"]) == (1, 9)
    assert job["max_concurrent_tasks"]["maximum"] == 5000
    assert job["keywords"]["maxItems"] == 5
    team = build_schema()["properties"]["teams"]["items"]["properties"]
    assert team["groups"]["maxItems"] == 10 and team["description"]["maxLength"] == 200


def test_builtin_lambda_arns_use_the_regions_account() -> None:
    assert builtin_lambda_arns("us-east-1", "BoundingBox") == (
        "arn:aws:lambda:us-east-1:432418664414:function:PRE-BoundingBox",
        "arn:aws:lambda:us-east-1:432418664414:function:ACS-BoundingBox",
    )
    assert builtin_lambda_arns("eu-central-1", "image_classification") == (
        "arn:aws:lambda:eu-central-1:203001061592:function:PRE-ImageMultiClass",
        "arn:aws:lambda:eu-central-1:203001061592:function:ACS-ImageMultiClass",
    )
    assert builtin_lambda_arns("sa-east-1", "BoundingBox") is None
    assert builtin_lambda_arns("us-east-1", "NoSuchTask") is None


def test_every_builtin_task_type_has_lambdas_in_every_listed_region() -> None:
    from gtops.spec.lambdas import TASK_TYPE_SUFFIX, builtin_regions

    data = json.loads((ROOT / "gtops" / "data" / "builtin_lambdas.json").read_text())
    assert len(builtin_regions()) == 12
    assert all(len(account) == 12 and account.isdigit() for account in data["region_account"].values())
    for region in builtin_regions():
        for task_type in TASK_TYPE_SUFFIX:
            pre, acs = builtin_lambda_arns(region, task_type)
            assert pre.startswith(f"arn:aws:lambda:{region}:") and acs.endswith(TASK_TYPE_SUFFIX[task_type])
