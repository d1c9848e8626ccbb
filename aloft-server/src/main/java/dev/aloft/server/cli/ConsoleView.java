package dev.aloft.server.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** How functions and other API answers look on a terminal; shared so every command prints alike. */
final class ConsoleView {

    private ConsoleView() {}

    static void printJson(PrintWriter out, JsonNode json) {
        try {
            out.println(ControlClient.JSON.writerWithDefaultPrettyPrinter().writeValueAsString(json));
        } catch (JsonProcessingException e) {
            throw new CliException("cannot print the server's answer: " + e.getOriginalMessage(), e);
        }
    }

    /** One line per field that matters to a person; the rest is in {@code --json}. */
    static void printSummary(PrintWriter out, JsonNode function) {
        String[][] rows = {
                {"name", function.path("name").asText()},
                {"runtime", function.path("runtime").asText()},
                {"handler", function.path("handler").asText()},
                {"memory", function.path("memoryMb").asText() + " MB"},
                {"timeout", function.path("timeoutSeconds").asText() + " s"},
                {"concurrency", function.path("concurrency").asText()},
                {"public", function.path("public").asText()},
                {"environment", String.join(", ", function.path("environment").properties().stream().map(Map.Entry::getKey).toList())},
                {"code", function.path("codeSha256").asText() + " (" + function.path("codeSizeBytes").asText() + " bytes)"},
                {"updated", function.path("updatedAt").asText()},
                {"url", function.path("url").asText()}};
        for (String[] row : rows) {
            out.printf("%-12s %s%n", row[0], row[1]);
        }
    }

    static void printTable(PrintWriter out, List<JsonNode> functions) {
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"NAME", "RUNTIME", "MEMORY", "TIMEOUT", "PUBLIC", "UPDATED"});
        for (JsonNode function : functions) {
            rows.add(new String[] {
                    function.path("name").asText(),
                    function.path("runtime").asText(),
                    function.path("memoryMb").asText() + "MB",
                    function.path("timeoutSeconds").asText() + "s",
                    function.path("public").asText(),
                    function.path("updatedAt").asText()});
        }
        int[] widths = new int[rows.getFirst().length];
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

    /** {@code time  invocation  line}; the id is cut to 8 characters, enough to tell invocations apart. */
    static void printLogLine(PrintWriter out, JsonNode log) {
        String invocationId = log.path("invocationId").asText();
        out.printf("%s  %-8s  %s%n", log.path("time").asText(),
                invocationId.substring(0, Math.min(8, invocationId.length())), log.path("line").asText());
    }

    /** One log entry per line, so {@code --follow --json} can be piped into line-based tools. */
    static void printJsonLine(PrintWriter out, JsonNode json) {
        out.println(json.toString());
    }

    private static String pad(String text, int width) {
        return text + " ".repeat(width - text.length());
    }
}
