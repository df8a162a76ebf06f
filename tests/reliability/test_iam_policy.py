"""`gtops iam-policy`: valid policy grammar, and it allows every call a real apply and plan make.

The operations are recorded at botocore's lowest level (every client, however built), with their
parameters, so each call is checked against the generated policy for its action AND its resource ARN, and
for the condition keys AWS would put in the request context: the resource's real tags
(aws:ResourceTag/...) and the role's permissions boundary (iam:PermissionsBoundary).
"""

from __future__ import annotations

import ast
import importlib
import json
import re
from pathlib import Path

import pytest
from rel_helpers import ACCOUNT, REPO, STACK, TRAINS, Call, gtops_inproc, gtops_proc

from gtops import iam

ARN = "arn:aws"
REGION = "us-east-1"

# Operations AWS authorizes only on "*" (no resource-level permissions).
STAR_ONLY = {
    "sts:GetCallerIdentity",
    "cognito-idp:ListUserPools",
    "cognito-idp:CreateUserPool",
    "cognito-idp:DescribeUserPoolDomain",
    "sagemaker:ListWorkforces",
    "sagemaker:ListWorkteams",
    "sagemaker:ListLabelingJobs",
    "sagemaker:Search",
}


BOUNDARY = f"arn:aws:iam::{ACCOUNT}:policy/gtops-boundary"
ROLE_WRITES = {
    "iam:CreateRole",
    "iam:PutRolePolicy",
    "iam:PutRolePermissionsBoundary",
    "iam:UpdateAssumeRolePolicy",
}
# Role operations whose request context holds the role's current boundary (Service Authorization Reference
# for IAM); CreateRole and PutRolePermissionsBoundary carry the boundary of the request instead.
BOUNDARY_OF_ROLE = {"GetRole", "PutRolePolicy", "UpdateAssumeRolePolicy"}
BOUNDARY_OF_REQUEST = {"CreateRole", "PutRolePermissionsBoundary"}

Tags = dict[str, dict[str, str]]  # resource ARN (as resources_of names it) -> its tags


def _tagged(action: str, arn: str, tags: Tags | None) -> tuple[str, str, dict]:
    context = {f"aws:ResourceTag/{k}": v for k, v in ((tags or {}).get(arn) or {}).items()}
    return action, arn, context


