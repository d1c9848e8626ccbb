def handler(event, context):
    return {"echo": event, "fn": context.function_name,
            "remaining_positive": context.get_remaining_time_in_millis() > 0}
