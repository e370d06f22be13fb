package io.chordfs.node.aws;

import io.chordfs.core.cli.IoErrors;
import io.chordfs.node.daemon.NodeDaemon;
import java.io.IOException;
import java.io.PrintStream;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.ec2.Ec2Client;

/**
 * {@code node-daemon run --aws}: the node on an EC2 instance of an Auto Scaling group. Identity
 * from IMDSv2, then the node starts, finds its ring ({@link Discovery}), publishes its disk use
 * ({@link MetricPublisher}) and drains on scale-in ({@link LifecycleWatcher}). SIGTERM still
 * makes it leave gracefully; whichever comes first, the node leaves once, and a SIGTERM during
 * the scale-in drain waits for it.
 */
public final class AwsNode {
    /** Periods and timeouts; {@link #DEFAULTS} on EC2, shorter in tests. */
    public record Timing(long probeMs, long joinMs, long firstBackoffMs, long maxBackoffMs, long metricPeriodMs,
                         long lifecyclePollMs, long heartbeatMs, long drainMs) {}

    public static final Timing DEFAULTS = new Timing(2_000, 30_000, 1_000, 30_000, MetricPublisher.DEFAULT_PERIOD_MS,
            5_000, 60_000, NodeDaemon.DEFAULT_DRAIN_MS);

    private final AwsClients aws;
    private final Imds imds;
    private final LifecycleActions lifecycle;
    private final Timing timing;

    /** @param lifecycle null for the real calls on the group's termination hook */
    public AwsNode(AwsClients aws, Imds imds, LifecycleActions lifecycle, Timing timing) {
        this.aws = aws;
        this.imds = imds;
        this.lifecycle = lifecycle;
        this.timing = timing;
    }

    /** The identity of the instance this runs on; {@code asg} null reads the group tag. */
    public static InstanceIdentity identity(Imds imds, String asg) {
        return InstanceIdentity.fetch(imds, asg, (id, region) -> {
            try (Ec2Client ec2 = Ec2Client.builder().region(Region.of(region)).build()) {
                return Ec2GroupTag.groupOf(ec2, id);
            }
        });
    }

    /**
     * Runs the node until it has left the ring (scale-in or the kill RPC); returns the exit status.
     * The node announces {@code config.ip()}, the instance's address of {@code kind}, and listens on
     * its private address whichever that is: EC2 puts no public IPv4 address on an interface and
     * delivers traffic for it to the private one. Not 0.0.0.0, so nothing is served on other
     * interfaces (a container bridge, say).
     */
    public int run(NodeDaemon.Config config, InstanceIdentity me, AddressKind kind, PrintStream out, PrintStream err) {
        NodeDaemon node;
        try {
            node = NodeDaemon.start(config.withListenIp(me.privateIp()));
        } catch (IOException e) {
            err.println("node-daemon: cannot start on " + me.privateIp() + ": " + IoErrors.describe(e));
            return 1;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        AtomicBoolean leaving = new AtomicBoolean();
        CountDownLatch left = new CountDownLatch(1);
        Runnable leaveOnce = () -> {
            if (leaving.compareAndSet(false, true)) {
                try {
                    node.leaveAndClose(timing.drainMs());
                } finally {
                    left.countDown();
                }
            } else {
                await(left, timing.drainMs() + 30_000); // the other path is draining: let it finish
            }
        };
        node.onKilled(() -> {
            leaving.set(true); // the kill RPC has made it leave already
            left.countDown();
            stopped.countDown();
        });
        Thread hook = new Thread(leaveOnce, "shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        out.println("instance " + me.instanceId() + " of group " + me.group() + " in " + me.region() + ": node "
                + node.self() + " listening on " + me.privateIp() + ", data in " + config.dataDir().toAbsolutePath());
        try (NodeRingEntry entry = new NodeRingEntry(node, Duration.ofMillis(timing.probeMs()), timing.joinMs())) {
            new Discovery(new AwsGroupMembers(aws.autoscaling(), aws.ec2(), me.group(), kind), me.instanceId(), entry,
                    config.port(), timing.firstBackoffMs(), timing.maxBackoffMs(), out).run();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 1;
        }
        LifecycleActions actions = lifecycle != null ? lifecycle : new AwsLifecycleActions(aws.autoscaling(), me.group(),
                AwsLifecycleActions.hookFor(me.group()), me.instanceId());
        try (MetricPublisher metrics = new MetricPublisher(aws.cloudwatch(), me.group(), me.instanceId(),
                     () -> node.store().usedPercent(), out).start(timing.metricPeriodMs());
             LifecycleWatcher watcher = new LifecycleWatcher(() -> imds.optional(LifecycleWatcher.STATE_PATH), actions,
                     leaveOnce, timing.heartbeatMs(), out).afterComplete(stopped::countDown)
                     .start(timing.lifecyclePollMs())) {
            stopped.await();
            TimeUnit.MILLISECONDS.sleep(200); // let the kill RPC's answer go out
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            Runtime.getRuntime().removeShutdownHook(hook); // nothing left to do at exit
        } catch (IllegalStateException exiting) {
            // already shutting down: the hook runs (and finds the node gone)
        }
        return 0;
    }

    private static void await(CountDownLatch latch, long ms) {
        try {
            latch.await(ms, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
