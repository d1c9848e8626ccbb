package dev.aloft.server.it;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The native function list pages by name, so a node with thousands of functions answers in parts. */
class FunctionListPagingTest {

    private static List<String> names(JsonNode page) {
        List<String> names = new ArrayList<>();
        page.path("functions").forEach(f -> names.add(f.path("name").asText()));
        return names;
    }

    @Test
    void pagesFollowEachOtherByNameAndBadLimitsAreRefused() {
        try (TestPlatform platform = TestPlatform.start(s -> s.with("prewarm", "none"))) {
            byte[] zip = TestPlatform.zip(TestPlatform.FUNCTIONS.resolve("shell-echo"));
            for (String name : List.of("echo", "delta", "alpha", "charlie", "bravo")) {
                assertThat(platform.deploy(name, TestPlatform.deployBody("provided", "echo", zip)).statusCode()).isEqualTo(201);
            }
            JsonNode first = TestPlatform.parse(platform.get("/api/v1/functions?limit=2").body());
            assertThat(names(first)).containsExactly("alpha", "bravo");
            assertThat(first.path("nextAfter").asText()).isEqualTo("bravo");
            JsonNode second = TestPlatform.parse(platform.get("/api/v1/functions?limit=2&after=bravo").body());
            assertThat(names(second)).containsExactly("charlie", "delta");
            JsonNode last = TestPlatform.parse(platform.get("/api/v1/functions?limit=2&after=delta").body());
            assertThat(names(last)).containsExactly("echo");
            assertThat(last.has("nextAfter")).isFalse();
            assertThat(names(TestPlatform.parse(platform.get("/api/v1/functions").body())))
                    .containsExactly("alpha", "bravo", "charlie", "delta", "echo");

            for (String bad : List.of("0", "1001", "ten")) {
                var response = platform.get("/api/v1/functions?limit=" + bad);
                assertThat(response.statusCode()).as(bad).isEqualTo(400);
                assertThat(response.body()).contains("limit must be");
            }
        }
    }
}
