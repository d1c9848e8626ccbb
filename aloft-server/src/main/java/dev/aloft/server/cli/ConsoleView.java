package dev.aloft.server.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintWriter;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;

/** How functions and other API answers look on a terminal; shared so every command prints alike. */
final class ConsoleView {

    /** What a table or block shows for a field the server left empty (null). */
    private static final String NONE = "-";

    private ConsoleView() {}

    static void printJson(PrintWriter out, JsonNode json) {
        try {
            out.println(ControlClient.JSON.writerWithDefaultPrettyPrinter().writeValueAsString(json));
        } catch (JsonProcessingException e) {
            throw new CliException("cannot print the server's answer: " + e.getOriginalMessage(), e);
        }
    }

    /** One answer: as JSON with {@code --json}, otherwise the way {@code text} shows it to a person. */
    static void print(PrintWriter out, boolean json, JsonNode answer, BiConsumer<PrintWriter, JsonNode> text) {
        if (json) {
            printJson(out, answer);
        } else {
            text.accept(out, answer);
        }
    }

    /**
     * A list: with {@code --json} wrapped as {@code {"key": [...]}} so the shape can grow, otherwise as a
     * table, or the hint {@code whenEmpty} when there is nothing to tabulate.
     */
    static void printList(PrintWriter out, boolean json, String key, List<JsonNode> items, String whenEmpty,
            BiConsumer<PrintWriter, List<JsonNode>> table) {
        if (json) {
            printJson(out, ControlClient.JSON.createObjectNode().set(key, ControlClient.JSON.valueToTree(items)));
        } else if (items.isEmpty()) {
            out.println(whenEmpty);
        } else {
            table.accept(out, items);
        }
    }

    /** One line per field that matters to a person; the rest is in {@code --json}. */
    static void printSummary(PrintWriter out, JsonNode function) {
        printBlock(out, new String[][] {
                {"name", function.path("name").asText()},
                {"runtime", function.path("runtime").asText()},
                {"handler", function.path("handler").asText()},
                {"memory", function.path("memoryMb").asText() + " MB"},
                {"timeout", function.path("timeoutSeconds").asText() + " s"},
                {"concurrency", function.path("concurrency").asText()},
                {"provisioned", function.path("minInstances").asText() + " (instances kept started)"},
                {"reserved", function.path("reservedConcurrency").asText() + " (instances' memory kept for it)"},
                {"public", function.path("public").asText()},
                {"sensitive", function.path("sensitive").asText()},
                {"environment", String.join(", ", function.path("environment").properties().stream().map(Map.Entry::getKey).toList())},
                {"retries", function.path("maxRetryAttempts").asText() + " (async events)"},
                {"event age", "at most " + function.path("maxEventAgeSeconds").asText() + " s (async events)"},
                {"on success", text(function, "onSuccess")},
                {"on failure", function.path("onFailure").isTextual() ? function.path("onFailure").asText()
                        : "dead-letter list (aloft dlq " + function.path("name").asText() + ")"},
                {"code", function.path("codeSha256").asText() + " (" + function.path("codeSizeBytes").asText() + " bytes)"},
                {"updated", function.path("updatedAt").asText()},
                {"url", function.path("url").asText()}});
    }

    /**
     * One line per version with instances, then how its instances are kept between calls; and
     * whether the node's saturated CPUs hold its scale-out back, when they do or did.
     */
    static void printScaling(PrintWriter out, JsonNode scaling) {
        for (JsonNode pool : scaling.path("pools")) {
            String version = pool.path("version").asText();
            JsonNode instances = pool.path("instances");
            JsonNode keepAlive = pool.path("keepAlive");
            boolean latest = version.equals("$LATEST");
            if (!latest && instances.path("live").asInt() == 0) {
                continue;
            }
            String suffix = latest ? "" : " (" + version + ")";
            printBlock(out, new String[][] {
                    {"instances" + suffix, instances.path("live").asText() + " live: " + instances.path("idle").asText()
                            + " idle, " + instances.path("initialising").asText() + " initialising, "
                            + instances.path("busy").asText() + " busy, " + instances.path("waitingCallers").asText()
                            + " callers waiting"},
                    {"keep-alive" + suffix, keepAlive(keepAlive)}});
        }
        JsonNode cpu = scaling.path("cpu");
        long held = cpu.path("callersHeld").asLong();
        if (cpu.path("nodeSaturated").asBoolean() || held > 0 || cpu.path("quotaCores").isNumber()) {
            String quota = cpu.path("quotaCores").isNumber()
                    ? String.format(" (the server's cgroup allows %.2f cores)", cpu.path("quotaCores").asDouble()) : "";
            printBlock(out, new String[][] {{"cpu", (cpu.path("nodeSaturated").asBoolean()
                    ? "node CPUs saturated" + quota + ": instances start only while they add throughput"
                    : "node CPUs not saturated now" + quota) + "; " + held + " calls waited for a busy instance for that"}});
        }
    }

