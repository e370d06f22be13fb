package io.chordfs.node.aws;

import java.io.PrintStream;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

/**
 * Watches the instance's target lifecycle state (IMDS {@code autoscaling/target-lifecycle-state});
 * when it becomes {@code Terminated} (the group is scaling in and the termination hook holds the
 * instance in Terminating:Wait), drains the node while sending lifecycle heartbeats, then
 * completes the lifecycle action so the instance terminates. Runs the drain once.
 */
public final class LifecycleWatcher implements AutoCloseable {
    public static final String STATE_PATH = "autoscaling/target-lifecycle-state";
    public static final String TERMINATED = "Terminated";
    private static final int COMPLETE_ATTEMPTS = 5;

    private final Supplier<Optional<String>> state;
    private final LifecycleActions actions;
    private final Runnable drain;
    private final long heartbeatMs;
    private final PrintStream log;
    private final AtomicBoolean started = new AtomicBoolean();
    private final ScheduledExecutorService timer = Executors.newScheduledThreadPool(1, r -> {
        Thread t = new Thread(r, "lifecycle-watcher");
        t.setDaemon(true);
        return t;
    });
    private volatile Runnable afterComplete = () -> { };

    /**
     * @param state the current target lifecycle state (empty when unknown)
     * @param drain the graceful leave; must return once the node has stopped
     */
    public LifecycleWatcher(Supplier<Optional<String>> state, LifecycleActions actions, Runnable drain,
                            long heartbeatMs, PrintStream log) {
        this.state = state;
        this.actions = actions;
        this.drain = drain;
        this.heartbeatMs = heartbeatMs;
        this.log = log;
    }

    /** Runs after the action is completed (or given up on): the process may exit. */
    public LifecycleWatcher afterComplete(Runnable r) {
        afterComplete = r;
        return this;
    }

    public LifecycleWatcher start(long pollMs) {
        timer.scheduleWithFixedDelay(this::poll, 0, pollMs, TimeUnit.MILLISECONDS);
        return this;
    }

    private void poll() {
        if (started.get()) {
            return;
        }
        Optional<String> s;
        try {
            s = state.get();
        } catch (RuntimeException e) {
            return; // IMDS hiccup: ask again next time
        }
        if (s.isPresent() && TERMINATED.equals(s.get()) && started.compareAndSet(false, true)) {
            // Off the timer thread, so the heartbeats below can run on it.
            Thread t = new Thread(this::drainAndComplete, "scale-in-drain");
            t.setDaemon(false);
            t.start();
        }
    }

    /** Whether the scale-in drain has begun. */
    public boolean draining() {
        return started.get();
    }

    private void drainAndComplete() {
        log.println("scale-in: target lifecycle state is " + TERMINATED + "; draining this node");
        ScheduledFuture<?> beats = timer.scheduleAtFixedRate(() -> {
            try {
                actions.heartbeat();
            } catch (RuntimeException e) {
                log.println("scale-in: lifecycle heartbeat failed: " + e.getMessage());
            }
        }, 0, heartbeatMs, TimeUnit.MILLISECONDS);
        try {
            drain.run();
        } catch (RuntimeException e) {
            log.println("scale-in: drain failed: " + e + "; completing the lifecycle action anyway");
        } finally {
            beats.cancel(false);
            awaitTimerIdle(); // no heartbeat after the completion
        }
        for (int attempt = 1; attempt <= COMPLETE_ATTEMPTS; attempt++) {
            try {
                actions.complete();
                log.println("scale-in: drained; lifecycle action completed");
                break;
            } catch (RuntimeException e) {
                log.println("scale-in: CompleteLifecycleAction failed (attempt " + attempt + "): " + e.getMessage());
                sleep(1000L * attempt);
            }
        }
        timer.shutdown();
        afterComplete.run();
    }

    private void awaitTimerIdle() {
        try {
            timer.submit(() -> { }).get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        if (!started.get()) {
            timer.shutdownNow();
        }
    }
}
