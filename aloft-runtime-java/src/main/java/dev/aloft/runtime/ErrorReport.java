package dev.aloft.runtime;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The error document of the Runtime API. Written by hand rather than with Jackson so that a
 * stream handler's process, or one whose handler failed to load, never pays for Jackson's start.
 *
 * @param errorType  Lambda's type: the exception's full class name, or {@code Runtime.*} for init
 * @param stackTrace frames as {@code class.method(File.java:line)}, innermost first
 */
record ErrorReport(String errorMessage, String errorType, List<String> stackTrace) {

    ErrorReport {
        stackTrace = List.copyOf(stackTrace);
    }

    /** Reports what a handler threw, seen through the wrappers reflection and the runtime add. */
    static ErrorReport ofFunctionError(Throwable thrown) {
        Throwable error = thrown instanceof FunctionFailedException wrapper ? wrapper.getCause() : thrown;
        return new ErrorReport(messageOf(error), error.getClass().getName(), frames(error));
    }

    static ErrorReport ofInitError(HandlerInitException failure) {
        Throwable cause = failure.getCause();
        return new ErrorReport(failure.getMessage(), failure.errorType(),
                cause == null ? List.of() : frames(cause));
    }

    byte[] toJson() {
        var json = new StringBuilder(256)
                .append("{\"errorMessage\":").append(quote(errorMessage))
                .append(",\"errorType\":").append(quote(errorType))
                .append(",\"stackTrace\":[");
        for (int i = 0; i < stackTrace.size(); i++) {
            json.append(i == 0 ? "" : ",").append(quote(stackTrace.get(i)));
        }
        return json.append("]}").toString().getBytes(StandardCharsets.UTF_8);
    }

    private static String messageOf(Throwable error) {
        String message = error.getMessage();
        return message == null ? error.getClass().getName() : message;
    }

    private static List<String> frames(Throwable error) {
        var frames = new ArrayList<String>();
        for (StackTraceElement frame : error.getStackTrace()) {
            // Lambda's format: no module or class loader prefix, which StackTraceElement.toString adds.
            frames.add(frame.getClassName() + "." + frame.getMethodName() + "("
                    + (frame.getFileName() == null ? "Unknown Source" : frame.getFileName())
                    + (frame.getLineNumber() >= 0 ? ":" + frame.getLineNumber() : "") + ")");
        }
        return frames;
    }

    private static String quote(String text) {
        var quoted = new StringBuilder(text.length() + 2).append('"');
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            switch (c) {
                case '"' -> quoted.append("\\\"");
                case '\\' -> quoted.append("\\\\");
                case '\n' -> quoted.append("\\n");
                case '\r' -> quoted.append("\\r");
                case '\t' -> quoted.append("\\t");
                default -> {
                    if (c < 0x20) {
                        quoted.append(String.format("\\u%04x", (int) c));
                    } else {
                        quoted.append(c);
                    }
                }
            }
        }
        return quoted.append('"').toString();
    }
}