def resources_of(
    call: Call, tags: Tags | None = None, boundaries: dict[str, str | None] | None = None
) -> list[tuple[str, str, dict]]:
    """(IAM action, resource ARN, condition context) the call needs: the IAM side of one API call. `tags`
    are the resources' real tags, `boundaries` the roles' permissions boundaries when the call is made."""
    p, op, svc = call.params, call.operation, call.service
    action = iam.action_of(svc, op)
    if action in STAR_ONLY:
        return [(action, "*", {})]
    if svc == "cognito-idp":
        if "ResourceArn" in p:
            return [_tagged(action, p["ResourceArn"], tags)]
        return [_tagged(action, f"{ARN}:cognito-idp:{REGION}:{ACCOUNT}:userpool/{p['UserPoolId']}", tags)]
    if svc == "sagemaker":
        if "ResourceArn" in p:
            return [_tagged(action, p["ResourceArn"], tags)]
        if "WorkteamName" in p:
            team = f"{ARN}:sagemaker:{REGION}:{ACCOUNT}:workteam/private-crowd/{p['WorkteamName']}"
            return [_tagged(action, team, tags)]
        if "WorkforceName" in p:
            workforce = f"{ARN}:sagemaker:{REGION}:{ACCOUNT}:workforce/{p['WorkforceName']}"
            return [_tagged(action, workforce, tags)]
        if "LabelingJobName" in p:
            job = f"{ARN}:sagemaker:{REGION}:{ACCOUNT}:labeling-job/{p['LabelingJobName']}"
            needs = [(action, job, {})]
            if op == "CreateLabelingJob":
                needs.append(
                    ("iam:PassRole", p["RoleArn"], {"iam:PassedToService": "sagemaker.amazonaws.com"})
                )
            return needs
    if svc == "sns":
        if op == "CreateTopic":
            return [(action, f"{ARN}:sns:{REGION}:{ACCOUNT}:{p['Name']}", {})]
        if op == "Unsubscribe":
            return [_tagged(action, p["SubscriptionArn"].rsplit(":", 1)[0], tags)]
        return [_tagged(action, p.get("TopicArn") or p["ResourceArn"], tags)]
    if svc == "s3":
        if "Key" in p:
            return [(action, f"{ARN}:s3:::{p['Bucket']}/{p['Key']}", {})]
        return [(action, f"{ARN}:s3:::{p['Bucket']}", {})]
    if svc == "iam" and op == "SimulatePrincipalPolicy":
        return [(action, p["PolicySourceArn"], {})]
    if svc == "kms":
        key = p["KeyId"]
        if not key.startswith("arn:") or ":alias/" in key:  # an alias is authorized on the key it names
            key = f"{ARN}:kms:{REGION}:{ACCOUNT}:key/{key if not key.startswith(('arn:', 'alias/')) else '*'}"
        return [(action, key, {})]
    if svc == "iam":
        context = {}
        boundary = None
        if op in BOUNDARY_OF_REQUEST:
            boundary = p.get("PermissionsBoundary")
        elif op in BOUNDARY_OF_ROLE:
            boundary = (boundaries or {}).get(p["RoleName"])
        if boundary:
            context["iam:PermissionsBoundary"] = boundary
        return [(action, f"{ARN}:iam::{ACCOUNT}:role/{p['RoleName']}", context)]
    if svc == "lambda":
        name = p["FunctionName"]
        arn = name if name.startswith("arn:") else f"{ARN}:lambda:{REGION}:{ACCOUNT}:function:{name}"
        needs = [(action, arn, {})]
        if op == "CreateFunction":
            needs.append(("iam:PassRole", p["Role"], {"iam:PassedToService": "lambda.amazonaws.com"}))
        return needs
    raise AssertionError(f"no resource mapping for {svc}:{op} {p}")


def policy_for(*args: str) -> dict:
    run = gtops_inproc("iam-policy", *args, "--account", ACCOUNT)
    assert run.code == 0, run.text
    policy = json.loads(run.out)
    assert iam.check_grammar(policy) == []
    return policy


def denied(
    policy: dict, calls: list[Call], tags: Tags | None = None, boundaries: dict[str, str | None] | None = None
) -> list[str]:
    """The calls the policy would deny, in order: a role's boundary is what the calls before gave it."""
    out = []
    boundaries = dict(boundaries or {})
    for call in calls:
        for action, resource, context in resources_of(call, tags, boundaries):
            if not iam.allows(policy, action, resource, context):
                out.append(f"{action} on {resource} ({call.service}:{call.operation})")
        if call.service == "iam" and call.operation in BOUNDARY_OF_REQUEST:
            boundaries[call.params["RoleName"]] = call.params.get("PermissionsBoundary")
    return sorted(set(out))


def real_tags() -> Tags:
    """Every pool's, topic's, workforce's and team's tags in the sandbox, keyed as resources_of names them."""
    from rel_helpers import boto

    idp, sns, sm = boto("cognito-idp"), boto("sns"), boto("sagemaker")
    out: Tags = {}
    for pool in idp.list_user_pools(MaxResults=60)["UserPools"]:
        desc = idp.describe_user_pool(UserPoolId=pool["Id"])["UserPool"]
        out[f"{ARN}:cognito-idp:{REGION}:{ACCOUNT}:userpool/{pool['Id']}"] = desc.get("UserPoolTags") or {}
    for topic in sns.list_topics()["Topics"]:
        listed = sns.list_tags_for_resource(ResourceArn=topic["TopicArn"])["Tags"]
        out[topic["TopicArn"]] = {t["Key"]: t["Value"] for t in listed}
    from gtops.sandbox.sagemaker import gt_backends

    for wf in sm.list_workforces()["Workforces"]:
        # AWS cannot list a workforce's tags (ListTags: "Invalid resource type: workforce"); IAM is assumed
        # to see those given to CreateWorkforce: the (in-process) sandbox's own record of them.
        listed = gt_backends[ACCOUNT][REGION].tags.get(wf["WorkforceArn"], [])
        out[f"{ARN}:sagemaker:{REGION}:{ACCOUNT}:workforce/{wf['WorkforceName']}"] = {
            t["Key"]: t["Value"] for t in listed
        }
    for team in sm.list_workteams()["Workteams"]:
        listed = sm.list_tags(ResourceArn=team["WorkteamArn"])["Tags"]
        out[f"{ARN}:sagemaker:{REGION}:{ACCOUNT}:workteam/private-crowd/{team['WorkteamName']}"] = {
            t["Key"]: t["Value"] for t in listed
        }
    return out


