package io.chordfs.node;

import io.chordfs.node.LocalAutoscaler.Action;
import io.chordfs.node.LocalAutoscaler.Rule;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The scale-out rule period by period, and one period of the loop against a fleet that only counts. */
class LocalAutoscalerTest {

    private static Action step(Rule rule, double average, int running) {
        return rule.observe(average, running).action();
    }

    @Test
    void onePeriodAboveIsNotEnough() {
        Rule rule = new Rule(30, 3, 5);
        assertEquals(Action.NONE, step(rule, 41.2, 1));
        assertEquals(Action.NONE, step(rule, 10, 1));
        assertEquals(Action.NONE, step(rule, 99, 1));
        assertEquals(Action.NONE, step(rule, 0, 1));
    }

    @Test
    void twoConsecutivePeriodsAboveStartOneNode() {
        Rule rule = new Rule(30, 3, 5);
        assertEquals(Action.NONE, step(rule, 41.2, 1));
        LocalAutoscaler.Decision d = rule.observe(45, 1);
        assertEquals(Action.SCALE_OUT, d.action());
        assertEquals(2, d.periodsAbove());
        assertEquals(45, d.average());
    }

    @Test
    void aPeriodAtOrBelowTheThresholdResetsTheCount() {
        Rule rule = new Rule(30, 3, 5);
        assertEquals(Action.NONE, step(rule, 50, 1));
        assertEquals(Action.NONE, step(rule, 30, 1), "exactly the threshold is not above it");
        assertEquals(Action.NONE, step(rule, 50, 1), "the count starts again after the dip");
        assertEquals(Action.NONE, step(rule, 12, 1));
        assertEquals(Action.NONE, step(rule, 31, 1));
        assertEquals(Action.SCALE_OUT, step(rule, 31, 1));
    }

    @Test
    void warmUpBlocksTheNextScaleOutForItsPeriods() {
        Rule rule = new Rule(30, 3, 10);
        step(rule, 50, 1);
        assertEquals(Action.SCALE_OUT, step(rule, 50, 1));
        assertEquals(Action.WARMING_UP, step(rule, 50, 2));
        assertEquals(Action.WARMING_UP, step(rule, 50, 2));
        assertEquals(Action.WARMING_UP, step(rule, 50, 2));
        assertEquals(Action.SCALE_OUT, step(rule, 50, 2), "sustained load: the first period after the warm-up");
        // A dip late in the warm-up means two fresh periods above are needed afterwards.
        assertEquals(Action.WARMING_UP, step(rule, 50, 3));
        assertEquals(Action.WARMING_UP, step(rule, 50, 3));
        assertEquals(Action.NONE, step(rule, 20, 3));
        assertEquals(Action.NONE, step(rule, 50, 3));
        assertEquals(Action.SCALE_OUT, step(rule, 50, 3));
    }

    @Test
    void withoutWarmUpEveryPeriodOfTheAlarmStartsANode() {
        Rule rule = new Rule(30, 0, 10);
        step(rule, 50, 1);
        assertEquals(Action.SCALE_OUT, step(rule, 50, 1));
        assertEquals(Action.SCALE_OUT, step(rule, 50, 2));
        assertEquals(Action.SCALE_OUT, step(rule, 50, 3));
    }

    @Test
    void neverBeyondTheMaximumAndSaysSoOncePerAlarm() {
        Rule rule = new Rule(30, 0, 2);
        step(rule, 50, 1);
        assertEquals(Action.SCALE_OUT, step(rule, 50, 1));
        assertEquals(Action.AT_MAX, step(rule, 50, 2));
        for (int i = 0; i < 20; i++) {
            assertEquals(Action.NONE, step(rule, 50, 2), "period " + i);
        }
        assertEquals(Action.NONE, step(rule, 10, 2));
        assertEquals(Action.NONE, step(rule, 50, 2));
        assertEquals(Action.AT_MAX, step(rule, 50, 2), "a new alarm is reported again");
    }

    @Test
    void aFailedStartLiftsTheWarmUp() {
        Rule rule = new Rule(30, 3, 10);
        step(rule, 50, 1);
        assertEquals(Action.SCALE_OUT, step(rule, 50, 1));
        rule.startFailed();
        assertEquals(Action.SCALE_OUT, step(rule, 50, 1));
    }

    /** Nodes that are only numbers: each starts at {@code newNodeUsage} %; starts can be made to fail. */
    private static final class FakeFleet implements LocalAutoscaler.Fleet {
        final List<Double> used = new ArrayList<>();
        final List<String> started = new ArrayList<>();
        double newNodeUsage = 50;
        int failures;
        int next = 12;

        @Override
        public List<Double> usedPercents() {
            return List.copyOf(used);
        }

        @Override
        public String nextIp() {
            return next <= 14 ? "127.0.0." + next : null;
        }

        @Override
        public int startNode(String ip) throws IOException {
            next++;
            if (failures > 0) {
                failures--;
                throw new IOException("address in use");
            }
            started.add(ip);
            used.add(newNodeUsage);
            return used.size();
        }
    }

