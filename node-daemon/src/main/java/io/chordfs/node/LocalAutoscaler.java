package io.chordfs.node;

import io.chordfs.core.cli.Durations;

import java.io.PrintStream;
import java.util.List;
import java.util.Locale;
import java.util.OptionalDouble;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The local stand-in for the Auto Scaling group's scale-out policy, for {@code node-daemon local}.
 *
 * <p>The rule is the ASG's (see {@code deploy up}): once per period the average used % of the
 * running nodes is compared with the threshold; above it for {@value #PERIODS_ABOVE} consecutive
 * periods (the alarm) starts one more node, unless {@code maxNodes} are running already. After a
 * scale-out the next {@code warmupPeriods} periods start nothing (the ASG's warm-up; default
 * {@value #DEFAULT_WARMUP_PERIODS} periods, as 180 s is three 60 s periods there). The count of
 * periods above keeps running through the warm-up, as the alarm does, so under sustained load the
 * next node starts in the first period after the warm-up; one period at or below the threshold
 * resets it.
 *
 * <p>{@link Rule} is the rule alone, fed one sample per period and with no clock, so tests drive
 * it period by period; {@link #tick()} is one period of the loop (sample, decide, log, start), and
 * {@link #start()} runs it on a timer.
 */
final class LocalAutoscaler implements AutoCloseable {
    static final int PERIODS_ABOVE = 2;
    static final int DEFAULT_WARMUP_PERIODS = 3;
    static final double DEFAULT_THRESHOLD = 30.0;
    static final long DEFAULT_PERIOD_MS = 5_000;

    /** What one period decided. */
    enum Action {
        /** Nothing to do: below the threshold, or not yet for long enough. */
        NONE,
        /** Start one more node. */
        SCALE_OUT,
        /** The alarm holds, but the last scale-out is still warming up. */
        WARMING_UP,
        /** The alarm holds, but the maximum number of nodes runs already (reported once per alarm). */
        AT_MAX
    }

    record Decision(Action action, double average, int periodsAbove) {}

    /** The scale-out rule, one {@link #observe} per period. Not thread-safe; the loop owns it. */
    static final class Rule {
        private final double threshold;
        private final int warmupPeriods;
        private final int maxNodes;
        private int periodsAbove;
        private int warmupLeft;
        private boolean atMaxReported;

        Rule(double threshold, int warmupPeriods, int maxNodes) {
            if (!(threshold >= 0 && threshold <= 100)) {
                throw new IllegalArgumentException("threshold must be in [0, 100]: " + threshold);
            }
            if (warmupPeriods < 0 || maxNodes < 1) {
                throw new IllegalArgumentException("warm-up " + warmupPeriods + ", max nodes " + maxNodes);
            }
            this.threshold = threshold;
            this.warmupPeriods = warmupPeriods;
            this.maxNodes = maxNodes;
        }

        /**
         * One period: {@code averagePercent} is the average used % of the {@code runningNodes}
         * nodes. A {@link Action#SCALE_OUT} answer assumes the caller starts a node now (the
         * warm-up begins); if that fails, {@link #startFailed()} lifts the warm-up again.
         */
        Decision observe(double averagePercent, int runningNodes) {
            periodsAbove = averagePercent > threshold ? periodsAbove + 1 : 0;
            if (periodsAbove == 0) {
                atMaxReported = false;
            }
            boolean warming = warmupLeft > 0;
            if (warming) {
                warmupLeft--;
            }
            if (periodsAbove < PERIODS_ABOVE) {
                return new Decision(Action.NONE, averagePercent, periodsAbove);
            }
            if (runningNodes >= maxNodes) {
                if (atMaxReported) {
                    return new Decision(Action.NONE, averagePercent, periodsAbove);
                }
                atMaxReported = true;
                return new Decision(Action.AT_MAX, averagePercent, periodsAbove);
            }
            if (warming) {
                return new Decision(Action.WARMING_UP, averagePercent, periodsAbove);
            }
            warmupLeft = warmupPeriods;
            return new Decision(Action.SCALE_OUT, averagePercent, periodsAbove);
        }

        /** The node a {@link Action#SCALE_OUT} asked for did not start: no warm-up to wait for. */
        void startFailed() {
            warmupLeft = 0;
        }

        double threshold() {
            return threshold;
        }

        int warmupPeriods() {
            return warmupPeriods;
        }

        int maxNodes() {
            return maxNodes;
        }
    }

    /** The nodes the loop watches and grows. */
    interface Fleet {
        /** The used % of every running node (nodes that cannot say are left out). */
        List<Double> usedPercents();

        /** The address the next node would get, or null when none is left. */
        String nextIp();

        /** Starts a node on {@code ip} and joins it to the ring; returns how many nodes run now. */
        int startNode(String ip) throws Exception;
    }

    private final Rule rule;
    private final long periodMs;
    private final Fleet fleet;
    private final PrintStream out;
    private final ScheduledExecutorService timer;

    LocalAutoscaler(Rule rule, long periodMs, Fleet fleet, PrintStream out) {
        this.rule = rule;
        this.periodMs = periodMs;
        this.fleet = fleet;
        this.out = out;
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "local-autoscaler");
            t.setDaemon(true);
            return t;
        });
    }

    /** Runs {@link #tick()} once per period, the first one period from now. */
    LocalAutoscaler start() {
        // Fixed delay: the time a new node takes to start and join does not count as periods.
        timer.scheduleWithFixedDelay(() -> {
            try {
                tick();
            } catch (RuntimeException e) {
                out.println("autoscaler: period failed: " + e);
            }
        }, periodMs, periodMs, TimeUnit.MILLISECONDS);
        return this;
    }

    /** One period: sample, decide, and on a scale-out start the node. Returns the decision. */
    Decision tick() {
        List<Double> used = fleet.usedPercents();
        OptionalDouble avg = used.stream().mapToDouble(Double::doubleValue).average();
        if (avg.isEmpty()) {
            return new Decision(Action.NONE, 0, 0);
        }
        Decision d = rule.observe(avg.getAsDouble(), used.size());
        String why = "average " + String.format(Locale.ROOT, "%.1f%%", d.average()) + " > " + percent(rule.threshold()) + " for "
                + d.periodsAbove() + " periods";
        switch (d.action()) {
            case AT_MAX -> out.println(why + ", but " + used.size() + " nodes run already (--max-nodes "
                    + rule.maxNodes() + "): not starting a node");
            case SCALE_OUT -> scaleOut(why);
            default -> { }
        }
        return d;
    }

    private void scaleOut(String why) {
        String ip = fleet.nextIp();
        if (ip == null) {
            out.println(why + ", but no 127.x address is left for another node");
            rule.startFailed();
            return;
        }
        out.println(why + ": starting node " + ip);
        try {
            int running = fleet.startNode(ip);
            out.println("node " + ip + " joined the ring: " + running + " nodes (no further scale-out for "
                    + rule.warmupPeriods() + " periods of warm-up)");
        } catch (Exception e) {
            out.println("node " + ip + " did not start: " + e.getMessage());
            rule.startFailed();
        }
    }

    /** "every 5 s, average used % above 30% for 2 periods adds a node, up to 5; warm-up 3 periods". */
    String describe() {
        return "every " + Durations.format(periodMs) + ", average used % above " + percent(rule.threshold())
                + " for " + PERIODS_ABOVE + " periods starts one more node, up to " + rule.maxNodes()
                + "; then " + rule.warmupPeriods() + " periods of warm-up";
    }

    static String percent(double p) {
        return p == Math.rint(p) ? String.format(Locale.ROOT, "%.0f%%", p) : String.format(Locale.ROOT, "%.1f%%", p);
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