    private static String keepAlive(JsonNode keepAlive) {
        String keep = seconds(keepAlive.path("keepAliveSeconds").asDouble());
        String counted = keepAlive.path("idleTimesCounted").asText();
        if (!keepAlive.path("learned").asBoolean()) {
            return "default: idle instances kept " + keep + " (learns from 10 idle times; " + counted + " so far)";
        }
        double prewarmAfter = keepAlive.path("prewarmAfterSeconds").asDouble();
        return prewarmAfter > 0
                ? "learned from " + counted + " idle times: none kept for " + seconds(prewarmAfter)
                        + " after a call, then one started and kept until " + keep
                : "learned from " + counted + " idle times: idle instances kept " + keep;
    }

    private static String seconds(double seconds) {
        return seconds >= 120 ? String.format("%.1f min", seconds / 60) : String.format("%.0f s", seconds);
    }

    static void printFunctions(PrintWriter out, List<JsonNode> functions) {
        printTable(out, new String[] {"NAME", "RUNTIME", "MEMORY", "TIMEOUT", "PUBLIC", "UPDATED"},
                functions.stream().map(function -> new String[] {
                        function.path("name").asText(),
                        function.path("runtime").asText(),
                        function.path("memoryMb").asText() + "MB",
                        function.path("timeoutSeconds").asText() + "s",
                        function.path("public").asText(),
                        function.path("updatedAt").asText()}).toList());
    }

    /** How the invocation's instance started: warm, a cold start from a prewarmed process, or cold. */
    private static String start(JsonNode invocation) {
        if (!invocation.path("cold").asBoolean()) {
            return "warm";
        }
        return invocation.path("prewarmed").asBoolean() ? "prewarmed" : "cold";
    }

    /** The full id, not a prefix: it is what {@code aloft invocation} and {@code replay} take. */
    static void printInvocations(PrintWriter out, List<JsonNode> invocations) {
        printTable(out, new String[] {"ID", "FUNCTION", "TRIGGER", "STATUS", "COLD", "DURATION", "BILLED", "RECEIVED"},
                invocations.stream().map(invocation -> new String[] {
                        invocation.path("id").asText(),
                        invocation.path("function").asText(),
                        invocation.path("trigger").asText(),
                        invocation.path("status").asText(),
                        start(invocation),
                        finished(invocation) ? invocation.path("durationMs").asText() + "ms" : NONE,
                        finished(invocation) ? invocation.path("billedMs").asText() + "ms" : NONE,
                        invocation.path("receivedAt").asText()}).toList());
    }

    static void printDeadLetters(PrintWriter out, List<JsonNode> letters) {
        printTable(out, new String[] {"INVOCATION", "CONDITION", "ATTEMPTS", "ERROR", "FAILED"},
                letters.stream().map(letter -> new String[] {
                        letter.path("invocationId").asText(),
                        letter.path("condition").asText(),
                        letter.path("attempts").asText(),
                        error(letter).lines().findFirst().orElse(NONE),
                        letter.path("failedAt").asText()}).toList());
    }

    /** Rates ignore the time zone, so theirs is shown as none rather than a misleading "UTC". */
    static void printSchedules(PrintWriter out, List<JsonNode> schedules) {
        printTable(out, new String[] {"ID", "FUNCTION", "SCHEDULE", "TIMEZONE", "NEXT-FIRE", "LAST-FIRED"},
                schedules.stream().map(schedule -> new String[] {
                        schedule.path("id").asText(),
                        schedule.path("function").asText(),
                        schedule.path("cron").isTextual() ? "cron(" + schedule.path("cron").asText() + ")"
                                : "rate(" + schedule.path("rate").asText() + ")",
                        schedule.path("cron").isTextual() ? schedule.path("timezone").asText() : NONE,
                        nextFire(schedule),
                        schedule.path("lastFired").asText()}).toList());
    }

