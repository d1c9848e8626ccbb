package dev.aloft.server.functions;

import dev.aloft.server.AloftException;
import dev.aloft.server.store.Database;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Instant;
import java.time.InstantSource;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;

/** Deploys, reads and deletes functions. The public face of this package. */
public final class FunctionRegistry {

    /** The outcome of a deploy: the stored function, whether it is new, whether anything changed. */
    public record Deployed(FunctionConfig function, boolean created, boolean changed) {}

    private final FunctionRepository repository;
    private final Database database;
    private final CodeStore codeStore;
    private final InstantSource clock;
    /** The node memory budget: what all functions keep (reservations, provisioned instances) must fit in it together. */
    private final long memoryBudgetMb;
    private final List<Consumer<FunctionChange>> changeListeners = new CopyOnWriteArrayList<>();
    private final List<DeleteStep> deleteSteps = new CopyOnWriteArrayList<>();
    /** Read-through cache: every invocation looks its function up, deploys and deletes are rare. */
    private final ConcurrentMap<String, FunctionConfig> cache = new ConcurrentHashMap<>();

    public FunctionRegistry(Database database, CodeStore codeStore, InstantSource clock, long memoryBudgetMb) {
        this.memoryBudgetMb = memoryBudgetMb;
        this.database = database;
        this.repository = new FunctionRepository(database);
        this.codeStore = codeStore;
        this.clock = clock;
    }

    /**
     * A function's $LATEST changed, or the function was deleted. {@code scalingOnly}: only its
     * concurrency, minInstances or reservation changed, so its instances can go on serving it.
     */
    public record FunctionChange(String name, boolean deleted, boolean scalingOnly) {}

    /** Work that deletes what belongs to a function, inside the transaction that deletes it. */
    @FunctionalInterface
    public interface DeleteStep {
        void delete(Connection c, String functionName) throws SQLException;
    }

    /** Called after a function was redeployed with changes, or deleted (to retire its instances). */
    public void onChange(Consumer<FunctionChange> listener) {
        changeListeners.add(listener);
    }

    void beforeDelete(DeleteStep step) {
        deleteSteps.add(step);
    }

    /**
     * Validates and stores a function. Everything is checked (the archive too) before anything is
     * recorded, so a bad deploy leaves the previous version untouched.
     */
    public Deployed deploy(DeployRequest request) {
        Runtime runtime = request.validate();
        checkDestinations(request);
        String sha256 = codeStore.store(request.zip());
        return commit(request, runtime, Optional.of(new Code(sha256, request.zip().length)));
    }

    /**
     * Changes a deployed function. {@code change} gets a request with the function's current
     * settings and an empty archive; an archive it leaves empty keeps the current code.
     *
     * @throws AloftException 404 when the function does not exist
     */
    public Deployed update(String name, UnaryOperator<DeployRequest> change) {
        DeployRequest request = change.apply(DeployRequest.of(get(name)));
        if (!request.name().equals(name)) {
            throw AloftException.invalid("an update cannot rename function '" + name + "' to '" + request.name() + "'");
        }
        if (request.zip().length > 0) {
            return deploy(request);
        }
        Runtime runtime = request.validateSettings();
        checkDestinations(request);
        return commit(request, runtime, Optional.empty());
    }

    /** What a deploy's transaction did: the result, and whether only the function's scale changed. */
    private record Commit(Deployed deployed, boolean scalingOnly) {}

    /** A stored archive: its hash and its size as uploaded. */
    private record Code(String sha256, long sizeBytes) {}

    private void checkDestinations(DeployRequest request) {
        for (Optional<String> destination : List.of(request.async().onSuccessFunction(), request.async().onFailureFunction())) {
            destination.filter(name -> !name.equals(request.name()) && find(name).isEmpty()).ifPresent(name -> {
                throw AloftException.invalid("destination function '" + name + "' does not exist; deploy it first");
            });
        }
    }

    /** Records the deploy; without {@code code} it keeps the stored function's code (it must exist). */
    private Deployed commit(DeployRequest request, Runtime runtime, Optional<Code> code) {
        Instant now = clock.instant().truncatedTo(ChronoUnit.MILLIS);
        Commit commit = database.inTransaction(c -> {
            Optional<FunctionConfig> existing = repository.find(c, request.name());
            Code stored = code.or(() -> existing.map(f -> new Code(f.codeSha256(), f.codeSizeBytes())))
                    .orElseThrow(() -> AloftException.notFound("function '" + request.name() + "' does not exist"));
            long revision = existing.isPresent() ? existing.get().revision() + 1 : repository.firstRevision(c, request.name());
            FunctionConfig next = new FunctionConfig(request.name(), FunctionConfig.LATEST, runtime, request.handler(), request.memoryMb(),
                    request.timeoutSeconds(), request.environment(), request.concurrency(), request.minInstances(),
                    request.reservedConcurrency(), request.publicUrl(),
                    request.sensitive(), request.async(), stored.sha256(), stored.sizeBytes(),
                    revision, existing.map(FunctionConfig::createdAt).orElse(now), now);
            if (existing.isPresent() && existing.get().sameDeploymentAs(next)) {
                return new Commit(new Deployed(existing.get(), false, false), false);
            }
            // A change of scale only keeps the revision the pools match instances on: recycling every
            // warm instance for a new cap would be a cold start for each caller.
            boolean scalingOnly = existing.isPresent() && existing.get().sameButScalingAs(next);
            if (scalingOnly) {
                next = next.withRevision(existing.get().revision());
            }
            checkFitsTheBudget(c, next);
            repository.upsert(c, next);
            return new Commit(new Deployed(next, existing.isEmpty(), true), scalingOnly);
        });
        Deployed deployed = commit.deployed();
        if (deployed.changed()) {
            cache.put(request.name(), deployed.function());
            changeListeners.forEach(listener -> listener.accept(new FunctionChange(request.name(), false, commit.scalingOnly())));
        }
        return deployed;
    }

