package dev.aloft.server.events;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.aloft.server.AloftException;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Optional;
import java.util.UUID;

/**
 * The payload a scheduled invocation receives: EventBridge's "Scheduled Event", so handlers
 * written for AWS run unchanged, or the user's constant input in its place.
 */
public final class ScheduledEvent {

    /** EventBridge's events name an account; ours has none, so it is the all-zero placeholder. */
    public static final String ACCOUNT = "000000000000";

    private static final ObjectMapper JSON =
            new ObjectMapper().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
    private static final int QUOTED_INPUT_CHARS = 60;

    private ScheduledEvent() {}

    /**
     * The event EventBridge sends for a scheduled rule, with the rule named after the schedule:
     * {@code {"version":"0","id":…,"detail-type":"Scheduled Event","source":"aws.events",
     * "account":"000000000000","time":"2026-11-26T10:00:00Z","region":…,
     * "resources":["arn:aws:events:REGION:000000000000:rule/NAME"],"detail":{}}}.
     */
    public static byte[] scheduledEvent(String scheduleName, Instant fireTime, String region, UUID id) {
        ObjectNode event = JSON.createObjectNode()
                .put("version", "0")
                .put("id", id.toString())
                .put("detail-type", "Scheduled Event")
                .put("source", "aws.events")
                .put("account", ACCOUNT)
                .put("time", fireTime.truncatedTo(ChronoUnit.SECONDS).toString())
                .put("region", region);
        event.putArray("resources").add("arn:aws:events:" + region + ":" + ACCOUNT + ":rule/" + scheduleName);
        event.putObject("detail");
        return event.toString().getBytes(StandardCharsets.UTF_8);
    }

    /**
     * What to invoke with: the user's {@code --input} verbatim if given (as EventBridge's constant
     * input replaces the event), else {@link #scheduledEvent}.
     *
     * @throws AloftException 400 if the input is not JSON
     */
    public static byte[] payloadFor(Optional<String> inputJson, String scheduleName, Instant fireTime,
            String region, UUID id) {
        if (inputJson.isPresent()) {
            return requireJson(inputJson.get()).getBytes(StandardCharsets.UTF_8);
        }
        return scheduledEvent(scheduleName, fireTime, region, id);
    }

    /**
     * Returns {@code input} unchanged if it is one JSON value; call it when the schedule is added,
     * so a typo is reported then rather than at every fire.
     *
     * @throws AloftException 400 saying where the JSON breaks
     */
    public static String requireJson(String input) {
        JsonNode parsed;
        try {
            parsed = JSON.readTree(input);
        } catch (JsonProcessingException e) {
            String where = e.getLocation() == null ? ""
                    : " at line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr();
            throw AloftException.invalid("input " + quoted(input) + " is not valid JSON: " + e.getOriginalMessage()
                    + where + "; pass a JSON document such as '{\"key\": \"value\"}'");
        }
        if (parsed.isMissingNode()) {
            throw AloftException.invalid("input is empty; pass a JSON document such as '{\"key\": \"value\"}' "
                    + "or leave the input out to send the scheduled event");
        }
        return input;
    }

    private static String quoted(String input) {
        return "'" + (input.length() <= QUOTED_INPUT_CHARS ? input : input.substring(0, QUOTED_INPUT_CHARS) + "…")
                + "'";
    }
}