    /** A cron whose year field has run out fires no more; the API then has no next fire. */
    static String nextFire(JsonNode schedule) {
        return schedule.path("nextFire").isTextual() ? schedule.path("nextFire").asText() : "never";
    }

    /** The code hash cut to 12 characters, enough to tell versions apart; {@code --json} has it whole. */
    static void printVersions(PrintWriter out, List<JsonNode> versions) {
        printTable(out, new String[] {"VERSION", "CODE", "RUNTIME", "MEMORY", "TIMEOUT", "PUBLISHED", "DESCRIPTION"},
                versions.stream().map(version -> new String[] {
                        version.path("version").asText(),
                        shortHash(version.path("codeSha256").asText()),
                        version.path("runtime").asText(),
                        version.path("memoryMb").asText() + "MB",
                        version.path("timeoutSeconds").asText() + "s",
                        version.path("publishedAt").asText(),
                        orNone(version.path("description").asText())}).toList());
    }

    static void printAliases(PrintWriter out, List<JsonNode> aliases) {
        printTable(out, new String[] {"ALIAS", "ROUTES TO", "UPDATED", "DESCRIPTION"},
                aliases.stream().map(alias -> new String[] {
                        alias.path("name").asText(),
                        routing(alias),
                        alias.path("updatedAt").asText(),
                        orNone(alias.path("description").asText())}).toList());
    }

    /** {@code version 1}, or {@code version 1 (90%), version 2 (10%)} for a weighted alias. */
    static String routing(JsonNode alias) {
        String version = "version " + alias.path("version").asText();
        if (!alias.path("additionalVersion").isTextual()) {
            return version;
        }
        BigDecimal additional = BigDecimal.valueOf(alias.path("additionalWeight").asDouble());
        return version + " (" + percent(BigDecimal.ONE.subtract(additional)) + "), version "
                + alias.path("additionalVersion").asText() + " (" + percent(additional) + ")";
    }

    static void printKeys(PrintWriter out, List<JsonNode> keys) {
        printTable(out, new String[] {"ACCESS-KEY-ID", "STATUS", "CREATED", "LAST-USED", "DESCRIPTION"},
                keys.stream().map(key -> new String[] {
                        key.path("accessKeyId").asText(),
                        key.path("disabled").asBoolean() ? "disabled" : "active",
                        key.path("createdAt").asText(),
                        text(key, "lastUsedAt"),
                        orNone(key.path("description").asText())}).toList());
    }

    /** An invocation record as a block: what happened and when, then input, output and log lines. */
    static void printInvocation(PrintWriter out, JsonNode invocation) {
        printBlock(out, new String[][] {
                {"id", invocation.path("id").asText()},
                {"function", invocation.path("function").asText() + " (version " + invocation.path("version").asText()
                        + (invocation.path("qualifier").isTextual() ? ", via " + invocation.path("qualifier").asText() : "") + ")"},
                {"status", invocation.path("status").asText()},
                {"error", error(invocation)},
                {"trigger", invocation.path("trigger").asText()},
                {"attempt", invocation.path("attempt").asText()},
                {"replay of", text(invocation, "replayOf")},
                {"idempotency", text(invocation, "idempotencyKey")},
                {"instance", text(invocation, "instanceId")},
                {"cold", invocation.path("cold").asText()},
                {"prewarmed", invocation.path("prewarmed").asText()},
                {"received", invocation.path("receivedAt").asText()},
                {"started", text(invocation, "startedAt")},
                {"finished", text(invocation, "finishedAt")},
                {"init", invocation.path("initMs").asText() + " ms"},
                {"queue", invocation.path("queueMs").asText() + " ms"},
                {"duration", invocation.path("durationMs").asText() + " ms"},
                {"billed", invocation.path("billedMs").asText() + " ms"},
                {"memory", invocation.path("memoryMb").asText() + " MB"}});
        printPayload(out, invocation, "input");
        printPayload(out, invocation, "output");
        out.println();
        out.println("logs");
        for (JsonNode log : invocation.path("logs")) {
            out.printf("%s  %-6s  %s%n", log.path("time").asText(), log.path("stream").asText(), log.path("line").asText());
        }
    }

