package io.chordfs.node.aws;

import java.io.PrintStream;
import java.time.Instant;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.DoubleSupplier;
import software.amazon.awssdk.services.cloudwatch.CloudWatchClient;
import software.amazon.awssdk.services.cloudwatch.model.Dimension;
import software.amazon.awssdk.services.cloudwatch.model.MetricDatum;
import software.amazon.awssdk.services.cloudwatch.model.StandardUnit;

/**
 * Publishes {@value #METRIC} (namespace {@value #NAMESPACE}) every period with PutMetricData:
 * one series with only {@value #ASG_DIMENSION} (its group average is what the deploy tool's
 * alarm reads) and one with {@value #INSTANCE_DIMENSION} added (for dashboards).
 */
public final class MetricPublisher implements AutoCloseable {
    // The deploy tool's alarm reads these (deploy's Names): keep them equal.
    public static final String NAMESPACE = "ChordFS";
    public static final String METRIC = "disk_used_percent";
    public static final String ASG_DIMENSION = "AutoScalingGroupName";
    public static final String INSTANCE_DIMENSION = "InstanceId";
    public static final long DEFAULT_PERIOD_MS = 60_000;

    private final CloudWatchClient cloudwatch;
    private final String group;
    private final String instanceId;
    private final DoubleSupplier usedPercent;
    private final PrintStream log;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "metric-publisher");
        t.setDaemon(true);
        return t;
    });

    public MetricPublisher(CloudWatchClient cloudwatch, String group, String instanceId, DoubleSupplier usedPercent,
                           PrintStream log) {
        this.cloudwatch = cloudwatch;
        this.group = group;
        this.instanceId = instanceId;
        this.usedPercent = usedPercent;
        this.log = log;
    }

    /** Publishes now and then every {@code periodMs}; a failed put is logged and retried next period. */
    public MetricPublisher start(long periodMs) {
        timer.scheduleAtFixedRate(() -> {
            try {
                publishOnce();
            } catch (RuntimeException e) {
                log.println("could not publish " + METRIC + ": " + e.getMessage());
            }
        }, 0, periodMs, TimeUnit.MILLISECONDS);
        return this;
    }

    /** One PutMetricData with both series; returns the value sent. */
    public double publishOnce() {
        double value = usedPercent.getAsDouble();
        Instant now = Instant.now();
        Dimension asg = Dimension.builder().name(ASG_DIMENSION).value(group).build();
        Dimension instance = Dimension.builder().name(INSTANCE_DIMENSION).value(instanceId).build();
        cloudwatch.putMetricData(r -> r.namespace(NAMESPACE).metricData(
                datum(value, now).dimensions(asg).build(),
                datum(value, now).dimensions(asg, instance).build()));
        return value;
    }

    private static MetricDatum.Builder datum(double value, Instant at) {
        return MetricDatum.builder().metricName(METRIC).unit(StandardUnit.PERCENT).value(value).timestamp(at);
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