def real_boundaries() -> dict[str, str | None]:
    from rel_helpers import boto

    client = boto("iam")
    out = {}
    for role in client.list_roles()["Roles"]:
        if role["Path"] == "/service-role/":
            continue  # the user's own execution role (the demo_bucket fixture), not one gtops made
        found = client.get_role(RoleName=role["RoleName"])["Role"].get("PermissionsBoundary") or {}
        out[role["RoleName"]] = found.get("PermissionsBoundaryArn")
    return out


# --- the table is complete and true ---------------------------------------------------------------------


def test_every_code_path_in_the_table_exists():
    missing = []
    for use in iam.USES:
        module_name, _, attr = use.where.partition(":")
        module = importlib.import_module(module_name)
        obj = module
        for part in attr.split("."):
            obj = getattr(obj, part, None)
            if obj is None:
                missing.append(use.where)
                break
    assert missing == []


# Files whose calls serve commands other than plan/apply/drift (status, results, preview, export).
NOT_PLAN_APPLY = {
    "gtops/commands/jobs_cmds.py",
    "gtops/jobs/preview.py",
    "gtops/jobs/results.py",
    "gtops/jobs/status.py",
    "gtops/gitops/export.py",
}
# Names that are also ordinary Python methods or appear as dictionary keys (re.search, "ListTags" of SNS...).
NOT_CALLS = {"search", "generate_presigned_url"}


def method_calls(source: str) -> set[str]:
    """Names called as methods (`client.create_group(...)`), but not gtops's own functions called through
    their module (`jl.list_jobs(sm)` is gtops.jobs.live's helper, not SageMaker's ListJobs)."""
    tree = ast.parse(source)
    own = set()  # names bound by `import gtops...` / `from gtops... import ...`
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            own |= {a.asname or a.name.split(".")[0] for a in node.names if a.name.startswith("gtops")}
        elif isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "gtops":
            own |= {a.asname or a.name for a in node.names}
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            root = node.func.value
            while isinstance(root, ast.Attribute):
                root = root.value
            if not (isinstance(root, ast.Name) and root.id in own):
                names.add(node.func.attr)
    return names


def test_method_calls_are_client_calls_not_gtops_helpers():
    source = (
        "from gtops.jobs import live as jl\nimport gtops.members.read\n"
        "jl.list_jobs(sm)\ngtops.members.read.list_users(x)\nsm.list_labeling_jobs()\n"
        "ctx.aws.client('cognito-idp').admin_get_user(Username=u)\n# not.a_call()\n"
    )
    assert method_calls(source) == {"list_labeling_jobs", "client", "admin_get_user"}


def test_every_operation_in_gtops_source_is_in_the_table():
    """A new boto3 call anywhere in gtops (but the sandbox) must be added to gtops.iam.USES."""
    import botocore.session
    from botocore import xform_name

    session = botocore.session.get_session()
    services = ("cognito-idp", "sagemaker", "sns", "s3", "iam", "lambda", "sts", "kms")
    candidates: dict[str, set[str]] = {}  # snake_case method or PascalCase name -> service:Operation
    for service in services:
        for op in session.get_service_model(service).operation_names:
            candidates.setdefault(xform_name(op), set()).add(f"{service}:{op}")
            candidates.setdefault(op, set()).add(f"{service}:{op}")
    listed = {f"{u.service}:{op}" for u in iam.USES for op in u.operations}
    unlisted: dict[str, list[str]] = {}
    for path in sorted((REPO / "gtops").rglob("*.py")):
        rel = str(path.relative_to(REPO))
        if "sandbox" in path.parts or path.name == "iam.py" or rel in NOT_PLAN_APPLY:
            continue
        text = path.read_text()
        # Method calls (client.create_group(...)), paginator names and PascalCase operation names in quotes.
        words = method_calls(text) | set(re.findall(r"[\"']([A-Za-z][\w]*)[\"']", text))
        for name in sorted(words - NOT_CALLS):
            ops = candidates.get(name)
            if ops and not ops & listed and (name.islower() or name[0].isupper()):
                unlisted.setdefault(rel, []).append(sorted(ops)[0])
    assert unlisted == {}


