"""Pre-annotation Lambda: hand one manifest line to the worker template as task.input."""


def lambda_handler(event, context):
    data = event["dataObject"]
    source = data.get("source-ref") or data.get("source")
    return {
        "taskInput": {"taskObject": source},
        "isHumanAnnotationRequired": "true",
    }
