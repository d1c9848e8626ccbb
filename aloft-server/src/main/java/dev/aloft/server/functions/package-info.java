/**
 * The function registry: what is deployed, with which configuration and code. Deploys are
 * validated here and stored whole or not at all; code is kept content-addressed by sha256.
 */
package dev.aloft.server.functions;
