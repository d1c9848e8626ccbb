package dev.aloft.server.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.aloft.server.AloftException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Stream;

/** The bundled examples ({@code examples/*}/aloft.json under the Aloft directory): what {@code up} and {@code train-aot} deploy. */
final class Examples {

    private Examples() {}

    /**
     * Deploys every example whose code exists; the others are skipped with a warning.
     *
     * @return the deployed functions, as the control API describes them
     */
    static List<JsonNode> deploy(ControlClient client, Consumer<String> warn) {
        Path examples = Path.of(System.getProperty("aloft.home", ".")).resolve("examples").toAbsolutePath().normalize();
        List<JsonNode> deployed = new ArrayList<>();
        for (Path manifest : manifests(examples, warn)) {
            try {
                FunctionSpec spec = FunctionSpec.readManifest(manifest);
                if (!Files.exists(spec.code())) {
                    warn.accept("skipping example " + spec.name() + ": " + spec.code()
                            + " does not exist (build it with ./mvnw -q package)");
                    continue;
                }
                deployed.add(client.deploy(spec));
            } catch (AloftException e) {
                warn.accept("example " + manifest.getParent().getFileName() + " not deployed: " + e.getMessage());
            }
        }
        return deployed;
    }

    private static List<Path> manifests(Path examples, Consumer<String> warn) {
        if (!Files.isDirectory(examples)) {
            warn.accept("no examples at " + examples + " (set -Daloft.home to the Aloft directory)");
            return List.of();
        }
        try (Stream<Path> dirs = Files.list(examples)) {
            return dirs.map(dir -> dir.resolve(FunctionSpec.MANIFEST)).filter(Files::isRegularFile).sorted().toList();
        } catch (IOException e) {
            warn.accept("cannot list " + examples + ": " + e.getMessage());
            return List.of();
        }
    }
}