    /**
     * The share of the node memory budget no reservation or provisioned minimum may take, so that
     * functions without one can always start an instance (Lambda keeps 100 of its 1000 concurrency
     * unreserved, counting provisioned concurrency too).
     */
    private static final int UNRESERVED_PERCENT = 10;

    /**
     * An instance must fit in the node memory budget, and what all functions keep whatever else
     * runs — each its provisioned instances or its reservation, whichever is more — must fit in it
     * together, short of the unreserved share; otherwise a provisioned minimum or a reservation could
     * never be honoured, or the functions that keep nothing could be left no memory to run in.
     */
    private void checkFitsTheBudget(Connection c, FunctionConfig next) throws SQLException {
        if (next.memoryMb() > memoryBudgetMb) {
            throw new InvalidSettingException(n -> n.of(Setting.MEMORY) + " " + next.memoryMb() + " of '" + next.name()
                    + "' exceeds the node memory budget (" + memoryBudgetMb + " MB), so no instance could ever start; lower "
                    + n.of(Setting.MEMORY) + " or raise memory-budget-mb");
        }
        if (next.guaranteedMemoryMb() == 0) {
            return;
        }
        long othersMb = repository.guaranteedMemoryMbExcept(c, next.name());
        long unreservedMb = Math.ceilDiv(memoryBudgetMb * UNRESERVED_PERCENT, 100);
        long leftMb = Math.max(0, memoryBudgetMb - unreservedMb - othersMb);
        if (next.guaranteedMemoryMb() > leftMb) {
            boolean provisioned = next.minInstances() > next.reservedConcurrency();
            int instances = provisioned ? next.minInstances() : next.reservedConcurrency();
            Setting setting = provisioned ? Setting.MIN_INSTANCES : Setting.RESERVED_CONCURRENCY;
            throw new InvalidSettingException(n -> n.of(setting) + " " + instances + " of '" + next.name() + "' needs "
                    + next.guaranteedMemoryMb() + " MB (" + instances + " × " + next.memoryMb() + " MB) but only " + leftMb
                    + " MB of the node memory budget (" + memoryBudgetMb + " MB) may still be reserved or provisioned: "
                    + othersMb + " MB is for other functions and " + unreservedMb + " MB (" + UNRESERVED_PERCENT
                    + "%) stays unreserved; lower " + n.of(setting) + " or " + n.of(Setting.MEMORY)
                    + ", or raise memory-budget-mb");
        }
    }

    public Optional<FunctionConfig> find(String name) {
        // The fill holds the entry while it reads the store, so a concurrent deploy's put (after its
        // commit) cannot be overwritten by the older row.
        return Optional.ofNullable(database.readThrough(cache, name, n -> repository.find(n).orElse(null)));
    }

    /** The function, or a 404 that names it. */
    public FunctionConfig get(String name) {
        return find(name).orElseThrow(() -> AloftException.notFound("function '" + name + "' does not exist"));
    }

    public List<FunctionConfig> list() {
        return repository.list();
    }

    /** One page of functions by name, and the name to continue after when there are more. */
    public record FunctionPage(List<FunctionConfig> functions, Optional<String> continueAfter) {}

    /** Up to {@code limit} functions named after {@code after} (from the first when empty). */
    public FunctionPage page(Optional<String> after, int limit) {
        List<FunctionConfig> found = repository.page(after, limit + 1);
        if (found.size() <= limit) {
            return new FunctionPage(found, Optional.empty());
        }
        List<FunctionConfig> page = found.subList(0, limit);
        return new FunctionPage(List.copyOf(page), Optional.of(page.getLast().name()));
    }

    public void delete(String name) {
        boolean deleted = database.inTransaction(c -> {
            for (DeleteStep step : deleteSteps) {
                step.delete(c, name);
            }
            return repository.delete(c, name);
        });
        cache.remove(name);
        if (!deleted) {
            throw AloftException.notFound("function '" + name + "' does not exist");
        }
        changeListeners.forEach(listener -> listener.accept(new FunctionChange(name, true, false)));
    }

    /** The code hashes some function or published version still runs. */
    public Set<String> codeInUse() {
        return repository.codeInUse();
    }

    public CodeStore codeStore() {
        return codeStore;
    }
}
