package io.chordfs.deploy;

import java.io.PrintStream;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import software.amazon.awssdk.services.autoscaling.model.AutoScalingGroup;
import software.amazon.awssdk.services.autoscaling.model.Instance;
import software.amazon.awssdk.services.autoscaling.model.ScalingPolicy;
import software.amazon.awssdk.services.cloudwatch.model.MetricAlarm;

/** {@code status}: the group's instances and their lifecycle states, the alarm's state, and the ring. */
public final class Status {
    private Status() {}

    /** Returns false when there is no such deployment. */
    public static boolean run(Aws aws, Names names, RingStatus.Target ring, PrintStream out) {
        Optional<AutoScalingGroup> group = new AutoScalingGroups(aws.autoscaling, names, out).find();
        Optional<MetricAlarm> alarm = new Alarms(aws.cloudwatch, names, out).find();
        if (group.isEmpty()) {
            out.println("no auto scaling group " + names.autoScalingGroup()
                    + (alarm.isPresent() ? " (but alarm " + names.alarm() + " exists: run down)" : ""));
            return false;
        }
        AutoScalingGroup g = group.get();
        out.printf("auto scaling group %s: min %d, max %d, desired %d, subnets %s%n",
                g.autoScalingGroupName(), g.minSize(), g.maxSize(), g.desiredCapacity(), g.vpcZoneIdentifier());
        Map<String, software.amazon.awssdk.services.ec2.model.Instance> details = details(aws, g.instances());
        out.println("instances: " + g.instances().size());
        for (Instance i : g.instances()) {
            var d = details.get(i.instanceId());
            out.printf("  %-20s %-22s %-10s %-12s private %-15s public %s%n", i.instanceId(),
                    i.lifecycleStateAsString(), i.healthStatus(), i.availabilityZone(),
                    d == null || d.privateIpAddress() == null ? "-" : d.privateIpAddress(),
                    d == null || d.publicIpAddress() == null ? "-" : d.publicIpAddress());
        }
        List<ScalingPolicy> policies = new ScalingPolicies(aws.autoscaling, names, out).all();
        for (ScalingPolicy p : policies) {
            out.println("policy " + p.policyName() + ": " + p.policyType());
        }
        if (alarm.isPresent()) {
            MetricAlarm a = alarm.get();
            out.println("alarm " + a.alarmName() + ": " + a.stateValueAsString()
                    + (a.stateReason() == null ? "" : " (" + a.stateReason() + ")"));
        } else {
            out.println("alarm " + names.alarm() + ": none" + (policies.stream().anyMatch(
                    p -> "TargetTrackingScaling".equals(p.policyType())) ? " (target tracking manages its own alarms)" : ""));
        }
        RingStatus.print(g.instances(), details, ring, out);
        return true;
    }

    private static Map<String, software.amazon.awssdk.services.ec2.model.Instance> details(Aws aws, List<Instance> instances) {
        Map<String, software.amazon.awssdk.services.ec2.model.Instance> byId = new HashMap<>();
        if (instances.isEmpty()) {
            return byId;
        }
        List<String> ids = instances.stream().map(Instance::instanceId).toList();
        aws.ec2.describeInstances(r -> r.instanceIds(ids)).reservations()
                .forEach(res -> res.instances().forEach(i -> byId.put(i.instanceId(), i)));
        return byId;
    }
}
