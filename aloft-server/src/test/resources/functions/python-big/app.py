"""Answers with event["mb"] megabytes of text: for the Runtime API's 6 MB response limit."""


def handler(event, context):
    return {"text": "x" * (event["mb"] * 1024 * 1024)}
