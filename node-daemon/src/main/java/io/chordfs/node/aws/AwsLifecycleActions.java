package io.chordfs.node.aws;

import software.amazon.awssdk.services.autoscaling.AutoScalingClient;

/**
 * {@link LifecycleActions} on the group's termination hook. The deploy tool names the hook
 * {@code GROUP-drain} (deploy's {@code Names.lifecycleHook()}, the group being named NAME).
 */
public final class AwsLifecycleActions implements LifecycleActions {
    private final AutoScalingClient autoscaling;
    private final String group;
    private final String hook;
    private final String instanceId;

    public AwsLifecycleActions(AutoScalingClient autoscaling, String group, String hook, String instanceId) {
        this.autoscaling = autoscaling;
        this.group = group;
        this.hook = hook;
        this.instanceId = instanceId;
    }

    /** The hook name the deploy tool gives the group {@code group}. */
    public static String hookFor(String group) {
        return group + "-drain";
    }

    @Override
    public void heartbeat() {
        autoscaling.recordLifecycleActionHeartbeat(r -> r.autoScalingGroupName(group).lifecycleHookName(hook)
                .instanceId(instanceId));
    }

    @Override
    public void complete() {
        autoscaling.completeLifecycleAction(r -> r.autoScalingGroupName(group).lifecycleHookName(hook)
                .instanceId(instanceId).lifecycleActionResult("CONTINUE"));
    }
}
