package dev.aloft.server.edge;

import com.fasterxml.jackson.databind.JsonNode;
import dev.aloft.server.AloftException;
import dev.aloft.server.functions.Alias;
import dev.aloft.server.functions.FunctionConfig;
import dev.aloft.server.functions.InvalidSettingException;
import dev.aloft.server.functions.Runtime;
import dev.aloft.server.functions.Setting;
import dev.aloft.server.instances.ThrottledException;
import io.helidon.http.Status;
import io.helidon.webserver.http.ServerResponse;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Pattern;

/** The JSON shapes of the Lambda API (FunctionConfiguration, errors) and its runtime names. */
final class LambdaJson {

    /** Lambda's timestamps: {@code 2026-11-26T10:00:00.000+0000}. */
    private static final DateTimeFormatter LAST_MODIFIED = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSZ", Locale.ROOT)
            .withZone(ZoneOffset.UTC);
    private static final Pattern PYTHON = Pattern.compile("python3\\.\\d+");
    /** Aloft runs no IAM; a function created without a role reports this one. */
    static final String DEFAULT_ROLE = "arn:aws:iam::" + LambdaFunctionRef.ACCOUNT + ":role/aloft-function";
    /**
     * A throttled call waited the whole queue wait already; an instance frees up when one of its
     * calls ends, which Aloft cannot foresee, so this is only a hint to back off.
     */
    private static final String THROTTLE_RETRY_AFTER_SECONDS = "1";

    private LambdaJson() {}

    /**
     * Maps a Lambda runtime identifier to the Aloft runtime that runs it: a newer language
     * version of the same family runs on the one Aloft has.
     */
    static Runtime runtime(String lambdaRuntime) {
        return switch (lambdaRuntime) {
            case "java21", "java25" -> Runtime.JAVA25;
            case "nodejs20.x", "nodejs22.x" -> Runtime.NODEJS20;
            case "provided", "provided.al2", "provided.al2023" -> Runtime.PROVIDED;
            default -> {
                if (PYTHON.matcher(lambdaRuntime).matches()) {
                    yield Runtime.PYTHON3;
                }
                throw AloftException.invalid("Value " + lambdaRuntime + " at 'runtime' failed to satisfy constraint: "
                        + "Aloft runs java21, java25, nodejs20.x, nodejs22.x, python3.N, provided, provided.al2 and "
                        + "provided.al2023");
            }
        };
    }

    /**
     * The Lambda identifier reported for an Aloft runtime. Aloft stores the runtime it runs, not
     * the identifier it was created with, so this names what actually runs.
     */
    static String lambdaRuntime(Runtime runtime) {
        return switch (runtime) {
            case JAVA25 -> "java25";
            case NODEJS20 -> "nodejs20.x";
            case PYTHON3 -> "python3.11";
            case PROVIDED -> "provided.al2023";
        };
    }

    /** A FunctionConfiguration; {@code role} is echoed when the request carried one. */
    static Map<String, Object> configuration(FunctionConfig f, Optional<String> role) {
        Map<String, Object> view = new LinkedHashMap<>();
        view.put("FunctionName", f.name());
        view.put("FunctionArn", LambdaFunctionRef.arn(f.name())
                + (f.version().equals(FunctionConfig.LATEST) ? "" : ":" + f.version()));
        view.put("Runtime", lambdaRuntime(f.runtime()));
        view.put("Role", role.orElse(DEFAULT_ROLE));
        view.put("Handler", f.handler());
        view.put("CodeSize", f.codeSizeBytes());
        view.put("Description", "");
        view.put("Timeout", f.timeoutSeconds());
        view.put("MemorySize", f.memoryMb());
        view.put("LastModified", lastModified(f.updatedAt()));
        view.put("CodeSha256", codeSha256(f.codeSha256()));
        view.put("Version", f.version());
        view.put("Environment", Map.of("Variables", f.environment()));
        view.put("TracingConfig", Map.of("Mode", "PassThrough"));
        view.put("RevisionId", revisionId(f));
        view.put("State", "Active");
        view.put("LastUpdateStatus", "Successful");
        view.put("PackageType", "Zip");
        view.put("Architectures", List.of("x86_64"));
        return view;
    }

    /** An AliasConfiguration. */
    static Map<String, Object> alias(Alias a) {
        Map<String, Object> view = new LinkedHashMap<>();
        view.put("AliasArn", LambdaFunctionRef.arn(a.functionName()) + ":" + a.name());
        view.put("Name", a.name());
        view.put("FunctionVersion", a.version());
        view.put("Description", a.description());
        if (a.additionalVersion().isPresent()) {
            view.put("RoutingConfig", Map.of("AdditionalVersionWeights", Map.of(a.additionalVersion().get(), a.additionalWeight())));
        }
        view.put("RevisionId", new UUID(a.updatedAt().toEpochMilli(), a.name().hashCode()).toString());
        return view;
    }

    static String lastModified(Instant instant) {
        return LAST_MODIFIED.format(instant);
    }

    /** Lambda reports the base64 of the SHA-256, where Aloft stores it in hex. */
    static String codeSha256(String hex) {
        return Base64.getEncoder().encodeToString(HexFormat.of().parseHex(hex));
    }

    /** Changes with every deploy; shaped like Lambda's (a UUID) for clients that parse it. */
    private static String revisionId(FunctionConfig f) {
        return new UUID(f.createdAt().toEpochMilli(), f.revision()).toString();
    }

