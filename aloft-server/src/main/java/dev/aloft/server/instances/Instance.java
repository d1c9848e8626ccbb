package dev.aloft.server.instances;

import dev.aloft.server.functions.FunctionConfig;
import dev.aloft.server.instances.InvocationOutcome.Status;
import dev.aloft.server.runtimeapi.LongPoll;
import dev.aloft.server.runtimeapi.RuntimeEvent;
import dev.aloft.server.runtimeapi.RuntimeSession;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongFunction;

/**
 * One running process of one function revision. It runs one invocation at a time: the scheduler
 * {@link #assign assigns} it, the runtime takes it with {@code /next} and answers it. Every
 * assignment ends exactly once — with the runtime's answer, a timeout, an init failure or the
 * process's exit — so callers never wait forever.
 */
final class Instance implements RuntimeSession {

    private final String id;
    private final FunctionConfig function;
    private final long generation;
    private final ScheduledExecutorService timers;
    private final long spawnedNanos = System.nanoTime();

    /**
     * Guards the assignment fields and the lifecycle flags below; the flags are volatile as well,
     * for readers that need no more than one of them.
     */
    private final ReentrantLock stateLock = new ReentrantLock();
    /** The runtime's {@code /invocation/next}, while it waits for an invocation. */
    private LongPoll<RuntimeEvent> waitingRuntime;
    private Assignment pending;
    private Assignment running;
    private long runningSinceNanos;
    private volatile boolean ready;
    private volatile boolean dead;
    /** Set the moment the instance is condemned, before its process is confirmed gone. */
    private volatile boolean killed;
    /**
     * When its init ended (System.nanoTime): the runtime's first ask for an event, or the process's
     * exit before that; set before {@link #ready} or {@link #dead}.
     */
    private volatile long initEndedNanos;
    private Runnable onReady = () -> { };
    /** Set when the call it was started for went elsewhere: runs once it is ready or dead, to free it. */
    private Runnable whenWithdrawnFrom;
    private Optional<InvocationOutcome> initFailure = Optional.empty();

    private volatile String logInvocationId = "";
    private final EndOutcomes outcomes;
    private volatile Instant idleSince = Instant.EPOCH;
    private RuntimeProcess process;
    private Optional<Prewarmed> boundFrom = Optional.empty();

    Instance(String id, FunctionConfig function, long generation, ScheduledExecutorService timers) {
        this.id = id;
        this.function = function;
        this.generation = generation;
        this.timers = timers;
        this.outcomes = new EndOutcomes(id, function);
    }

    String id() {
        return id;
    }

    FunctionConfig function() {
        return function;
    }

    long generation() {
        return generation;
    }

    Instant idleSince() {
        return idleSince;
    }

    void markIdle(Instant now) {
        idleSince = now;
    }

    /** Remembers a printed line (the last few) for init-failure messages. */
    void printed(String line) {
        outcomes.printed(line);
    }

    /** The invocation output is attributed to: the one running, else the last one. */
    String logInvocationId() {
        return logInvocationId;
    }

    /** True when this instance is a prewarmed process bound to its function, not one started for it. */
    boolean prewarmed() {
        return boundFrom.isPresent();
    }

    /** A process taken before its bootstrap asked for its function asks now, of this instance. */
    @Override
    public void awaitBinding(LongPoll<Map<String, String>> poll) {
        boundFrom.ifPresentOrElse(cell -> cell.awaitBinding(poll), poll::retired);
    }

