import java.lang.reflect.Method;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.DoubleSupplier;

/**
 * Aloft's learned keep-alive (the server's own {@code KeepAlivePolicy}, loaded from its classes)
 * against fixed keep-alives, on synthetic call patterns over simulated days: how many calls are
 * cold, how many instance-minutes are held idle, and how many starts it takes. A simulation, as in
 * "Serverless in the Wild": real gaps of minutes to hours cannot be waited out in a benchmark.
 *
 * <p>One instance per function (calls do not overlap; their durations are left out). The rule is
 * the pool's ({@code FunctionPool.reap}) for one instance, counted from the end of the last call:
 * without pre-warming, the instance is kept until {@code keepUntil}; with it, the instance stops
 * at once, one starts at {@code prewarmAfter} and is kept until {@code keepUntil}. A call finds it
 * warm only inside that span. The window used for a gap is the one learned from the gaps before.
 * Usage: java -cp aloft-server/target/classes bench/KeepAliveBench.java [DAYS]
 */
public class KeepAliveBench {

    private static final Duration DEFAULT = Duration.ofMinutes(5);
    private static final double MINUTE = 60_000;

    /** A call pattern: the next gap in ms, from the end of one call to the start of the next. */
    record Pattern(String name, DoubleSupplier nextGapMs) {
    }

    /** What one policy did over a trace. */
    record Tally(int calls, int cold, int starts, double idleMinutes) {
        Tally plus(boolean wasCold, int started, double idle) {
            return new Tally(calls + 1, cold + (wasCold ? 1 : 0), starts + started, idleMinutes + idle);
        }

        String coldPercent() {
            return String.format("%5.1f%%", 100.0 * cold / calls);
        }
    }

    /** The server's policy, reached by reflection: it is package-private there. */
    static final class LearnedPolicy {
        private final Object policy;
        private final Method recordIdle;
        private final Method windowFor;
        private final Method prewarmAfter;
        private final Method keepUntil;

        LearnedPolicy() throws ReflectiveOperationException {
            Class<?> type = Class.forName("dev.aloft.server.instances.KeepAlivePolicy");
            var constructor = type.getDeclaredConstructor(Duration.class);
            constructor.setAccessible(true);
            policy = constructor.newInstance(DEFAULT);
            recordIdle = accessible(type.getDeclaredMethod("recordIdle", String.class, Duration.class));
            windowFor = accessible(type.getDeclaredMethod("windowFor", String.class));
            Class<?> window = Class.forName("dev.aloft.server.instances.KeepAlivePolicy$IdleWindow");
            prewarmAfter = accessible(window.getDeclaredMethod("prewarmAfter"));
            keepUntil = accessible(window.getDeclaredMethod("keepUntil"));
        }

        private static Method accessible(Method method) {
            method.setAccessible(true);
            return method;
        }

        /** {prewarmAfter, keepUntil} in ms. */
        double[] window() throws ReflectiveOperationException {
            Object w = windowFor.invoke(policy, "f:$LATEST");
            return new double[] {((Duration) prewarmAfter.invoke(w)).toMillis(), ((Duration) keepUntil.invoke(w)).toMillis()};
        }

        void record(double gapMs) throws ReflectiveOperationException {
            recordIdle.invoke(policy, "f:$LATEST", Duration.ofMillis((long) gapMs));
        }
    }

    public static void main(String[] args) throws Exception {
        int days = args.length > 0 ? Integer.parseInt(args[0]) : 14;
        double horizonMs = days * 24 * 60 * MINUTE;
        System.out.printf("# keep-alive: learned window vs fixed, %d simulated days per pattern (seeded; one instance)%n", days);
        System.out.printf("%-36s %6s | %-31s | %-44s | %s%n", "pattern", "calls",
                "cold calls: 5m 10m tail Aloft", "idle instance-min/day: 5m 10m tail Aloft", "starts/day: 10m Aloft");
        for (Pattern pattern : patterns(new Random(42))) {
            List<Double> gaps = new ArrayList<>();
            for (double t = 0; t < horizonMs; ) {
                double gap = pattern.nextGapMs().getAsDouble();
                gaps.add(gap);
                t += gap;
            }
            Tally fixed5 = fixed(gaps, DEFAULT.toMillis());
            Tally fixed10 = fixed(gaps, Duration.ofMinutes(10).toMillis());
            Tally tailOnly = learned(gaps, false);
            Tally learned = learned(gaps, true);
            System.out.printf("%-36s %6d | %s %s %s %s | %5.0f %5.0f %5.0f %5.0f (%.2fx of 10m) | %5.0f %5.0f%n",
                    pattern.name(), gaps.size(), fixed5.coldPercent(), fixed10.coldPercent(), tailOnly.coldPercent(),
                    learned.coldPercent(), fixed5.idleMinutes() / days, fixed10.idleMinutes() / days,
                    tailOnly.idleMinutes() / days, learned.idleMinutes() / days,
                    learned.idleMinutes() / fixed10.idleMinutes(), (double) fixed10.starts() / days,
                    (double) learned.starts() / days);
        }
        System.out.println("# 5m, 10m: fixed keep-alives (Aloft's keep-alive-seconds default, and Lambda's per the paper);"
                + " tail: the learned keep-alive without pre-warming; idle: minutes an instance is held with no call;"
                + " starts: cold starts plus pre-warm starts");
    }

