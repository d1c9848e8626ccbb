package dev.aloft.server.auth;

import dev.aloft.server.AloftException;

/**
 * The 403s AWS answers to badly signed requests. The error types are the ones the AWS SDKs turn
 * into typed exceptions (and use to detect clock skew), so they must match AWS's exactly.
 */
final class SigV4Errors {

    private SigV4Errors() {
    }

    static AloftException missingAuthenticationToken() {
        return new AloftException(403, "MissingAuthenticationTokenException", "Missing Authentication Token: sign "
                + "the request with AWS Signature Version 4 (AWS4-HMAC-SHA256) using an Aloft access key");
    }

    static AloftException incompleteSignature(String message) {
        return new AloftException(403, "IncompleteSignatureException", message);
    }

    static AloftException unrecognizedClient() {
        return new AloftException(403, "UnrecognizedClientException", "The security token included in the request is invalid.");
    }

    static AloftException signatureMismatch() {
        return invalidSignature("The request signature we calculated does not match the signature you provided. "
                + "Check your AWS Secret Access Key and signing method.");
    }

    static AloftException invalidSignature(String message) {
        return new AloftException(403, "InvalidSignatureException", message);
    }
}