    /**
     * Becomes the started process's instance — {@code boundFrom} the prewarmed one it was, if so —
     * watching for its exit and for a too-slow init.
     */
    void attach(RuntimeProcess process, Optional<Prewarmed> boundFrom, Duration initTimeout) {
        this.process = process;
        this.boundFrom = boundFrom;
        process.handTo(this);
        process.onExit(this::exited);
        timers.schedule(this::checkInitialised, initTimeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Runs {@code action} once the runtime is initialised (its first {@code /next}), or now if it is. */
    void whenReady(Runnable action) {
        boolean readyNow;
        stateLock.lock();
        try {
            readyNow = ready;
            if (!readyNow) {
                onReady = action;
            }
        } finally {
            stateLock.unlock();
        }
        if (readyNow) {
            action.run();
        }
    }

    boolean alive() {
        return !dead && !killed;
    }

    /**
     * Gives this (idle) instance an invocation, which it then {@linkplain Assignment#end ends}
     * exactly once, however it ends; false, and nothing happens, when the process has exited. One
     * being killed still takes it: its exit ends it, with the init failure when that was why.
     */
    boolean assign(Assignment assignment) {
        stateLock.lock();
        try {
            if (dead) {
                return false;
            }
            logInvocationId = assignment.requestId();
            pending = assignment;
        } finally {
            stateLock.unlock();
        }
        // Written from this thread when the runtime waits: the Runtime API's loop is not woken for it.
        deliverPending();
        return true;
    }

    /**
     * Takes back {@code assignment} from this instance while its runtime is still initialising, so
     * that an instance freed sooner can run it; false when it is too late (the runtime is ready, or
     * the instance is dying). The instance then has nothing to run: {@code whenFree} runs once it is
     * ready or dead, for the pool to take it back. Call with the node lock held.
     */
    boolean withdraw(Assignment assignment, Runnable whenFree) {
        stateLock.lock();
        try {
            if (ready || dead || killed || pending != assignment) {
                return false;
            }
            pending = null;
            logInvocationId = "";
            whenWithdrawnFrom = whenFree;
            return true;
        } finally {
            stateLock.unlock();
        }
    }

    @Override
    public void next(LongPoll<RuntimeEvent> poll) {
        Runnable becameReady = () -> { };
        Runnable free = null;
        boolean retired;
        stateLock.lock();
        try {
            if (!ready) {
                initEndedNanos = System.nanoTime();
                ready = true;
                becameReady = onReady;
                free = whenWithdrawnFrom;
                whenWithdrawnFrom = null;
            }
            retired = dead;
            if (!dead) {
                waitingRuntime = poll;
            }
        } finally {
            stateLock.unlock();
        }
        becameReady.run();
        if (retired) {
            poll.retired();
            return;
        }
        if (free != null) {
            // Nothing pending: the pool hands it a queued call (delivered from here) or keeps it idle.
            free.run();
        }
        deliverPending();
    }

    /**
     * Hands the pending invocation to the runtime's waiting {@code /next}, when both are there. A
     * runtime whose connection closed while it waited (a client-side timeout, then a reconnect) did
     * not get it: it stays pending for the runtime's next {@code /next}, instead of running into its
     * timeout unseen.
     */
    private void deliverPending() {
        while (true) {
            LongPoll<RuntimeEvent> runtime;
            Assignment assignment;
            stateLock.lock();
            try {
                if (pending == null || waitingRuntime == null) {
                    return;
                }
                runtime = waitingRuntime;
                waitingRuntime = null;
                assignment = pending;
                pending = null;
                startRunning(assignment);
            } finally {
                stateLock.unlock();
            }
            if (runtime.answer(assignment.event(function))) {
                startTimeout(assignment);
                return;
            }
            stateLock.lock();
            try {
                if (running != assignment) {
                    return; // the process exited meanwhile, and its exit ended the invocation
                }
                running = null;
                pending = assignment;
            } finally {
                stateLock.unlock();
            }
        }
    }

    /** Under the state lock. */
    private void startRunning(Assignment assignment) {
        running = assignment;
        runningSinceNanos = System.nanoTime();
    }

    /** How long the invocation running has run so far. Under the state lock. */
    private long runningMs() {
        return Duration.ofNanos(System.nanoTime() - runningSinceNanos).toMillis();
    }

    /** The runtime got {@code assignment}'s event: its timeout runs from now. */
    private void startTimeout(Assignment assignment) {
        ScheduledFuture<?> timeout = timers.schedule(() -> timedOut(assignment), function.timeoutSeconds(), TimeUnit.SECONDS);
        // Answered invocations cancel their timeout, so the timer queue holds only running ones.
        assignment.outcome().whenComplete((outcome, error) -> timeout.cancel(false));
    }

    @Override
    public boolean respond(String requestId, byte[] body) {
        return finishRunning(requestId, Status.SUCCESS, body, Optional.empty());
    }

    @Override
    public boolean fail(String requestId, String errorType, byte[] body) {
        return finishRunning(requestId, Status.FUNCTION_ERROR, body, Optional.of(errorType));
    }

    @Override
    public void initFailed(String errorType, byte[] body) {
        stateLock.lock();
        try {
            initFailure = Optional.of(outcomes.initError(errorType, body));
        } finally {
            stateLock.unlock();
        }
        kill();
    }

    /**
     * Accepts the runtime's answer if it is for the invocation running, and ends that invocation:
     * at once when its output has been read, else (rarely) on a thread of its own once it has, so
     * the Runtime API's loop never waits for a log pump.
     */
    private boolean finishRunning(String requestId, Status status, byte[] body, Optional<String> errorType) {
        stateLock.lock();
        try {
            if (running == null || !running.requestId().equals(requestId)) {
                return false;
            }
        } finally {
            stateLock.unlock();
        }
        if (process.outputRead()) {
            endRunning(requestId, status, body, errorType);
        } else {
            // The runtime printed this invocation's lines before it answered: take them in first.
            Thread.ofVirtual().name("answer-" + id).start(() -> {
                process.awaitOutputRead();
                endRunning(requestId, status, body, errorType);
            });
        }
        return true;
    }

    private void endRunning(String requestId, Status status, byte[] body, Optional<String> errorType) {
        Assignment finished;
        long durationMs;
        stateLock.lock();
        try {
            if (running == null || !running.requestId().equals(requestId)) {
                // It timed out or the process exited meanwhile; that ended it.
                return;
            }
            finished = running;
            running = null;
            durationMs = runningMs();
        } finally {
            stateLock.unlock();
        }
        finished.end(new InvocationOutcome(status, body, errorType, false, false, 0, durationMs, Optional.of(id)));
    }

    private void timedOut(Assignment assignment) {
        endAndKill(assignment, outcomes::timedOut);
    }

    /**
     * The server is stopping: the invocation under way (if any) ends as crashed, saying so, and
     * the process is killed.
     */
    void stopForShutdown() {
        Assignment assignment;
        stateLock.lock();
        try {
            assignment = running != null ? running : pending;
        } finally {
            stateLock.unlock();
        }
        if (assignment == null) {
            kill();
        } else {
            endAndKill(assignment, outcomes::serverStopped);
        }
    }

    /**
     * Ends {@code assignment} (if it is still this instance's) with an error of Aloft's making —
     * {@code outcome} of its duration so far — then kills the process.
     */
    private void endAndKill(Assignment assignment, LongFunction<InvocationOutcome> outcome) {
        long durationMs;
        stateLock.lock();
        try {
            if (running != assignment && pending != assignment) {
                return;
            }
            durationMs = running == assignment ? runningMs() : 0;
            if (running == assignment) {
                running = null;
            } else {
                pending = null;
            }
            // Condemned before the pool takes it back, so it is not handed another invocation.
            killed = true;
        } finally {
            stateLock.unlock();
        }
        assignment.end(outcome.apply(durationMs));
        kill();
    }

    private void checkInitialised() {
        stateLock.lock();
        try {
            if (ready || dead) {
                return;
            }
            initFailure = Optional.of(outcomes.initTimeout());
        } finally {
            stateLock.unlock();
        }
        kill();
    }

    /** The process ended: whatever it was given ends now too, with the most telling reason. */
    private void exited() {
        Assignment unanswered;
        LongPoll<RuntimeEvent> runtime;
        boolean wasReady;
        long ranMs;
        Optional<InvocationOutcome> failedInit;
        Runnable free;
        stateLock.lock();
        try {
            if (!ready) {
                initEndedNanos = System.nanoTime();
            }
            dead = true;
            free = whenWithdrawnFrom;
            whenWithdrawnFrom = null;
            runtime = waitingRuntime;
            waitingRuntime = null;
            unanswered = running != null ? running : pending;
            // One still pending never reached the runtime: it ran for no time.
            ranMs = running != null ? runningMs() : 0;
            running = null;
            pending = null;
            wasReady = ready;
            failedInit = initFailure;
        } finally {
            stateLock.unlock();
        }
        // Before the process is destroyed: its cgroup goes with it. Off the state lock: the drain may wait.
        Optional<InvocationOutcome> outcome = unanswered == null ? Optional.empty()
                : Optional.of(failedInit.orElseGet(() -> exitOutcome(wasReady, ranMs)));
        process.release();
        if (runtime != null) {
            runtime.retired();
        }
        // Not unanswered::end: that method reference throws at once when there is none.
        outcome.ifPresent(ended -> unanswered.end(ended));
        if (free != null) {
            free.run();
        }
    }

    private InvocationOutcome exitOutcome(boolean wasReady, long ranMs) {
        if (!wasReady) {
            // Its last lines say why it could not start.
            process.awaitOutputRead();
        }
        return outcomes.exited(process.exitValue(), process.outOfMemory(), wasReady, ranMs);
    }

    /** For an invocation that came too late: the instance had exited already. */
    InvocationOutcome exitedBeforeDelivery() {
        return outcomes.exitedBeforeDelivery();
    }

    /**
     * Whether the runtime has initialised (asked for its first event). An instance handed out
     * before that makes its caller wait for the rest of its init.
     */
    boolean ready() {
        return ready;
    }

    /** How much of its init was left at {@code sinceNanos} (System.nanoTime), in ms; 0 if it was done. */
    long initMsLeftAt(long sinceNanos) {
        return ready || dead ? Math.max(0, Duration.ofNanos(initEndedNanos - sinceNanos).toMillis()) : 0;
    }

    /**
     * How long its init took: from spawn to its runtime's first {@code /next}, or to its exit before
     * that; 0 while it is still initialising.
     */
    long initMs() {
        return ready || dead ? Duration.ofNanos(initEndedNanos - spawnedNanos).toMillis() : 0;
    }

    /** Kills the process; {@link #exited} then fails whatever it was running. */
    void kill() {
        stateLock.lock();
        try {
            killed = true;
        } finally {
            stateLock.unlock();
        }
        if (process != null) {
            process.destroy();
        }
    }

    @Override
    public String toString() {
        return "instance " + id + " of " + function.name() + " (revision " + function.revision() + ")";
    }
}
