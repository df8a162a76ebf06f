"""`gtops iam-policy`: valid policy grammar, and it allows every call a real apply and plan make.

The operations are recorded at botocore's lowest level (every client, however built), with their
parameters, so each call is checked against the generated policy for its action AND its resource ARN.
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


def resources_of(call: Call) -> list[tuple[str, str, dict]]:
    """(IAM action, resource ARN, condition context) the call needs: the IAM side of one API call."""
    p, op, svc = call.params, call.operation, call.service
    action = iam.action_of(svc, op)
    if action in STAR_ONLY:
        return [(action, "*", {})]
    if svc == "cognito-idp":
        if "ResourceArn" in p:
            return [(action, p["ResourceArn"], {})]
        return [(action, f"{ARN}:cognito-idp:{REGION}:{ACCOUNT}:userpool/{p['UserPoolId']}", {})]
    if svc == "sagemaker":
        if "ResourceArn" in p:
            return [(action, p["ResourceArn"], {})]
        if "WorkteamName" in p:
            return [
                (action, f"{ARN}:sagemaker:{REGION}:{ACCOUNT}:workteam/private-crowd/{p['WorkteamName']}", {})
            ]
        if "WorkforceName" in p:
            return [(action, f"{ARN}:sagemaker:{REGION}:{ACCOUNT}:workforce/{p['WorkforceName']}", {})]
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
            return [(action, p["SubscriptionArn"].rsplit(":", 1)[0], {})]
        return [(action, p.get("TopicArn") or p["ResourceArn"], {})]
    if svc == "s3":
        if "Key" in p:
            return [(action, f"{ARN}:s3:::{p['Bucket']}/{p['Key']}", {})]
        return [(action, f"{ARN}:s3:::{p['Bucket']}", {})]
    if svc == "iam":
        return [(action, f"{ARN}:iam::{ACCOUNT}:role/{p['RoleName']}", {})]
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


def denied(policy: dict, calls: list[Call]) -> list[str]:
    out = []
    for call in calls:
        for action, resource, context in resources_of(call):
            if not iam.allows(policy, action, resource, context):
                out.append(f"{action} on {resource} ({call.service}:{call.operation})")
    return sorted(set(out))


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
    services = ("cognito-idp", "sagemaker", "sns", "s3", "iam", "lambda", "sts")
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
    for extra in ((), ("--read-only",), ("--destroy",)):
        policy = policy_for(str(spec), *extra)
        for stmt in policy["Statement"]:
            resources = stmt["Resource"] if isinstance(stmt["Resource"], list) else [stmt["Resource"]]
            if "*" in resources:  # only what AWS cannot scope
                assert set(stmt["Action"]) <= STAR_ONLY, stmt
            for action in stmt["Action"]:
                assert "*" not in action
            if "iam:PassRole" in stmt["Action"]:
                assert stmt["Condition"]["StringEquals"]["iam:PassedToService"].endswith(".amazonaws.com")


def test_read_only_variant_has_no_writes():
    for spec in (STACK, TRAINS):
        policy = policy_for(str(spec), "--read-only")
        actions = {a.split(":", 1)[1] for s in policy["Statement"] for a in s["Action"]}
        writes = {a for a in actions if not a.startswith(("Describe", "List", "Get"))}
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


def test_trains_and_cars_apply_and_plan_calls_are_all_allowed(inproc, recorder, demo_bucket):
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