    /**
     * A synchronous invocation's result as {@code invoke} and {@code replay} print it: the payload on
     * stdout, or the function's error on stderr; returns the exit code, 1 when the function failed.
     */
    static int printResult(PrintWriter out, PrintWriter err, String subject, ControlClient.Invocation invocation,
                           boolean json) {
        if (json) {
            ObjectNode result = ControlClient.JSON.createObjectNode().put("invocationId", invocation.invocationId());
            result.put("functionError", invocation.functionError().orElse(null));
            result.set("result", invocation.payloadJson());
            printJson(out, result);
        } else if (invocation.functionError().isEmpty()) {
            out.println(invocation.payload());
        } else {
            JsonNode error = invocation.payloadJson();
            err.printf("error: %s failed (%s): %s: %s%n", subject, invocation.functionError().get(),
                    error.path("errorType").asText("Unknown"), error.path("errorMessage").asText(invocation.payload()));
        }
        return invocation.functionError().isPresent() ? 1 : 0;
    }

    /**
     * {@code time  invocation  line}; the id is cut to its last 8 characters, enough to tell
     * invocations apart (its first ones are a timestamp, the same for a minute).
     */
    static void printLogLine(PrintWriter out, JsonNode log) {
        String invocationId = log.path("invocationId").asText();
        out.printf("%s  %-8s  %s%n", log.path("time").asText(),
                invocationId.substring(Math.max(0, invocationId.length() - 8)), log.path("line").asText());
    }

    /** One log entry per line, so {@code --follow --json} can be piped into line-based tools. */
    static void printJsonLine(PrintWriter out, JsonNode json) {
        out.println(json.toString());
    }

    /** Text as it is; a binary payload the API sent as base64 stays base64; none when not kept. */
    private static void printPayload(PrintWriter out, JsonNode invocation, String name) {
        JsonNode text = invocation.path(name);
        JsonNode base64 = invocation.path(name + "Base64");
        String size = invocation.path(name + "Bytes").asText() + " bytes"
                + (invocation.path(name + "Truncated").asBoolean() ? ", truncated" : "")
                + (base64.isTextual() ? ", binary, base64" : "");
        out.println();
        if (text.isTextual() || base64.isTextual()) {
            out.println(name + " (" + size + ")");
            out.println(text.isTextual() ? text.asText() : base64.asText());
        } else {
            out.println(name + " (" + size + ", not kept: the function is sensitive or the ledger keeps no payloads)");
        }
    }

    private static void printBlock(PrintWriter out, String[][] rows) {
        for (String[] row : rows) {
            out.printf("%-12s %s%n", row[0], row[1]);
        }
    }

    private static void printTable(PrintWriter out, String[] header, List<String[]> body) {
        List<String[]> rows = new ArrayList<>();
        rows.add(header);
        rows.addAll(body);
        int[] widths = new int[header.length];
        for (String[] row : rows) {
            for (int column = 0; column < row.length; column++) {
                widths[column] = Math.max(widths[column], row[column].length());
            }
        }
        for (String[] row : rows) {
            StringBuilder line = new StringBuilder();
            for (int column = 0; column < row.length; column++) {
                line.append(column == row.length - 1 ? row[column] : pad(row[column], widths[column] + 2));
            }
            out.println(line);
        }
    }

    /** {@code errorType: errorMessage} of a record or dead letter, or {@link #NONE}. */
    private static String error(JsonNode json) {
        if (!json.path("errorType").isTextual() && !json.path("errorMessage").isTextual()) {
            return NONE;
        }
        return json.path("errorType").asText("Unknown") + ": " + json.path("errorMessage").asText("");
    }

    private static boolean finished(JsonNode invocation) {
        return invocation.path("finishedAt").isTextual();
    }

    private static String text(JsonNode json, String field) {
        return json.path(field).isTextual() ? json.path(field).asText() : NONE;
    }

    private static String shortHash(String sha256) {
        return sha256.substring(0, Math.min(12, sha256.length()));
    }

    private static String percent(BigDecimal fraction) {
        return fraction.movePointRight(2).stripTrailingZeros().toPlainString() + "%";
    }

    private static String orNone(String text) {
        return text.isEmpty() ? NONE : text;
    }

    private static String pad(String text, int width) {
        return text + " ".repeat(width - text.length());
    }
}
