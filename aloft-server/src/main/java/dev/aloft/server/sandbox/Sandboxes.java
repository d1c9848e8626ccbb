package dev.aloft.server.sandbox;

import java.io.File;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/** Temporary: plain processes until the real sandbox lands. */
public final class Sandboxes {
    private Sandboxes() {}

    public static Sandbox detect(Path stateDir, List<Path> hiddenPaths) {
        return new Sandbox() {
            @Override
            public String taskRoot(Path codeDir) {
                return codeDir.toAbsolutePath().toString();
            }

            @Override
            public SandboxedProcess launch(LaunchSpec spec) {
                ProcessBuilder builder = new ProcessBuilder(spec.command()).redirectInput(new File("/dev/null"));
                builder.environment().clear();
                builder.environment().putAll(spec.environment());
                builder.directory(spec.codeDir().toFile());
                try {
                    Process p = builder.start();
                    return new SandboxedProcess() {
                        public Process process() { return p; }
                        public boolean outOfMemory() { return false; }
                        public void destroy() { p.destroyForcibly(); }
                    };
                } catch (IOException e) {
                    throw new SandboxException("cannot start " + spec.command() + ": " + e.getMessage(), e);
                }
            }

            @Override
            public List<String> protections() {
                return List.of("none (temporary)");
            }
        };
    }
}
