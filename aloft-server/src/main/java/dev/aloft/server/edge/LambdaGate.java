package dev.aloft.server.edge;

import dev.aloft.server.AloftException;
import io.helidon.webserver.http.Handler;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.InstantSource;
import java.util.Optional;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The door to every Lambda API operation: the body is read (bounded), its SigV4 signature
 * verified, and every failure answered in Lambda's error shape, which the AWS SDKs turn into
 * typed exceptions.
 */
final class LambdaGate {

    private static final Logger LOG = Logger.getLogger(LambdaGate.class.getName());

    /** One Lambda operation; it runs only for a correctly signed request. */
    @FunctionalInterface
    interface Operation {
        void handle(ServerRequest req, ServerResponse res, byte[] body);
    }

    private final Authenticator authenticator;
    private final InstantSource clock;

    LambdaGate(Authenticator authenticator, InstantSource clock) {
        this.authenticator = authenticator;
        this.clock = clock;
    }

    Handler signed(int maxBodyBytes, Operation operation) {
        return (req, res) -> {
            try {
                byte[] body = Exchange.body(req, maxBodyBytes, "request body");
                authenticator.verifySigned(req, body);
                operation.handle(req, res, body);
            } catch (AloftException e) {
                LambdaJson.sendError(res, e, clock.instant());
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "Lambda API request " + req.prologue().method().text() + " " + req.path().path()
                        + " failed", e);
                LambdaJson.sendError(res, new AloftException(500, "ServiceException",
                        "internal error: " + e.getMessage() + " (see the server log)"), clock.instant());
            }
        };
    }

    /**
     * The function a {@code /VERSION/functions/{FunctionName}/...} request addresses, with the
     * {@code Qualifier} query parameter. Read from the raw path: the SDKs percent-encode the
     * ':' of ARNs, and the HTTP layer would read a ';' as a matrix parameter.
     */
    static LambdaFunctionRef functionRef(ServerRequest req) {
        String[] segments = req.path().rawPath().split("/");
        if (segments.length < 4 || segments[3].isEmpty()) {
            throw AloftException.invalid("the path names no function: use /VERSION/functions/{FunctionName}");
        }
        String identifier;
        try {
            identifier = URLDecoder.decode(segments[3].replace("+", "%2B"), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw AloftException.invalid("the FunctionName in the path is not correctly percent-encoded: " + segments[3]);
        }
        Optional<String> qualifier = req.query().first("Qualifier").asOptional();
        return LambdaFunctionRef.parse(identifier, qualifier);
    }
}
