package dev.aloft.server.it;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.ByteArrayOutputStream;
import java.math.BigDecimal;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.util.Base64;
import java.util.List;
import java.util.Random;
import java.util.function.Consumer;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

import static org.assertj.core.api.Assertions.assertThat;

/** Every kind of bad input gets a clear 4xx that says what to fix, and leaves nothing half-created. */
class BadInputTest {

    static TestPlatform platform;
    static final byte[] ECHO = TestPlatform.zip(TestPlatform.FUNCTIONS.resolve("shell-echo"));

    @BeforeAll
    static void start() {
        platform = TestPlatform.start();
        platform.deployFunction("existing", "provided", "echo", "shell-echo");
    }

    @AfterAll
    static void stop() {
        platform.close();
    }

    private static void assertRejected(String name, Consumer<ObjectNode> edit, int status, String messagePart) {
        ObjectNode body = TestPlatform.deployBody("provided", "echo", ECHO);
        edit.accept(body);
        HttpResponse<String> response = platform.deploy(name, body);
        assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
        assertThat(TestPlatform.parse(response.body()).path("message").asText()).contains(messagePart);
        if (name.matches("[A-Za-z0-9_-]{1,64}")) {
            assertThat(platform.get("/api/v1/functions/" + name).statusCode()).as("nothing half-created").isEqualTo(404);
        }
    }

    @Test
    void unknownRuntime() {
        assertRejected("f1", b -> b.put("runtime", "cobol85"), 400, "unknown runtime 'cobol85'; choose one of java25, nodejs20, python3, provided");
    }

    @Test
    void missingHandler() {
        assertRejected("f2", b -> b.remove("handler"), 400, "handler is required");
    }

    @Test
    void corruptArchive() {
        assertRejected("f3", b -> b.put("zipBase64", Base64.getEncoder().encodeToString("this is not a zip".getBytes())),
                400, "not a valid .zip or .jar");
    }

    @Test
    void emptyArchive() {
        assertRejected("f4", b -> b.put("zipBase64", ""), 400, "code is empty");
        assertRejected("f4", b -> b.put("zipBase64", Base64.getEncoder().encodeToString(TestPlatform.zipOf(List.of()))),
                400, "not a valid .zip or .jar, or it is empty");
    }

    @Test
    void zipSlipIsRefusedAndWritesNothingOutside() throws Exception {
        byte[] evil = TestPlatform.zipOf(List.<String[]>of(new String[]{"bootstrap", "#!/bin/sh\n"},
                new String[]{"../../escaped.txt", "gotcha"}));
        assertRejected("f5", b -> b.put("zipBase64", Base64.getEncoder().encodeToString(evil)), 400, "points outside the code directory");
        try (var files = Files.walk(platform.dataDir)) {
            assertThat(files.filter(p -> p.getFileName().toString().equals("escaped.txt"))).isEmpty();
        }
        assertThat(platform.dataDir.getParent().resolve("escaped.txt")).doesNotExist();
    }

    @ParameterizedTest
    @ValueSource(strings = {"has%20space", "semi;colon", "dot.ted",
            "a1234567890123456789012345678901234567890123456789012345678901234"})
    void invalidNames(String name) {
        assertRejected(name, b -> {}, 400, "is invalid: use 1 to 64 letters, digits, '-' or '_'");
    }

    @Test
    void memoryAndTimeoutOutOfRange() {
        assertRejected("f6", b -> b.put("memoryMb", 64), 400, "memoryMb must be between 128 and 10240 MB, got 64");
        assertRejected("f6", b -> b.put("memoryMb", 20_000), 400, "memoryMb must be between 128 and 10240 MB");
        assertRejected("f6", b -> b.put("timeoutSeconds", 0), 400, "timeoutSeconds must be between 1 and 900, got 0");
        assertRejected("f6", b -> b.put("timeoutSeconds", 901), 400, "timeoutSeconds must be between 1 and 900");
        assertRejected("f6", b -> b.put("memoryMb", "lots"), 400, "memoryMb must be a whole number");
    }

    @Test
    void wholeNumbersAreTakenInAnyJsonNotationAndFractionsAreRefused() {
        ObjectNode body = TestPlatform.deployBody("provided", "echo", ECHO);
        body.put("memoryMb", 512.0);
        body.put("timeoutSeconds", new BigDecimal("3E+1"));
        HttpResponse<String> deployed = platform.deploy("f8", body);
        assertThat(deployed.statusCode()).as(deployed.body()).isEqualTo(201);
        assertThat(TestPlatform.parse(deployed.body()).path("memoryMb").asInt()).isEqualTo(512);
        assertThat(TestPlatform.parse(deployed.body()).path("timeoutSeconds").asInt()).isEqualTo(30);

        assertRejected("f9", b -> b.put("memoryMb", 512.5), 400, "memoryMb must be a whole number, got 512.5");
        assertRejected("f9", b -> b.put("memoryMb", 1e10), 400, "memoryMb is out of range, got 1.0E10");
    }

