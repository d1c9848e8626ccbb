"""Sleeps for the event's `ms` (default 0): holds an instance busy so concurrent invokes start many."""
import time


def handler(event, context):
    ms = (event or {}).get("ms", 0)
    time.sleep(ms / 1000)
    return {"sleptMs": ms}
