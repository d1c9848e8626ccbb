package dev.aloft.server.functions;

import dev.aloft.server.AloftException;
import dev.aloft.server.store.Database;

import java.time.InstantSource;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Pattern;

/**
 * Published versions and aliases, and the resolution every invocation goes through:
 * {@code NAME}, {@code NAME:$LATEST}, {@code NAME:7} or {@code NAME:ALIAS} to the configuration
 * that runs. Versions are immutable, so they are cached for good; aliases until they change.
 */
public final class FunctionVersions {

    private static final Pattern VERSION_NUMBER = Pattern.compile("[1-9][0-9]{0,8}");
    private static final Pattern ALIAS_NAME = Pattern.compile("(?!^[0-9]+$)[A-Za-z0-9_-]{1,128}");

    private final FunctionRegistry registry;
    private final VersionRepository repository;
    private final Database database;
    private final InstantSource clock;
    private final ConcurrentMap<String, FunctionVersion> versionCache = new ConcurrentHashMap<>();
    private final ConcurrentMap<String, Optional<Alias>> aliasCache = new ConcurrentHashMap<>();

    public FunctionVersions(FunctionRegistry registry, Database database, InstantSource clock) {
        this.registry = registry;
        this.database = database;
        this.repository = new VersionRepository(database);
        this.clock = clock;
        registry.beforeDelete((c, name) -> repository.deleteAll(c, name));
        registry.onChange(change -> {
            if (change.deleted()) {
                versionCache.keySet().removeIf(key -> key.startsWith(change.name() + ":"));
                aliasCache.keySet().removeIf(key -> key.startsWith(change.name() + ":"));
            }
        });
    }

    /** What a caller asked for: a function and optionally a version or alias. */
    public record Qualified(String name, Optional<String> qualifier) {
        /** Parses {@code NAME} or {@code NAME:QUALIFIER}. */
        public static Qualified parse(String qualifiedName) {
            int colon = qualifiedName.indexOf(':');
            String name = colon < 0 ? qualifiedName : qualifiedName.substring(0, colon);
            DeployRequest.validateName(name);
            Optional<String> qualifier = colon < 0 ? Optional.empty() : Optional.of(qualifiedName.substring(colon + 1));
            if (qualifier.isPresent() && qualifier.get().isEmpty()) {
                throw AloftException.invalid("'" + qualifiedName + "' has an empty qualifier: use NAME, NAME:VERSION or NAME:ALIAS");
            }
            return new Qualified(name, qualifier);
        }
    }

    /**
     * The configuration an invocation of {@code target} runs, under the function's current
     * concurrency limit; weighted aliases pick per call.
     */
    public FunctionConfig resolve(Qualified target) {
        FunctionConfig latest = registry.get(target.name());
        if (target.qualifier().isEmpty() || target.qualifier().get().equals(FunctionConfig.LATEST)) {
            return latest;
        }
        String qualifier = target.qualifier().get();
        if (VERSION_NUMBER.matcher(qualifier).matches()) {
            return version(target.name(), Integer.parseInt(qualifier)).config().limitedAs(latest);
        }
        Alias alias = alias(target.name(), qualifier);
        String chosen = alias.additionalVersion().isPresent()
                && ThreadLocalRandom.current().nextDouble() < alias.additionalWeight()
                ? alias.additionalVersion().get() : alias.version();
        return chosen.equals(FunctionConfig.LATEST) ? latest
                : version(target.name(), Integer.parseInt(chosen)).config().limitedAs(latest);
    }

    /**
     * Publishes $LATEST as a new immutable version — or returns the newest version when $LATEST
     * has not changed since it was published, as Lambda does.
     */
    public FunctionVersion publish(String name, String description) {
        FunctionConfig latest = registry.get(name);
        return database.inTransaction(c -> {
            Optional<FunctionVersion> newest = repository.latest(c, name);
            if (newest.isPresent() && newest.get().config().sameDeploymentAs(latest)) {
                return newest.get();
            }
            int number = newest.map(v -> v.number() + 1).orElse(1);
            FunctionVersion version = new FunctionVersion(number, description,
                    latest.asVersion(number, clock.instant().truncatedTo(ChronoUnit.MILLIS)));
            repository.insert(c, version);
            return version;
        });
    }

    public List<FunctionVersion> versions(String name) {
        registry.get(name);
        return repository.list(name);
    }

    public FunctionVersion version(String name, int number) {
        return database.readThrough(versionCache, name + ":" + number, key -> repository.find(name, number).orElseThrow(() -> {
            int latest = repository.list(name).stream().mapToInt(FunctionVersion::number).max().orElse(0);
            return AloftException.notFound("function '" + name + "' has no version " + number
                    + (latest == 0 ? " (no version is published yet; aloft publish " + name + ")" : " (latest is " + latest + ")"));
        }));
    }

    /**
     * Creates or updates an alias.
     *
     * @param additionalVersion a second version that gets {@code additionalWeight} of the traffic
     */
    public Alias putAlias(String name, String aliasName, String version, Optional<String> additionalVersion,
                          double additionalWeight, String description) {
        registry.get(name);
        if (!ALIAS_NAME.matcher(aliasName).matches() || aliasName.equals(FunctionConfig.LATEST)) {
            throw AloftException.invalid("alias name '" + aliasName + "' is invalid: use 1 to 128 letters, digits, '-' or '_', "
                    + "not only digits (those name versions)");
        }
        checkVersion(name, version);
        if (additionalVersion.isPresent()) {
            checkVersion(name, additionalVersion.get());
            if (additionalVersion.get().equals(version)) {
                throw AloftException.invalid("the additional version must differ from the alias's version " + version);
            }
            if (!(additionalWeight > 0.0 && additionalWeight < 1.0)) {
                throw AloftException.invalid("the weight of version " + additionalVersion.get()
                        + " must be between 0 and 1 (exclusive), got " + additionalWeight);
            }
        }
        Alias alias = new Alias(name, aliasName, version, additionalVersion, additionalVersion.isPresent() ? additionalWeight : 0,
                description, clock.instant().truncatedTo(ChronoUnit.MILLIS));
        repository.upsertAlias(alias);
        aliasCache.remove(name + ":" + aliasName);
        return alias;
    }

    public Alias alias(String name, String aliasName) {
        registry.get(name);
        return database.readThrough(aliasCache, name + ":" + aliasName, key -> repository.findAlias(name, aliasName))
                .orElseThrow(() -> AloftException.notFound("function '" + name + "' has no alias or version '" + aliasName + "'"));
    }

    public List<Alias> aliases(String name) {
        registry.get(name);
        return repository.aliases(name, Optional.empty());
    }

    public void deleteAlias(String name, String aliasName) {
        registry.get(name);
        if (!repository.deleteAlias(name, aliasName)) {
            throw AloftException.notFound("function '" + name + "' has no alias '" + aliasName + "'");
        }
        aliasCache.remove(name + ":" + aliasName);
    }

    private void checkVersion(String name, String version) {
        if (version.equals(FunctionConfig.LATEST)) {
            return;
        }
        if (!VERSION_NUMBER.matcher(version).matches()) {
            throw AloftException.invalid("version '" + version + "' is invalid: use a published version number or $LATEST");
        }
        version(name, Integer.parseInt(version));
    }
}
