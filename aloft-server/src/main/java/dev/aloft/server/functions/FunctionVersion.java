package dev.aloft.server.functions;

/** A published, immutable version: its number, its description and the configuration it runs. */
public record FunctionVersion(int number, String description, FunctionConfig config) {}
