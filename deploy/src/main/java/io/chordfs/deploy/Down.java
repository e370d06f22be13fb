package io.chordfs.deploy;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import software.amazon.awssdk.services.ec2.model.Instance;

/** {@code down}: deletes everything {@code up} created, then says what, if anything, is left. */
public final class Down {
    static final long ASG_TIMEOUT_MILLIS = 15 * 60_000L;
    static final long SG_TIMEOUT_MILLIS = 5 * 60_000L;

    private Down() {}

    /** Returns the resources still there afterwards (empty when everything is gone). */
    public static List<String> run(Aws aws, Names names, PrintStream out) {
        Alarms alarms = new Alarms(aws.cloudwatch, names, out);
        ScalingPolicies policies = new ScalingPolicies(aws.autoscaling, names, out);
        LifecycleHooks hooks = new LifecycleHooks(aws.autoscaling, names, out);
        AutoScalingGroups groups = new AutoScalingGroups(aws.autoscaling, names, out);
        LaunchTemplates templates = new LaunchTemplates(aws.ec2, names, out);
        SecurityGroups securityGroups = new SecurityGroups(aws.ec2, names, out);

        alarms.delete();
        if (groups.find().isPresent()) {
            policies.delete(names.stepPolicy());
            policies.delete(names.targetPolicy());
            // The hook goes first: with it, a forced delete would still wait for each node's drain.
            hooks.delete();
            groups.delete(ASG_TIMEOUT_MILLIS);
        }
        Waits.until(() -> liveInstances(aws, names).isEmpty(), ASG_TIMEOUT_MILLIS, 10_000);
        templates.delete();
        securityGroups.delete(System.currentTimeMillis() + SG_TIMEOUT_MILLIS);

        List<String> left = leftovers(aws, names);
        if (left.isEmpty()) {
            out.println("down: nothing left of " + names.name());
        } else {
            out.println("down: left of " + names.name() + ":");
            left.forEach(l -> out.println("  " + l));
        }
        return left;
    }

    static List<String> leftovers(Aws aws, Names names) {
        PrintStream quiet = new PrintStream(PrintStream.nullOutputStream());
        List<String> left = new ArrayList<>();
        new AutoScalingGroups(aws.autoscaling, names, quiet).find()
                .ifPresent(g -> left.add("auto scaling group " + g.autoScalingGroupName() + " (" + g.status() + ")"));
        new LifecycleHooks(aws.autoscaling, names, quiet).find()
                .ifPresent(h -> left.add("lifecycle hook " + h.lifecycleHookName()));
        try {
            new ScalingPolicies(aws.autoscaling, names, quiet).all()
                    .forEach(p -> left.add("scaling policy " + p.policyName()));
        } catch (software.amazon.awssdk.services.autoscaling.model.AutoScalingException e) {
            // no group, so no policies
        }
        new Alarms(aws.cloudwatch, names, quiet).find().ifPresent(a -> left.add("alarm " + a.alarmName()));
        liveInstances(aws, names).forEach(i -> left.add("instance " + i.instanceId() + " (" + i.state().nameAsString() + ")"));
        new LaunchTemplates(aws.ec2, names, quiet).find()
                .ifPresent(t -> left.add("launch template " + t.launchTemplateId()));
        new SecurityGroups(aws.ec2, names, quiet).find().ifPresent(g -> left.add("security group " + g.groupId()));
        return left;
    }

    static List<Instance> liveInstances(Aws aws, Names names) {
        return aws.ec2.describeInstances(r -> r.filters(
                        Network.filter("tag:" + Names.TAG_KEY, names.name()),
                        Network.filter("instance-state-name", "pending", "running", "shutting-down", "stopping", "stopped")))
                .reservations().stream().flatMap(res -> res.instances().stream()).toList();
    }
}
