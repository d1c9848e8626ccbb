"""The benchmark's hello handler in Python: the same small JSON HTTP response as hello-node."""
import json


def handler(event, context):
    return {
        "statusCode": 200,
        "headers": {"content-type": "application/json"},
        "body": json.dumps({"message": "hello", "path": event.get("rawPath", "/")}),
    }
