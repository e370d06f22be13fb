package io.chordfs.deploy;

import java.io.PrintStream;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/** {@code up}: creates or updates in place everything one deployment needs, tagged with its NAME. */
public final class Up {
    public enum Policy {
        STEP, TARGET_TRACKING;

        /** The word on the command line, which picocli also reads back. */
        @Override
        public String toString() {
            return name().toLowerCase(Locale.ROOT).replace('_', '-');
        }
    }

    /** What the command line asked for. */
    public record Request(String ami, String instanceProfile, String instanceType, List<String> subnets,
                          String clientCidr, AutoScalingGroups.Size size, Policy policy, int threshold) {}

    private Up() {}

    public static void run(Aws aws, Names names, Request req, PrintStream out) {
        Network network = Network.resolve(aws.ec2, req.subnets());
        String groupId = new SecurityGroups(aws.ec2, names, out).ensure(network.vpcId(), req.clientCidr());
        new LaunchTemplates(aws.ec2, names, out).ensure(
                new LaunchTemplates.Spec(req.ami(), req.instanceType(), req.instanceProfile(), groupId));
        new AutoScalingGroups(aws.autoscaling, names, out).ensure(req.size(), network.subnetIds());
        new LifecycleHooks(aws.autoscaling, names, out).ensure();
        ScalingPolicies policies = new ScalingPolicies(aws.autoscaling, names, out);
        Alarms alarms = new Alarms(aws.cloudwatch, names, out);
        if (req.policy() == Policy.STEP) {
            String arn = policies.ensureStep();
            alarms.ensure(arn, req.threshold());
            policies.delete(names.targetPolicy());
        } else {
            policies.ensureTargetTracking(req.threshold());
            alarms.delete();
            policies.delete(names.stepPolicy());
        }
        out.println("up: " + names.name() + " is ready");
    }

    static List<String> list(String csv) {
        return csv == null ? List.of()
                : Arrays.stream(csv.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
    }
}