    /** Lambda's error answer: the type in {@code x-amzn-ErrorType}, the message in the body. */
    static void sendError(ServerResponse res, AloftException e, Instant now) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("Type", e.httpStatus() >= 500 ? "Service" : "User");
        body.put("message", message(e));
        if (e instanceof ThrottledException throttled) {
            body.put("Reason", throttleReason(throttled.limit()));
            res.header("Retry-After", THROTTLE_RETRY_AFTER_SECONDS);
        }
        // The SDKs correct their clock from Date when a signature is refused for skew.
        res.header("Date", DateTimeFormatter.RFC_1123_DATE_TIME.format(now.atOffset(ZoneOffset.UTC)))
                .header("x-amzn-ErrorType", lambdaErrorType(e.errorType()));
        Exchange.sendJson(res, e.httpStatus(), body);
    }

    /** The error's message in the Lambda API's terms, where the native API's would not fit. */
    private static String message(AloftException e) {
        return switch (e) {
            case ThrottledException throttled -> throttled.situation() + "; " + throttleAdvice(throttled.limit());
            case InvalidSettingException refused -> refused.message(LambdaJson::settingName);
            default -> e.getMessage();
        };
    }

    /** The Lambda API's name for a setting; Aloft's own (no Lambda equivalent) keep their native names. */
    private static String settingName(Setting setting) {
        return switch (setting) {
            case CODE -> "ZipFile";
            case HANDLER -> "Handler";
            case MEMORY -> "MemorySize";
            case TIMEOUT -> "Timeout";
            case ENVIRONMENT -> "Environment";
            case RESERVED_CONCURRENCY -> "ReservedConcurrentExecutions";
            case MAX_RETRY_ATTEMPTS -> "MaximumRetryAttempts";
            case MAX_EVENT_AGE -> "MaximumEventAgeInSeconds";
            case CONCURRENCY, MIN_INSTANCES -> Setting.NATIVE.of(setting);
        };
    }

    /**
     * Lambda's throttle reason: its reserved-concurrency reason for the function's own limit (in
     * Aloft every function has one), its account-wide reason for what the node runs out of.
     */
    private static String throttleReason(ThrottledException.Limit limit) {
        return switch (limit) {
            case FUNCTION_CONCURRENCY -> "ReservedFunctionConcurrentInvocationLimitExceeded";
            case STARTS_UNDER_WAY, NODE_MEMORY -> "ConcurrentInvocationLimitExceeded";
        };
    }

    /** What a Lambda API user can do about a throttle, in the operations they have. */
    private static String throttleAdvice(ThrottledException.Limit limit) {
        return switch (limit) {
            case FUNCTION_CONCURRENCY -> "retry later, or raise its reserved concurrency (PutFunctionConcurrency)";
            case STARTS_UNDER_WAY -> "retry in a moment";
            case NODE_MEMORY -> "retry later, or lower other functions' MemorySize or reserved concurrency";
        };
    }

    /** Lambda's name for an Aloft error type, where they differ; the SDKs pick exception classes by it. */
    private static String lambdaErrorType(String errorType) {
        return errorType.equals("RequestEntityTooLargeException") ? "RequestTooLargeException" : errorType;
    }

    static void sendNoContent(ServerResponse res) {
        res.status(Status.NO_CONTENT_204).send();
    }

    // Readers of request fields, with Lambda's parameter names in the messages.

    static Optional<String> text(JsonNode body, String field) {
        JsonNode value = body.get(field);
        if (value == null || value.isNull()) {
            return Optional.empty();
        }
        if (!value.isTextual()) {
            throw AloftException.invalid(field + " must be a string, got " + value);
        }
        return Optional.of(value.asText());
    }

    static Optional<Integer> integer(JsonNode body, String field) {
        JsonNode value = body.get(field);
        if (value == null || value.isNull()) {
            return Optional.empty();
        }
        return Optional.of(Exchange.wholeNumber(field, value));
    }

    /** {@code Environment.Variables}, when the request sets the environment. */
    static Optional<Map<String, String>> environment(JsonNode body) {
        JsonNode env = body.get("Environment");
        if (env == null || env.isNull()) {
            return Optional.empty();
        }
        JsonNode variables = env.get("Variables");
        if (variables == null || variables.isNull()) {
            return Optional.of(Map.of());
        }
        if (!variables.isObject()) {
            throw AloftException.invalid("Environment.Variables must be an object of string values");
        }
        Map<String, String> result = new LinkedHashMap<>();
        for (var field : variables.properties()) {
            if (!field.getValue().isTextual()) {
                throw AloftException.invalid("Environment variable " + field.getKey() + " must be a string");
            }
            result.put(field.getKey(), field.getValue().asText());
        }
        return Optional.of(result);
    }

    /** The base64 archive in {@code node.ZipFile}; {@code field} is its name in messages. */
    static byte[] zipFile(JsonNode node, String field) {
        Optional<String> zip = text(node, "ZipFile");
        if (zip.isEmpty()) {
            throw AloftException.invalid(field + " is required: Aloft takes code as a base64 .zip "
                    + "(S3 locations and container images are not supported)");
        }
        try {
            return Base64.getMimeDecoder().decode(zip.get());
        } catch (IllegalArgumentException e) {
            throw AloftException.invalid(field + " is not valid base64: " + e.getMessage());
        }
    }
}