    /** The first call of a trace is cold for every policy: no instance exists yet. */
    static Tally fixed(List<Double> gaps, double keepMs) {
        Tally tally = new Tally(1, 1, 1, 0);
        for (double gap : gaps) {
            boolean cold = gap >= keepMs;
            tally = tally.plus(cold, cold ? 1 : 0, Math.min(gap, keepMs) / MINUTE);
        }
        return tally;
    }

    /** {@code prewarming} false: the learned keep-alive alone, as Aloft kept instances before pre-warming. */
    static Tally learned(List<Double> gaps, boolean prewarming) throws ReflectiveOperationException {
        LearnedPolicy policy = new LearnedPolicy();
        Tally tally = new Tally(1, 1, 1, 0);
        for (double gap : gaps) {
            double[] window = policy.window();
            double prewarmAfter = prewarming ? window[0] : 0;
            double keepUntil = window[1];
            boolean cold = gap < prewarmAfter || gap >= keepUntil;
            // A pre-warm start happens once the window opens, whether or not a call then comes in time.
            int prewarmStarts = prewarmAfter > 0 && gap >= prewarmAfter ? 1 : 0;
            double idle = Math.max(0, Math.min(gap, keepUntil) - prewarmAfter);
            tally = tally.plus(cold, prewarmStarts + (cold ? 1 : 0), idle / MINUTE);
            policy.record(gap);
        }
        return tally;
    }

    static List<Pattern> patterns(Random random) {
        return List.of(
                periodic("every 1 min (+-10%)", 1, random),
                periodic("every 10 min (+-10%)", 10, random),
                periodic("every 20 min (+-10%)", 20, random),
                periodic("every 60 min (+-10%)", 60, random),
                new Pattern("Poisson, mean 5 min", () -> -Math.log(1 - random.nextDouble()) * 5 * MINUTE),
                new Pattern("Poisson, mean 30 min", () -> -Math.log(1 - random.nextDouble()) * 30 * MINUTE),
                officeHours(random),
                bursts(random));
    }

    static Pattern periodic(String name, double minutes, Random random) {
        return new Pattern(name, () -> minutes * MINUTE * (0.9 + 0.2 * random.nextDouble()));
    }

    /** Every 2 minutes (+-10%) from 09:00 to 17:00, then nothing until 09:00 the next day. */
    static Pattern officeHours(Random random) {
        double[] clock = {9 * 60 * MINUTE};
        return new Pattern("office hours: every 2 min, 9-17h", () -> {
            double day = 24 * 60 * MINUTE;
            double gap = 2 * MINUTE * (0.9 + 0.2 * random.nextDouble());
            double timeOfDay = (clock[0] + gap) % day;
            if (timeOfDay > 17 * 60 * MINUTE || timeOfDay < 9 * 60 * MINUTE) {
                gap += (9 * 60 * MINUTE - timeOfDay + day) % day;
            }
            clock[0] += gap;
            return gap;
        });
    }

    /** 10 calls 3 s apart, every 30 minutes (+-10%). */
    static Pattern bursts(Random random) {
        int[] inBurst = {0};
        return new Pattern("bursts: 10 calls 3 s apart / 30 min", () -> {
            inBurst[0] = (inBurst[0] + 1) % 10;
            return inBurst[0] == 0 ? 30 * MINUTE * (0.9 + 0.2 * random.nextDouble()) : 3_000;
        });
    }
}
