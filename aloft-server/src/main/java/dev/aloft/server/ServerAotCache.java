package dev.aloft.server;

import java.util.List;

/**
 * Whether this server started with its own AOT cache (JEP 483/515: classes loaded and linked, and
 * method profiles, from a training run on the same build; the {@code aloft} launcher trains and
 * passes it). A cache from another build or JDK is refused by the JVM, which then starts without
 * it and without sharing at all: {@code java.vm.info} drops "sharing".
 */
final class ServerAotCache {

    private static final String FLAG = "-XX:AOTCache=";

    private ServerAotCache() {}

    /** The start-up report's line, from the JVM's arguments and its {@code java.vm.info}. */
    static String describe(List<String> jvmArguments, String vmInfo) {
        String cache = jvmArguments.stream().filter(argument -> argument.startsWith(FLAG))
                .map(argument -> argument.substring(FLAG.length())).reduce((first, last) -> last).orElse(null);
        if (cache == null) {
            return "server start: no AOT cache (./aloft trains one for each build)";
        }
        return vmInfo.contains("sharing") ? "server start: AOT cache " + cache
                : "server start: AOT cache " + cache + " not usable (another build or JDK): started without it";
    }
}
