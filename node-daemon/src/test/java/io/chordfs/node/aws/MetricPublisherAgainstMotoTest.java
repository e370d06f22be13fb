package io.chordfs.node.aws;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.chordfs.node.daemon.NodeDaemon;
import io.chordfs.testsupport.MotoServer;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.cloudwatch.CloudWatchClient;
import software.amazon.awssdk.services.cloudwatch.model.Datapoint;
import software.amazon.awssdk.services.cloudwatch.model.Dimension;
import software.amazon.awssdk.services.cloudwatch.model.Metric;
import software.amazon.awssdk.services.cloudwatch.model.Statistic;

/** disk_used_percent published to moto's CloudWatch through the real SDK, and read back. */
class MetricPublisherAgainstMotoTest {
    private static MotoServer moto;
    private static CloudWatchClient cloudwatch;

    @BeforeAll
    static void startMoto() throws Exception {
        moto = MotoServer.start();
        cloudwatch = moto.aim(CloudWatchClient.builder()).build();
    }

    @AfterAll
    static void stopMoto() {
        if (cloudwatch != null) {
            cloudwatch.close();
        }
        if (moto != null) {
            moto.close();
        }
    }

    private static Dimension dim(String name, String value) {
        return Dimension.builder().name(name).value(value).build();
    }

    private static List<Datapoint> stats(Dimension... dims) {
        return cloudwatch.getMetricStatistics(r -> r.namespace("ChordFS").metricName("disk_used_percent")
                .dimensions(dims).startTime(Instant.now().minus(10, ChronoUnit.MINUTES))
                .endTime(Instant.now().plus(1, ChronoUnit.MINUTES)).period(3600)
                .statistics(Statistic.AVERAGE, Statistic.SAMPLE_COUNT, Statistic.MAXIMUM)).datapoints();
    }

    @Test
    void publishesBothSeriesWithTheNamesTheAlarmReads() {
        MetricPublisher p = new MetricPublisher(cloudwatch, "grp-a", "i-0aaa", () -> 42.5, System.out);
        assertEquals(42.5, p.publishOnce());
        List<Metric> metrics = cloudwatch.listMetrics(r -> r.namespace("ChordFS").metricName("disk_used_percent"))
                .metrics().stream().filter(m -> m.dimensions().contains(dim("AutoScalingGroupName", "grp-a"))).toList();
        Set<Set<Dimension>> series = metrics.stream().map(m -> Set.copyOf(m.dimensions())).collect(Collectors.toSet());
        assertEquals(Set.of(Set.of(dim("AutoScalingGroupName", "grp-a")),
                Set.of(dim("AutoScalingGroupName", "grp-a"), dim("InstanceId", "i-0aaa"))), series);
        List<Datapoint> group = stats(dim("AutoScalingGroupName", "grp-a"));
        assertEquals(1, group.size(), group.toString());
        assertEquals(42.5, group.get(0).average(), 1e-9);
        List<Datapoint> instance = stats(dim("AutoScalingGroupName", "grp-a"), dim("InstanceId", "i-0aaa"));
        assertEquals(42.5, instance.get(0).average(), 1e-9);
    }

    @Test
    void groupAverageOverTwoInstances() {
        new MetricPublisher(cloudwatch, "grp-b", "i-0b1", () -> 10.0, System.out).publishOnce();
        new MetricPublisher(cloudwatch, "grp-b", "i-0b2", () -> 50.0, System.out).publishOnce();
        // The alarm's statistic: the average of the group series over both instances. (moto also
        // counts the per-instance series here, as it matches datapoints whose dimensions include
        // the ones asked for, where AWS matches exactly; the average is the same either way.)
        Datapoint d = stats(dim("AutoScalingGroupName", "grp-b")).get(0);
        assertEquals(30.0, d.average(), 1e-9);
        Datapoint one = stats(dim("AutoScalingGroupName", "grp-b"), dim("InstanceId", "i-0b1")).get(0);
        assertEquals(10.0, one.average(), 1e-9);
        assertEquals(1.0, one.sampleCount(), 1e-9);
    }

    @Test
    void publishesTheNodesStoreUsageEveryPeriod(@TempDir Path dir) throws Exception {
        NodeDaemon node = NodeDaemon.start(NodeDaemon.Config.of("127.0.65.1", dir));
        AtomicInteger reads = new AtomicInteger();
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        try (MetricPublisher p = new MetricPublisher(cloudwatch, "grp-c", "i-0c", () -> {
            reads.incrementAndGet();
            return node.store().usedPercent();
        }, new PrintStream(log, true)).start(150)) {
            long deadline = System.currentTimeMillis() + 10_000;
            while (reads.get() < 3 && System.currentTimeMillis() < deadline) {
                Thread.sleep(20);
            }
            Thread.sleep(300); // let the third put land
        } finally {
            node.halt();
        }
        double expected = node.store().usedPercent();
        Datapoint d = stats(dim("AutoScalingGroupName", "grp-c"), dim("InstanceId", "i-0c")).get(0);
        assertTrue(d.sampleCount() >= 3, d.toString() + " " + log);
        assertTrue(d.maximum() > 0 && d.maximum() <= 100, d.toString());
        assertEquals(expected, d.average(), 1.0, "the data directory's file system usage");
    }
}