# --- the policy is valid and scoped ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "spec", [STACK, *sorted(p for p in (REPO / "specs").iterdir() if p.is_dir())], ids=str
)
def test_policy_grammar_and_scope_for_every_example(spec: Path):
    from gtops.spec import load_spec

    setup = load_spec([spec]).setup.name
    for extra in ((), ("--read-only",), ("--destroy",)):
        policy = policy_for(str(spec), *extra, "--permissions-boundary", BOUNDARY)
        for stmt in policy["Statement"]:
            resources = stmt["Resource"] if isinstance(stmt["Resource"], list) else [stmt["Resource"]]
            if "*" in resources:  # only what AWS cannot scope
                assert set(stmt["Action"]) <= STAR_ONLY, stmt
            for action in stmt["Action"]:
                assert "*" not in action
                assert action != "iam:DeleteRolePermissionsBoundary"
            if "iam:PassRole" in stmt["Action"]:
                assert stmt["Condition"]["StringEquals"]["iam:PassedToService"].endswith(".amazonaws.com")
            if set(stmt["Action"]) & ROLE_WRITES:  # role writes only with the boundary, nothing else there
                assert set(stmt["Action"]) <= ROLE_WRITES, stmt
                assert stmt["Condition"] == {"StringEquals": {"iam:PermissionsBoundary": BOUNDARY}}
            deletes = [a for a in stmt["Action"] if a.split(":")[1].startswith(("Delete", "AdminDelete"))]
            if deletes and not deletes[0].startswith("s3:"):  # the lock's own object is its one S3 delete
                assert stmt["Condition"]["StringEquals"]["aws:ResourceTag/gtops:setup"] == setup, stmt


def test_read_only_variant_has_no_writes():
    for spec in (STACK, TRAINS):
        policy = policy_for(str(spec), "--read-only")
        actions = {a.split(":", 1)[1] for s in policy["Statement"] for a in s["Action"]}
        # iam:SimulatePrincipalPolicy (the permission check before apply) reads policies: its IAM access
        # level is Read (Service Authorization Reference for IAM); Cognito's Admin reads are reads too.
        reads = ("Describe", "List", "Get", "Simulate")
        writes = {a for a in actions if not a.removeprefix("Admin").startswith(reads)}
        assert writes == set()


def test_pinned_pool_narrows_to_one_pool_and_teams_to_their_names(tmp_path):
    text = (
        (STACK / "setup.yaml")
        .read_text()
        .replace("  name: LabelUserPool\n", "  name: LabelUserPool\n  id: us-east-1_Abc123\n")
    )
    (tmp_path / "setup.yaml").write_text(text)
    policy = policy_for(str(tmp_path))
    pool = [s for s in policy["Statement"] if s["Sid"] == "UserPool"][0]
    assert pool["Resource"] == f"arn:aws:cognito-idp:us-east-1:{ACCOUNT}:userpool/us-east-1_Abc123"
    teams = [s for s in policy["Statement"] if s["Sid"] == "WorkTeams"][0]
    assert teams["Resource"] == f"arn:aws:sagemaker:us-east-1:{ACCOUNT}:workteam/private-crowd/test2"
    assert not iam.allows(policy, "cognito-idp:UpdateUserPool", "arn:aws:cognito-idp:us-east-1:1:userpool/x")
    assert not iam.allows(policy, "sagemaker:UpdateWorkteam", teams["Resource"].replace("test2", "other"))


