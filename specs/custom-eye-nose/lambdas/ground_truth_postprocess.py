"""Consolidation Lambda: collect every worker's boxes for each object into one label.

Ground Truth sends an S3 URI of the batch's worker answers; the answer for each object is returned
under the job's label attribute name.
"""

import json
from urllib.parse import urlparse

import boto3


def _read_s3_json(uri):
    parsed = urlparse(uri)
    body = boto3.client("s3").get_object(Bucket=parsed.netloc, Key=parsed.path.lstrip("/"))["Body"]
    return json.loads(body.read())


def lambda_handler(event, context):
    label_attribute = event["labelAttributeName"]
    consolidated = []
    for item in _read_s3_json(event["payload"]["s3Uri"]):
        answers = []
        for annotation in item["annotations"]:
            content = json.loads(annotation["annotationData"]["content"])
            answers.append({"workerId": annotation["workerId"], "annotation": content})
        consolidated.append(
            {
                "datasetObjectId": item["datasetObjectId"],
                "consolidatedAnnotation": {"content": {label_attribute: {"workers": answers}}},
            }
        )
    return consolidated