    @Test
    void theLoopAveragesTheNodesLogsEachDecisionAndStopsAtTheMaximum() {
        FakeFleet fleet = new FakeFleet();
        fleet.used.add(41.2);
        fleet.newNodeUsage = 41.2;
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
        LocalAutoscaler scaler = new LocalAutoscaler(new Rule(30, 3, 3), 5_000, fleet, out);
        assertEquals(Action.NONE, scaler.tick().action());
        assertEquals("", bytes.toString(StandardCharsets.UTF_8), "no decision, no line");
        assertEquals(Action.SCALE_OUT, scaler.tick().action());
        assertEquals(List.of("127.0.0.12"), fleet.started);
        String log = bytes.toString(StandardCharsets.UTF_8);
        assertTrue(log.startsWith("average 41.2% > 30% for 2 periods: starting node 127.0.0.12\n"), log);
        assertTrue(log.contains("node 127.0.0.12 joined the ring: 2 nodes"), log);
        for (int i = 0; i < 30; i++) {
            scaler.tick();
        }
        assertEquals(List.of("127.0.0.12", "127.0.0.13"), fleet.started, "never more than --max-nodes 3");
        log = bytes.toString(StandardCharsets.UTF_8);
        assertEquals(2, log.lines().filter(l -> l.contains(": starting node")).count(), log);
        assertEquals(1, log.lines().filter(l -> l.contains("(--max-nodes 3): not starting a node")).count(), log);
        assertTrue(log.contains("average 41.2% > 30% for 6 periods: starting node 127.0.0.13"),
                "the second start comes right after the 3-period warm-up: " + log);
    }

    @Test
    void theAverageIsOverAllRunningNodes() {
        FakeFleet fleet = new FakeFleet();
        fleet.used.addAll(List.of(50.0, 20.0, 20.0)); // average 30: not above
        LocalAutoscaler scaler = new LocalAutoscaler(new Rule(30, 3, 5), 5_000, fleet,
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
        for (int i = 0; i < 5; i++) {
            LocalAutoscaler.Decision d = scaler.tick();
            assertEquals(Action.NONE, d.action());
            assertEquals(30.0, d.average(), 1e-9);
        }
        fleet.used.set(1, 21.0);
        scaler.tick();
        assertEquals(Action.SCALE_OUT, scaler.tick().action());
        assertEquals(List.of("127.0.0.12"), fleet.started);
    }

    @Test
    void aNodeThatDoesNotStartIsReportedAndTheNextPeriodTriesTheNextAddress() {
        FakeFleet fleet = new FakeFleet();
        fleet.used.add(80.0);
        fleet.failures = 1;
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        LocalAutoscaler scaler = new LocalAutoscaler(new Rule(30, 3, 5), 5_000, fleet,
                new PrintStream(bytes, true, StandardCharsets.UTF_8));
        scaler.tick();
        scaler.tick();
        assertTrue(bytes.toString(StandardCharsets.UTF_8).contains("node 127.0.0.12 did not start: address in use"));
        assertEquals(Action.SCALE_OUT, scaler.tick().action(), "no warm-up after a failed start");
        assertEquals(List.of("127.0.0.13"), fleet.started);
    }

    @Test
    void helpDescribesTheAutoscalerAndBadValuesAreUsageErrors() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
        PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8);
        assertEquals(0, Main.run(new String[] {"local", "--help"}, o, e));
        String help = out.toString(StandardCharsets.UTF_8);
        for (String option : new String[] {"--max-nodes", "--threshold", "--period", "--warmup-periods", "--capacity",
                "2 periods", "default 3", "default 30", "default 5s"}) {
            assertTrue(help.contains(option), option);
        }
        assertEquals(2, Main.run(new String[] {"local", "--nodes", "3", "--max-nodes", "2"}, o, e));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("--max-nodes (2) must be at least --nodes (3)"));
        assertEquals(2, Main.run(new String[] {"local", "--period", "5x"}, o, e));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("not a duration: '5x'"));
        assertEquals(2, Main.run(new String[] {"local", "--period", "5"}, o, e));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("--period must be at least 10ms"));
        assertEquals(2, Main.run(new String[] {"local", "--threshold", "150"}, o, e));
        assertEquals(2, Main.run(new String[] {"local", "--threshold", "lots"}, o, e));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("option '--threshold': not a percentage"));
        assertEquals(2, Main.run(new String[] {"local", "--warmup-periods", "-1"}, o, e));
        assertEquals(2, Main.run(new String[] {"local", "--first-ip", "127.0.0.250", "--nodes", "2", "--max-nodes", "10"}, o, e));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("leaves no room for 10 nodes"));
        // each usage error: one line of reason, one of hint (Cli)
        assertEquals(7, err.toString(StandardCharsets.UTF_8).lines().filter(l -> l.startsWith("node-daemon local: ")).count(),
                "one reason per usage error");
        assertEquals(14, err.toString(StandardCharsets.UTF_8).lines().count());
    }

    @Test
    void percentagesPrintAsPeopleWriteThem() {
        assertEquals("30%", LocalAutoscaler.percent(30));
        assertEquals("12.5%", LocalAutoscaler.percent(12.5));
    }
}