def test_deletes_only_with_destroy_or_prune(tmp_path):
    plain = policy_for(str(STACK))
    actions = {a for s in plain["Statement"] for a in s["Action"]}
    assert not {a for a in actions if ":Delete" in a or ":AdminDelete" in a}
    with_destroy = policy_for(str(STACK), "--destroy")
    actions = {a for s in with_destroy["Statement"] for a in s["Action"]}
    assert {"cognito-idp:DeleteUserPool", "sagemaker:DeleteWorkteam", "sagemaker:DeleteWorkforce"} <= actions
    text = (STACK / "setup.yaml").read_text() + "prune: {teams: true}\n"
    (tmp_path / "setup.yaml").write_text(text)
    pruned = policy_for(str(tmp_path), "--destroy")
    owned = [s for s in pruned["Statement"] if s["Sid"] == "PruneOwnedWorkTeams"][0]
    assert owned["Condition"] == {"StringEquals": {"aws:ResourceTag/gtops:setup": "e2e-stack"}}


@pytest.mark.e2e
def test_account_placeholder_without_credentials_and_sts_when_reachable(tmp_path, server):
    from rel_helpers import sandbox_env

    env = sandbox_env(server, tmp_path)
    for key in ("AWS_ENDPOINT_URL", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        env.pop(key)
    run = gtops_proc(env, "iam-policy", str(STACK))
    assert run.code == 0, run.text
    assert "arn:aws:sns:us-east-1:${AWS::AccountId}:AmazonSageMaker-label-notify" in run.out
    assert "${AWS::AccountId} stands for your account id: pass --account" in run.err
    json.loads(run.out)  # stdout is the policy alone

    reachable = gtops_proc(sandbox_env(server, tmp_path), "iam-policy", str(STACK))
    assert reachable.code == 0, reachable.text
    assert f"arn:aws:sns:us-east-1:{ACCOUNT}:AmazonSageMaker-label-notify" in reachable.out
    assert "account from STS GetCallerIdentity" in reachable.err


def test_bad_account_is_refused():
    run = gtops_inproc("iam-policy", str(STACK), "--account", "12345")
    assert run.code == 1
    assert "--account must be a 12-digit AWS account id, not '12345'" in run.err


# --- the policy allows what gtops really calls -----------------------------------------------------------


def test_stack_apply_and_plan_calls_are_all_allowed(inproc, recorder):
    apply_policy = policy_for(str(STACK))
    read_policy = policy_for(str(STACK), "--read-only")
    recorder.clear()
    run = gtops_inproc("apply", str(STACK), "--auto-approve")
    assert run.code == 0, run.text
    applied = list(recorder.calls)
    recorder.clear()
    assert gtops_inproc("plan", str(STACK), "--detailed-exitcode").code == 0
    planned = list(recorder.calls)

    assert len({(c.service, c.operation) for c in applied}) >= 20  # the recording really saw the apply
    assert denied(apply_policy, applied + planned) == []
    assert denied(read_policy, planned) == []
    # ...and the read-only policy really would stop an apply.
    assert "cognito-idp:CreateUserPool on * (cognito-idp:CreateUserPool)" in denied(read_policy, applied)


def test_trains_and_cars_apply_and_plan_calls_are_all_allowed(inproc, recorder, demo_bucket, demo_role):
    apply_policy = policy_for(str(TRAINS))
    read_policy = policy_for(str(TRAINS), "--read-only")
    recorder.clear()
    run = gtops_inproc("apply", str(TRAINS), "--auto-approve")
    assert run.code == 0, run.text
    applied = list(recorder.calls)
    recorder.clear()
    assert gtops_inproc("plan", str(TRAINS), "--detailed-exitcode").code == 0
    planned = list(recorder.calls)

    ops = {f"{c.service}:{c.operation}" for c in applied}
    assert {"cognito-idp:AdminCreateUser", "sagemaker:CreateLabelingJob", "s3:PutObject"} <= ops
    assert denied(apply_policy, applied + planned) == []
    assert denied(read_policy, planned) == []


# --- destroy: deletes only what carries this setup's tag ------------------------------------------------

SETUP = "e2e-stack"
POOL_DELETES = (
    "cognito-idp:DeleteUserPool",
    "cognito-idp:DeleteGroup",
    "cognito-idp:AdminDeleteUser",
    "cognito-idp:DeleteUserPoolClient",
    "cognito-idp:DeleteUserPoolDomain",
)
PRUNING = "prune: {groups: true, members: true}\n"
KEPT = """\
members:
  workers:
    - {email: keep@example.com, groups: [Label-group]}
"""
WORKERS = KEPT + "    - {email: gone@example.com, groups: [Label-group]}\n"


def stack_with(tmp_path: Path, *extra: str, spare_group: bool = False) -> Path:
    root = tmp_path / "stack"
    root.mkdir(parents=True, exist_ok=True)
    text = (STACK / "setup.yaml").read_text()
    if spare_group:
        text = text.replace("groups:\n", "groups:\n  - name: Spare-group\n", 1)
    (root / "setup.yaml").write_text(text + "".join(extra))
    return root


def test_destroy_policy_conditions_deletes_on_the_setup_tag(tmp_path):
    policy = policy_for(str(stack_with(tmp_path, PRUNING, WORKERS)), "--destroy")
    pool = f"{ARN}:cognito-idp:{REGION}:{ACCOUNT}:userpool/us-east-1_Abc123"
    targets = [(action, pool) for action in POOL_DELETES] + [
        ("sns:DeleteTopic", f"{ARN}:sns:{REGION}:{ACCOUNT}:AmazonSageMaker-label-notify"),
        ("sagemaker:DeleteWorkforce", f"{ARN}:sagemaker:{REGION}:{ACCOUNT}:workforce/default"),
        ("sagemaker:DeleteWorkteam", f"{ARN}:sagemaker:{REGION}:{ACCOUNT}:workteam/private-crowd/test2"),
    ]
    mine = {"aws:ResourceTag/gtops:setup": SETUP}
    other = {"aws:ResourceTag/gtops:setup": "other-setup"}
    for action, arn in targets:
        assert iam.allows(policy, action, arn, mine), action
        assert not iam.allows(policy, action, arn, other), action
        assert not iam.allows(policy, action, arn, {}), action  # an untagged resource
    statement = [s for s in policy["Statement"] if "cognito-idp:DeleteUserPool" in s["Action"]]
    assert len(statement) == 1
    assert statement[0]["Condition"] == {"StringEquals": {"aws:ResourceTag/gtops:setup": SETUP}}
    assert set(POOL_DELETES) <= set(statement[0]["Action"])
    assert iam.check_grammar(policy) == []


def test_real_prune_and_destroy_are_allowed_on_what_the_setup_tagged(inproc, recorder, tmp_path):
    spec = stack_with(tmp_path, PRUNING, WORKERS, spare_group=True)
    policy = policy_for(str(spec), "--destroy")
    assert gtops_inproc("apply", str(spec), "--auto-approve").code == 0
    # Pruning: a worker and a group leave the spec.
    spec = stack_with(tmp_path, PRUNING, KEPT)
    tags = real_tags()
    pool_arn = next(arn for arn in tags if ":userpool/" in arn)
    assert tags[pool_arn]["gtops:setup"] == SETUP
    recorder.clear()
    run = gtops_inproc("apply", str(spec), "--auto-approve")
    assert run.code == 0, run.text
    pruned = list(recorder.calls)
    assert {"cognito-idp:AdminDeleteUser", "cognito-idp:DeleteGroup"} <= recorder.operations()
    assert denied(policy, pruned, tags) == []
    # Destroy.
    tags = real_tags()
    recorder.clear()
    run = gtops_inproc("destroy", str(spec), "--force", "--auto-approve")
    assert run.code == 0, run.text
    destroyed = list(recorder.calls)
    wanted = {"cognito-idp:DeleteUserPool", "sns:DeleteTopic", "sagemaker:DeleteWorkforce"}
    wanted |= {"sagemaker:DeleteWorkteam", "cognito-idp:DeleteUserPoolDomain", "cognito-idp:DeleteGroup"}
    assert wanted | {"cognito-idp:UpdateUserPool"} <= recorder.operations()  # deletion protection off
    assert denied(policy, destroyed, tags) == []
    # The same calls on resources without the tag would be refused: the condition really applies.
    assert f"cognito-idp:DeleteUserPool on {pool_arn} (cognito-idp:DeleteUserPool)" in denied(
        policy, destroyed, {}
    )


def test_real_destroy_of_a_pool_tagged_for_another_setup_is_denied(inproc, recorder):
    from rel_helpers import boto

    policy = policy_for(str(STACK), "--destroy")
    assert gtops_inproc("apply", str(STACK), "--auto-approve").code == 0
    idp = boto("cognito-idp")
    pool_id = idp.list_user_pools(MaxResults=60)["UserPools"][0]["Id"]
    pool_arn = f"{ARN}:cognito-idp:{REGION}:{ACCOUNT}:userpool/{pool_id}"
    idp.tag_resource(ResourceArn=pool_arn, Tags={"gtops:setup": "other-setup"})
    tags = real_tags()
    recorder.clear()
    run = gtops_inproc("destroy", str(STACK), "--force", "--auto-approve")
    assert run.code == 0, run.text  # the sandbox does not enforce IAM: the recorded calls are checked
    refused = denied(policy, list(recorder.calls), tags)
    assert refused == [
        f"cognito-idp:DeleteGroup on {pool_arn} (cognito-idp:DeleteGroup)",
        f"cognito-idp:DeleteUserPool on {pool_arn} (cognito-idp:DeleteUserPool)",
        f"cognito-idp:DeleteUserPoolClient on {pool_arn} (cognito-idp:DeleteUserPoolClient)",
        f"cognito-idp:DeleteUserPoolDomain on {pool_arn} (cognito-idp:DeleteUserPoolDomain)",
    ]


# --- roles: written only with the permissions boundary --------------------------------------------------

JOB = """\
jobs:
  - name: boundary-job
    task_type: image_classification
    team: test2
    labels: [train, car]
    input: {folder: images}
    output: s3://gtops-demo-data/boundary-out/
    role: managed
"""


def _png() -> bytes:
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xff\x00\x00")
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")


def with_managed_role(tmp_path: Path, boundary: str | None = None) -> Path:
    root = stack_with(tmp_path, f"permissions_boundary: {boundary}\n" if boundary else "")
    (root / "images").mkdir(exist_ok=True)
    (root / "images" / "a.png").write_bytes(_png())
    (root / "jobs.yaml").write_text(JOB)
    return root


def test_iam_policy_refuses_role_writes_without_a_boundary(tmp_path):
    spec = str(with_managed_role(tmp_path))
    run = gtops_inproc("iam-policy", spec, "--account", ACCOUNT)
    assert run.code == 1
    assert "--permissions-boundary ARN" in run.err and "`permissions_boundary:`" in run.err
    assert "--no-permissions-boundary" in run.err and "Traceback" not in run.text
    assert run.out == ""
    # Plan and drift write no roles: no boundary needed.
    assert gtops_inproc("iam-policy", spec, "--account", ACCOUNT, "--read-only").code == 0
    # Said out loud, the unbounded policy is printed with a warning.
    unbounded = gtops_inproc("iam-policy", spec, "--account", ACCOUNT, "--no-permissions-boundary")
    assert unbounded.code == 0, unbounded.text
    assert "WARNING: --no-permissions-boundary" in unbounded.err and "escalate" in unbounded.err
    policy = json.loads(unbounded.out)
    role = f"{ARN}:iam::{ACCOUNT}:role/gtops-e2e-stack-labeling"
    assert iam.allows(policy, "iam:CreateRole", role)
    assert not iam.allows(
        policy, "iam:PutRolePermissionsBoundary", role, {"iam:PermissionsBoundary": BOUNDARY}
    )
    # Refused flag values.
    for args, message in (
        (("--permissions-boundary", f"arn:aws:iam::{ACCOUNT}:role/x"), "must be an IAM policy ARN"),
        (("--permissions-boundary", BOUNDARY.replace("arn:aws:", "arn:aws-cn:")), "partition 'aws-cn'"),
        (("--permissions-boundary", BOUNDARY, "--no-permissions-boundary"), "cannot be combined"),
    ):
        run = gtops_inproc("iam-policy", spec, "--account", ACCOUNT, *args)
        assert run.code == 1 and message in run.err, run.text
    # The spec's key is the default; a flag naming another boundary is warned about.
    bounded = with_managed_role(tmp_path / "b", BOUNDARY)
    policy = policy_for(str(bounded))
    assert iam.allows(policy, "iam:CreateRole", role, {"iam:PermissionsBoundary": BOUNDARY})
    other = BOUNDARY.replace("gtops-boundary", "other")
    run = gtops_inproc("iam-policy", str(bounded), "--account", ACCOUNT, "--permissions-boundary", other)
    assert run.code == 0 and f"set `permissions_boundary: {other}` in the spec" in run.err
    assert (
        "--no-permissions-boundary contradicts"
        in gtops_inproc("iam-policy", str(bounded), "--account", ACCOUNT, "--no-permissions-boundary").err
    )


def test_roles_are_created_with_the_boundary_and_the_policy_requires_it(
    inproc, recorder, demo_bucket, tmp_path
):
    spec = with_managed_role(tmp_path, BOUNDARY)
    policy = policy_for(str(spec))
    recorder.clear()
    run = gtops_inproc("apply", str(spec), "--auto-approve")
    assert run.code == 0, run.text
    applied = list(recorder.calls)
    created = [c for c in applied if c.operation == "CreateRole"]
    assert [c.params.get("PermissionsBoundary") for c in created] == [BOUNDARY]
    assert real_boundaries() == {"gtops-e2e-stack-labeling": BOUNDARY}
    assert denied(policy, applied) == []
    role = f"{ARN}:iam::{ACCOUNT}:role/gtops-e2e-stack-labeling"
    # A policy naming another boundary refuses these very calls.
    other = policy_for(str(spec), "--permissions-boundary", BOUNDARY.replace("gtops-boundary", "other"))
    refused = denied(other, applied)
    for action in ("iam:CreateRole", "iam:PutRolePolicy", "iam:UpdateAssumeRolePolicy"):
        assert f"{action} on {role} ({action})" in refused


def test_an_unbounded_role_gets_its_boundary_before_any_other_write(inproc, recorder, demo_bucket, tmp_path):
    assert gtops_inproc("apply", str(with_managed_role(tmp_path)), "--auto-approve").code == 0
    assert real_boundaries() == {"gtops-e2e-stack-labeling": None}
    spec = with_managed_role(tmp_path, BOUNDARY)
    policy = policy_for(str(spec))
    recorder.clear()
    run = gtops_inproc("apply", str(spec), "--auto-approve")
    assert run.code == 0, run.text
    role_calls = [
        c.operation for c in recorder.calls if c.service == "iam" and not c.operation.startswith("Get")
    ]
    assert role_calls == ["PutRolePermissionsBoundary", "UpdateAssumeRolePolicy", "PutRolePolicy"]
    # Checked in order: each write is allowed because the boundary was put first.
    assert denied(policy, list(recorder.calls), boundaries={"gtops-e2e-stack-labeling": None}) == []
    assert real_boundaries() == {"gtops-e2e-stack-labeling": BOUNDARY}


def test_grammar_check_reads_conditions():
    def one(condition) -> dict:
        statement = {"Sid": "S", "Effect": "Allow", "Action": "iam:CreateRole", "Resource": "*"}
        return {"Version": "2012-10-17", "Statement": [{**statement, "Condition": condition}]}

    assert iam.check_grammar(one({"StringEquals": {"iam:PermissionsBoundary": BOUNDARY}})) == []
    assert iam.check_grammar(one({})) == ["S: Condition must be a non-empty object"]
    assert iam.check_grammar(one({"StringEqual": {"iam:PermissionsBoundary": BOUNDARY}})) == [
        "S: unexpected condition operator 'StringEqual'"
    ]
    assert iam.check_grammar(one({"StringEquals": {"iam:PermissionsBoundary": ""}})) == [
        "S: condition iam:PermissionsBoundary needs non-empty string values"
    ]
