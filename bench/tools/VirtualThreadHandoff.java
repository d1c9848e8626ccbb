import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.locks.LockSupport;

/**
 * What one more hand-off between virtual threads costs on this machine, at a warm-path-like rate
 * (carriers idle between requests). A platform thread plays the edge's socket and, every
 * {@code gap} µs, hands a token to virtual thread A, which hands it back ("direct"), or first to
 * virtual thread B and back ("relayed": one more pair of hand-offs, as the edge's request thread →
 * an instance's Runtime API thread → back). Prints the process's CPU and the wall time per round
 * trip of each, in alternating runs, and the difference: the most a direct exchange between the
 * edge and an instance could save per invocation.
 *
 * Usage (a JDK 25 java): java bench/tools/VirtualThreadHandoff.java [ROUNDS=40000] [GAP_US=200] [RUNS=3]
 */
public class VirtualThreadHandoff {

    record Cost(double cpuMicros, double wallMicros) {}

    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 40_000;
        long gapNanos = (args.length > 1 ? Long.parseLong(args[1]) : 200) * 1_000;
        int runs = args.length > 2 ? Integer.parseInt(args[2]) : 3;
        System.out.printf("%d round trips per run, one every %d us after the last; %d alternating runs%n",
                rounds, gapNanos / 1_000, runs);
        double cpuSaved = 0;
        double wallSaved = 0;
        for (int run = 1; run <= runs; run++) {
            Cost direct = measure(false, rounds, gapNanos);
            Cost relayed = measure(true, rounds, gapNanos);
            System.out.printf("run %d: direct %.1f us CPU, %.1f us wall; relayed %.1f us CPU, %.1f us wall%n",
                    run, direct.cpuMicros, direct.wallMicros, relayed.cpuMicros, relayed.wallMicros);
            cpuSaved += (relayed.cpuMicros - direct.cpuMicros) / runs;
            wallSaved += (relayed.wallMicros - direct.wallMicros) / runs;
        }
        System.out.printf("one more pair of virtual-thread hand-offs: +%.1f us CPU, +%.1f us wall per round trip (mean of %d)%n",
                cpuSaved, wallSaved, runs);
    }

    private static Cost measure(boolean relayed, int rounds, long gapNanos) throws Exception {
        var toA = new SynchronousQueue<Integer>();
        var toB = new SynchronousQueue<Integer>();
        var backToA = new SynchronousQueue<Integer>();
        var toDriver = new SynchronousQueue<Integer>();
        Thread a = Thread.ofVirtual().start(() -> relay(toA, relayed ? toB : null, backToA, toDriver));
        Thread b = Thread.ofVirtual().start(() -> relay(toB, null, null, backToA));
        roundTrips(rounds / 4, gapNanos, toA, toDriver); // JIT warm-up
        long cpu = processCpuNanos();
        long wall = System.nanoTime();
        roundTrips(rounds, gapNanos, toA, toDriver);
        Cost cost = new Cost((processCpuNanos() - cpu) / 1e3 / rounds, (System.nanoTime() - wall) / 1e3 / rounds);
        a.interrupt();
        b.interrupt();
        return cost;
    }

    private static void roundTrips(int rounds, long gapNanos, SynchronousQueue<Integer> out, SynchronousQueue<Integer> back)
            throws InterruptedException {
        for (int i = 0; i < rounds; i++) {
            out.put(i);
            back.take();
            LockSupport.parkNanos(gapNanos);
        }
    }

    /** Takes a token from {@code in}, passes it through {@code via} and back when given, then on to {@code out}. */
    private static void relay(SynchronousQueue<Integer> in, SynchronousQueue<Integer> via, SynchronousQueue<Integer> viaBack,
                              SynchronousQueue<Integer> out) {
        try {
            while (true) {
                Integer token = in.take();
                if (via != null) {
                    via.put(token);
                    token = viaBack.take();
                }
                out.put(token);
            }
        } catch (InterruptedException e) {
            // measured run over
        }
    }

    /** utime + stime of this process, from /proc (10 ms ticks: fine over seconds of work). */
    private static long processCpuNanos() throws Exception {
        String stat = Files.readString(Path.of("/proc/self/stat"));
        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return (Long.parseLong(fields[11]) + Long.parseLong(fields[12])) * 10_000_000L;
    }
}
