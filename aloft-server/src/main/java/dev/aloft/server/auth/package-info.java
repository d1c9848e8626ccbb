/**
 * Who is calling: Aloft-issued access keys and AWS Signature Version 4 verification. A part of
 * its own because both the Lambda-compatible API and the native API authenticate with it, and the
 * sealed secrets must stay behind one small face.
 */
package dev.aloft.server.auth;
