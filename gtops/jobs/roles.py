"""Least-privilege IAM for managed job roles and deployed Lambdas.

AWS's managed policy (AmazonSageMakerGroundTruthExecution) only covers buckets whose names contain
"sagemaker" or "groundtruth", a common trap; gtops writes an inline policy naming exactly the jobs'
input and output locations instead.
"""

from __future__ import annotations

from typing import Any

from gtops.jobs import s3 as s3u

POLICY_NAME = "gtops-labeling"
LAMBDA_POLICY_NAME = "gtops-lambda"
LABELING_SERVICE = "sagemaker.amazonaws.com"
LAMBDA_SERVICE = "lambda.amazonaws.com"


def trust(service: str) -> dict[str, Any]:
    return {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"}],
    }


def _object_arn(partition: str, location: str) -> str:
    """s3://b/p/ -> arn:aws:s3:::b/p/*, s3://b/file.manifest -> arn:aws:s3:::b/file.manifest."""
    bucket, key = s3u.split(location)
    if not key or key.endswith("/"):
        return f"arn:{partition}:s3:::{bucket}/{key}*"
    return f"arn:{partition}:s3:::{bucket}/{key}"


def _buckets(partition: str, locations: list[str]) -> list[str]:
    return sorted({f"arn:{partition}:s3:::{s3u.split(loc)[0]}" for loc in locations})


def _prefixes(locations: list[str]) -> list[str]:
    out = set()
    for loc in locations:
        _, key = s3u.split(loc)
        out.add(f"{key}*" if not key or key.endswith("/") else key)
    return sorted(out)


def labeling_policy(
    partition: str,
    region: str,
    account: str,
    reads: list[str],
    writes: list[str],
    lambdas: list[str],
    topics: list[str] | None = None,
    pass_self: str | None = None,
) -> dict[str, Any]:
    """The labeling-job execution role's inline policy: exactly these locations, functions and topics.

    Streaming jobs (DG: execution role permissions) need the SQS queue Ground Truth makes for the job
    (GroundTruth-<job name>) and to subscribe to, publish to and unsubscribe from their topics; automated
    data labeling needs to pass the role itself to SageMaker's training and inference jobs."""
    everything = sorted(set(reads) | set(writes))
    statements: list[dict[str, Any]] = [
        {
            "Sid": "ListJobBuckets",
            "Effect": "Allow",
            "Action": ["s3:ListBucket"],
            "Resource": _buckets(partition, everything),
            "Condition": {"StringLike": {"s3:prefix": _prefixes(everything)}},
        },
        {
            "Sid": "LocateJobBuckets",
            "Effect": "Allow",
            "Action": ["s3:GetBucketLocation"],
            "Resource": _buckets(partition, everything),
        },
        {
            "Sid": "ReadInput",
            "Effect": "Allow",
            "Action": ["s3:GetObject"],
            "Resource": sorted({_object_arn(partition, loc) for loc in reads}),
        },
        {
            "Sid": "WriteOutput",
            "Effect": "Allow",
            "Action": ["s3:GetObject", "s3:PutObject", "s3:AbortMultipartUpload"],
            "Resource": sorted({_object_arn(partition, loc) for loc in writes}),
        },
        {"Sid": "Metrics", "Effect": "Allow", "Action": ["cloudwatch:PutMetricData"], "Resource": "*"},
        {
            "Sid": "Logs",
            "Effect": "Allow",
            "Action": [
                "logs:CreateLogGroup",
                "logs:CreateLogStream",
                "logs:DescribeLogStreams",
                "logs:PutLogEvents",
            ],
            "Resource": f"arn:{partition}:logs:{region}:{account}:log-group:/aws/sagemaker/*",
        },
    ]
    if lambdas:
        statements.append(
            {
                "Sid": "InvokeTaskLambdas",
                "Effect": "Allow",
                "Action": ["lambda:InvokeFunction"],
                "Resource": sorted(set(lambdas)),
            }
        )
    if topics:
        statements.append(
            {
                "Sid": "StreamingTopics",
                "Effect": "Allow",
                "Action": ["sns:Subscribe", "sns:Publish", "sns:Unsubscribe"],
                "Resource": sorted(set(topics)),
            }
        )
        statements.append(
            {
                "Sid": "StreamingQueue",
                "Effect": "Allow",
                "Action": [
                    "sqs:CreateQueue",
                    "sqs:DeleteMessage",
                    "sqs:GetQueueAttributes",
                    "sqs:GetQueueUrl",
                    "sqs:ReceiveMessage",
                    "sqs:SendMessage",
                    "sqs:SendMessageBatch",
                    "sqs:SetQueueAttributes",
                ],
                "Resource": f"arn:{partition}:sqs:{region}:{account}:GroundTruth*",
            }
        )
    if pass_self:
        statements.append(
            {
                "Sid": "AutomatedLabeling",
                "Effect": "Allow",
                "Action": ["iam:PassRole"],
                "Resource": pass_self,
                "Condition": {"StringEquals": {"iam:PassedToService": "sagemaker.amazonaws.com"}},
            }
        )
    return {"Version": "2012-10-17", "Statement": statements}


def lambda_policy(partition: str, region: str, account: str, reads: list[str]) -> dict[str, Any]:
    """Deployed task Lambdas: write their logs, read the job's files (consolidation reads worker answers)."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "Logs",
                "Effect": "Allow",
                "Action": ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"],
                "Resource": f"arn:{partition}:logs:{region}:{account}:log-group:/aws/lambda/gtops-*",
            },
            {
                "Sid": "ReadJobFiles",
                "Effect": "Allow",
                "Action": ["s3:GetObject"],
                "Resource": sorted({_object_arn(partition, loc) for loc in reads}),
            },
        ],
    }


def normalized(doc: Any) -> Any:
    """Order-insensitive form of a policy document, so a re-read compares equal to what was written."""
    if isinstance(doc, dict):
        return {k: normalized(v) for k, v in sorted(doc.items())}
    if isinstance(doc, list):
        items = [normalized(v) for v in doc]
        if all(isinstance(v, str) for v in items):
            return sorted(items)
        return items
    return doc