    @Test
    void badJsonBody() {
        var response = platform.send(HttpRequest.newBuilder(platform.url("/api/v1/functions/f7"))
                .PUT(HttpRequest.BodyPublishers.ofString("{not json")));
        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(response.body()).contains("request body is not valid JSON");
    }

    @Test
    void failedRedeployLeavesTheFunctionAsItWas() {
        String before = platform.get("/api/v1/functions/existing").body();
        assertRejected("existing-copy", b -> b.put("runtime", "nope"), 400, "unknown runtime");
        ObjectNode bad = TestPlatform.deployBody("provided", "echo", "garbage".getBytes());
        assertThat(platform.deploy("existing", bad).statusCode()).isEqualTo(400);
        assertThat(platform.get("/api/v1/functions/existing").body()).isEqualTo(before);
        assertThat(platform.invoke("existing", "{\"still\":true}").body()).isEqualTo("{\"echo\":{\"still\":true}}");
    }

    @Test
    void invokeOfMissingFunctionNamesIt() {
        var response = platform.invoke("ghost", "{}");
        assertThat(response.statusCode()).isEqualTo(404);
        assertThat(response.body()).contains("function 'ghost' does not exist");
    }

    @Test
    void aDeployOverTwentyMillionBase64CharactersIsNotRefusedAsBadJson() throws Exception {
        // 16 MB that does not compress: its base64 is longer than Jackson's default string cap.
        byte[] padding = new byte[16 * 1024 * 1024];
        new Random(7).nextBytes(padding);
        ByteArrayOutputStream zip = new ByteArrayOutputStream();
        try (ZipOutputStream out = new ZipOutputStream(zip)) {
            out.putNextEntry(new ZipEntry("bootstrap"));
            out.write(Files.readAllBytes(TestPlatform.FUNCTIONS.resolve("shell-echo/bootstrap")));
            out.putNextEntry(new ZipEntry("padding.bin"));
            out.write(padding);
        }
        ObjectNode body = TestPlatform.deployBody("provided", "echo", zip.toByteArray());
        assertThat(body.path("zipBase64").asText().length()).isGreaterThan(20_000_000);

        HttpResponse<String> response = platform.deploy("big-code", body);
        assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
        assertThat(platform.invoke("big-code", "{\"big\":true}").body()).isEqualTo("{\"echo\":{\"big\":true}}");
    }

    @Test
    void payloadOverSixMegabytesIs413() {
        String big = "{\"x\":\"" + "a".repeat(6 * 1024 * 1024) + "\"}";
        var response = platform.invoke("existing", big);
        assertThat(response.statusCode()).isEqualTo(413);
        assertThat(response.body()).contains("the limit is 6291456 bytes");
    }

    @Test
    void controlCallsWithoutAValidCredentialAre401() {
        var none = platform.sendRaw(HttpRequest.newBuilder(platform.url("/api/v1/functions")).GET());
        assertThat(none.statusCode()).isEqualTo(401);
        assertThat(none.body()).contains("needs a credential");
        var wrong = platform.sendRaw(HttpRequest.newBuilder(platform.url("/api/v1/functions/existing/invoke"))
                .header("Authorization", "Bearer not-the-token").POST(HttpRequest.BodyPublishers.ofString("{}")));
        assertThat(wrong.statusCode()).isEqualTo(401);
        var deploy = platform.sendRaw(HttpRequest.newBuilder(platform.url("/api/v1/functions/sneaky"))
                .PUT(HttpRequest.BodyPublishers.ofString(TestPlatform.deployBody("provided", "x", ECHO).toString())));
        assertThat(deploy.statusCode()).isEqualTo(401);
        assertThat(platform.get("/api/v1/functions/sneaky").statusCode()).isEqualTo(404);
    }

    @Test
    void privateFunctionUrlNeedsTheCredentialAndPublicOneDoesNot() {
        var anonymous = platform.sendRaw(HttpRequest.newBuilder(platform.url("/fn/existing")).GET());
        assertThat(anonymous.statusCode()).isEqualTo(401);
        var withToken = platform.send(HttpRequest.newBuilder(platform.url("/fn/existing")).GET());
        assertThat(withToken.statusCode()).isEqualTo(200);

        ObjectNode publicBody = TestPlatform.deployBody("provided", "echo", ECHO);
        publicBody.put("public", true);
        assertThat(platform.deploy("open", publicBody).statusCode()).isEqualTo(201);
        assertThat(platform.sendRaw(HttpRequest.newBuilder(platform.url("/fn/open")).GET()).statusCode()).isEqualTo(200);
    }
}
