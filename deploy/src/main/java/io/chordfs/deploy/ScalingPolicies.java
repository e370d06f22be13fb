package io.chordfs.deploy;

import java.io.PrintStream;
import java.util.List;
import java.util.Optional;
import software.amazon.awssdk.services.autoscaling.AutoScalingClient;
import software.amazon.awssdk.services.autoscaling.model.CustomizedMetricSpecification;
import software.amazon.awssdk.services.autoscaling.model.MetricDimension;
import software.amazon.awssdk.services.autoscaling.model.MetricStatistic;
import software.amazon.awssdk.services.autoscaling.model.ScalingPolicy;
import software.amazon.awssdk.services.autoscaling.model.StepAdjustment;
import software.amazon.awssdk.services.autoscaling.model.TargetTrackingConfiguration;

/**
 * The scale-out policy on the group-average {@code disk_used_percent}: a step policy (+1 instance,
 * driven by the alarm of {@link Alarms}) or a target-tracking policy on the same metric.
 */
public final class ScalingPolicies {
    /** Seconds a new instance needs before its metric counts (the teaching setup's 180 s). */
    static final int WARMUP = 180;

    private final AutoScalingClient autoscaling;
    private final Names names;
    private final PrintStream out;

    public ScalingPolicies(AutoScalingClient autoscaling, Names names, PrintStream out) {
        this.autoscaling = autoscaling;
        this.names = names;
        this.out = out;
    }

    public Optional<ScalingPolicy> find(String policyName) {
        return all().stream().filter(p -> policyName.equals(p.policyName())).findFirst();
    }

    public List<ScalingPolicy> all() {
        return autoscaling.describePolicies(r -> r.autoScalingGroupName(names.autoScalingGroup())).scalingPolicies();
    }

    /**
     * Puts the step policy and returns its ARN. PutScalingPolicy is an upsert; moto answers it
     * without the ARN, so the ARN is read back with DescribePolicies (which AWS answers the same).
     */
    public String ensureStep() {
        Optional<ScalingPolicy> existing = find(names.stepPolicy());
        if (existing.isPresent() && isWantedStep(existing.get())) {
            out.println("step scaling policy " + names.stepPolicy() + " unchanged");
            return existing.get().policyARN();
        }
        autoscaling.putScalingPolicy(r -> r.autoScalingGroupName(names.autoScalingGroup())
                .policyName(names.stepPolicy())
                .policyType("StepScaling")
                .adjustmentType("ChangeInCapacity")
                .metricAggregationType("Average")
                .estimatedInstanceWarmup(WARMUP)
                .stepAdjustments(StepAdjustment.builder().metricIntervalLowerBound(0.0).scalingAdjustment(1).build()));
        String arn = find(names.stepPolicy()).map(ScalingPolicy::policyARN)
                .orElseThrow(() -> new DeployException("policy " + names.stepPolicy() + " not found after PutScalingPolicy"));
        out.println((existing.isPresent() ? "updated" : "created") + " step scaling policy " + names.stepPolicy()
                + " (+1 instance, " + WARMUP + " s warm-up)");
        return arn;
    }

    private static boolean isWantedStep(ScalingPolicy p) {
        return "StepScaling".equals(p.policyType()) && "ChangeInCapacity".equals(p.adjustmentType())
                && p.estimatedInstanceWarmup() != null && p.estimatedInstanceWarmup() == WARMUP
                && p.stepAdjustments().size() == 1 && p.stepAdjustments().get(0).scalingAdjustment() == 1
                && Double.valueOf(0.0).equals(p.stepAdjustments().get(0).metricIntervalLowerBound());
    }

    /** Puts the target-tracking policy: keep the group-average disk_used_percent at the threshold. */
    public void ensureTargetTracking(int threshold) {
        Optional<ScalingPolicy> existing = find(names.targetPolicy());
        TargetTrackingConfiguration config = TargetTrackingConfiguration.builder()
                .customizedMetricSpecification(CustomizedMetricSpecification.builder()
                        .namespace(Names.NAMESPACE).metricName(Names.METRIC)
                        .dimensions(MetricDimension.builder().name(Names.ASG_DIMENSION)
                                .value(names.autoScalingGroup()).build())
                        .statistic(MetricStatistic.AVERAGE).build())
                .targetValue((double) threshold)
                .build();
        if (existing.isPresent() && existing.get().targetTrackingConfiguration() != null
                && Double.valueOf(threshold).equals(existing.get().targetTrackingConfiguration().targetValue())
                && existing.get().estimatedInstanceWarmup() != null
                && existing.get().estimatedInstanceWarmup() == WARMUP) {
            out.println("target tracking policy " + names.targetPolicy() + " unchanged");
            return;
        }
        autoscaling.putScalingPolicy(r -> r.autoScalingGroupName(names.autoScalingGroup())
                .policyName(names.targetPolicy())
                .policyType("TargetTrackingScaling")
                .estimatedInstanceWarmup(WARMUP)
                .targetTrackingConfiguration(config));
        out.println((existing.isPresent() ? "updated" : "created") + " target tracking policy " + names.targetPolicy()
                + " (" + Names.METRIC + " at " + threshold + " %, " + WARMUP + " s warm-up)");
    }

    public boolean delete(String policyName) {
        if (find(policyName).isEmpty()) {
            return false;
        }
        autoscaling.deletePolicy(r -> r.autoScalingGroupName(names.autoScalingGroup()).policyName(policyName));
        out.println("deleted scaling policy " + policyName);
        return true;
    }
}
