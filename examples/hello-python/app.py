"""Answers both a direct invoke ({"name": "Ada"}) and an HTTP request through /fn/{name},
which arrives as an API Gateway v2 event."""
import json


def handler(event, context):
    http = (event.get("requestContext") or {}).get("http") if isinstance(event, dict) else None
    kind = f"{http.get('method')} {event.get('rawPath')}" if http else "invoke"
    print(f"hello-python {kind} request {context.aws_request_id}")
    if http:
        return {
            "statusCode": 200,
            "headers": {"content-type": "application/json"},
            "body": json.dumps({
                "message": "Hello from Python",
                "path": event.get("rawPath"),
                "query": event.get("queryStringParameters") or {},
                "requestId": context.aws_request_id,
            }),
        }
    name = event.get("name") if isinstance(event, dict) else None
    return {"message": f"Hello, {'world' if name is None else name} from Python", "requestId": context.aws_request_id}
