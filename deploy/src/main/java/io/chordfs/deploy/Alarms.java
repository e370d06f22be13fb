package io.chordfs.deploy;

import java.io.PrintStream;
import java.util.Optional;
import software.amazon.awssdk.services.cloudwatch.CloudWatchClient;
import software.amazon.awssdk.services.cloudwatch.model.ComparisonOperator;
import software.amazon.awssdk.services.cloudwatch.model.Dimension;
import software.amazon.awssdk.services.cloudwatch.model.MetricAlarm;
import software.amazon.awssdk.services.cloudwatch.model.Statistic;
import software.amazon.awssdk.services.cloudwatch.model.Tag;

/**
 * The alarm that drives the step policy: group-average {@code disk_used_percent} above the
 * threshold for 2 periods of 60 s. (The nodes publish the metric themselves.)
 */
public final class Alarms {
    static final int PERIOD = 60;
    static final int EVALUATION_PERIODS = 2;

    private final CloudWatchClient cloudwatch;
    private final Names names;
    private final PrintStream out;

    public Alarms(CloudWatchClient cloudwatch, Names names, PrintStream out) {
        this.cloudwatch = cloudwatch;
        this.names = names;
        this.out = out;
    }

    public Optional<MetricAlarm> find() {
        return cloudwatch.describeAlarms(r -> r.alarmNames(names.alarm())).metricAlarms().stream().findFirst();
    }

    public void ensure(String policyArn, int threshold) {
        Optional<MetricAlarm> existing = find();
        if (existing.isPresent() && isWanted(existing.get(), policyArn, threshold)) {
            out.println("alarm " + names.alarm() + " unchanged");
            return;
        }
        // PutMetricAlarm is an upsert; tags are applied only when it creates the alarm.
        cloudwatch.putMetricAlarm(r -> r.alarmName(names.alarm())
                .alarmDescription("ChordFS " + names.name() + ": add a node when the fleet's disks fill up")
                .namespace(Names.NAMESPACE).metricName(Names.METRIC)
                .dimensions(Dimension.builder().name(Names.ASG_DIMENSION).value(names.autoScalingGroup()).build())
                .statistic(Statistic.AVERAGE)
                .period(PERIOD).evaluationPeriods(EVALUATION_PERIODS)
                .threshold((double) threshold)
                .comparisonOperator(ComparisonOperator.GREATER_THAN_THRESHOLD)
                .treatMissingData("notBreaching")
                .alarmActions(policyArn)
                .tags(Tag.builder().key(Names.TAG_KEY).value(names.name()).build()));
        out.println((existing.isPresent() ? "updated" : "created") + " alarm " + names.alarm() + " (average "
                + Names.METRIC + " > " + threshold + " for " + EVALUATION_PERIODS + " x " + PERIOD + " s)");
    }

    private boolean isWanted(MetricAlarm a, String policyArn, int threshold) {
        return Names.METRIC.equals(a.metricName()) && Names.NAMESPACE.equals(a.namespace())
                && a.statistic() == Statistic.AVERAGE
                && a.period() != null && a.period() == PERIOD
                && a.evaluationPeriods() != null && a.evaluationPeriods() == EVALUATION_PERIODS
                && a.threshold() != null && a.threshold() == threshold
                && a.comparisonOperator() == ComparisonOperator.GREATER_THAN_THRESHOLD
                && a.alarmActions().equals(java.util.List.of(policyArn))
                && a.dimensions().equals(java.util.List.of(
                        Dimension.builder().name(Names.ASG_DIMENSION).value(names.autoScalingGroup()).build()));
    }

    public boolean delete() {
        if (find().isEmpty()) {
            return false;
        }
        cloudwatch.deleteAlarms(r -> r.alarmNames(names.alarm()));
        out.println("deleted alarm " + names.alarm());
        return true;
    }
}
