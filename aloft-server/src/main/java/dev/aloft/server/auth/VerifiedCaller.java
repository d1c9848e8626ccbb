package dev.aloft.server.auth;

/**
 * Who signed a request, and for which region and service scope. The verifier accepts any scope;
 * an API that serves one service checks {@link #service()} itself.
 */
public record VerifiedCaller(String accessKeyId, String region, String service) {
}
