package io.chordfs.deploy;

import java.io.PrintStream;
import java.util.Optional;
import software.amazon.awssdk.services.autoscaling.AutoScalingClient;
import software.amazon.awssdk.services.autoscaling.model.LifecycleHook;

/**
 * The termination lifecycle hook: a terminating instance waits in Terminating:Wait while its
 * node drains (sending heartbeats), then the node completes the action.
 */
public final class LifecycleHooks {
    static final String TRANSITION = "autoscaling:EC2_INSTANCE_TERMINATING";
    /** Seconds without a heartbeat before AWS gives up waiting; the node heartbeats while it drains. */
    static final int HEARTBEAT_TIMEOUT = 300;

    private final AutoScalingClient autoscaling;
    private final Names names;
    private final PrintStream out;

    public LifecycleHooks(AutoScalingClient autoscaling, Names names, PrintStream out) {
        this.autoscaling = autoscaling;
        this.names = names;
        this.out = out;
    }

    public Optional<LifecycleHook> find() {
        try {
            return autoscaling.describeLifecycleHooks(r -> r.autoScalingGroupName(names.autoScalingGroup()))
                    .lifecycleHooks().stream()
                    .filter(h -> names.lifecycleHook().equals(h.lifecycleHookName())).findFirst();
        } catch (software.amazon.awssdk.services.autoscaling.model.AutoScalingException e) {
            return Optional.empty(); // no such group
        }
    }

    public void ensure() {
        Optional<LifecycleHook> existing = find();
        if (existing.isPresent() && TRANSITION.equals(existing.get().lifecycleTransition())
                && existing.get().heartbeatTimeout() != null && existing.get().heartbeatTimeout() == HEARTBEAT_TIMEOUT
                && "CONTINUE".equals(existing.get().defaultResult())) {
            out.println("lifecycle hook " + names.lifecycleHook() + " unchanged");
            return;
        }
        autoscaling.putLifecycleHook(r -> r.autoScalingGroupName(names.autoScalingGroup())
                .lifecycleHookName(names.lifecycleHook())
                .lifecycleTransition(TRANSITION)
                .heartbeatTimeout(HEARTBEAT_TIMEOUT)
                .defaultResult("CONTINUE"));
        out.println((existing.isPresent() ? "updated" : "created") + " lifecycle hook " + names.lifecycleHook()
                + " (on termination, heartbeat timeout " + HEARTBEAT_TIMEOUT + " s)");
    }

    public boolean delete() {
        if (find().isEmpty()) {
            return false;
        }
        autoscaling.deleteLifecycleHook(r -> r.autoScalingGroupName(names.autoScalingGroup())
                .lifecycleHookName(names.lifecycleHook()));
        out.println("deleted lifecycle hook " + names.lifecycleHook());
        return true;
    }
}
