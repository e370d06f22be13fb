package io.chordfs.node.aws;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.chordfs.core.chord.ChordConfig;
import io.chordfs.node.daemon.NodeDaemon;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.Socket;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The scale-in path: the target lifecycle state read through the SDK's IMDS client from a local
 * IMDSv2 server, the lifecycle calls recorded by a fake of {@link LifecycleActions} (moto runs
 * no lifecycle actions), and a real node drained.
 */
class LifecycleWatcherTest {
    /** Records the order of events: heartbeats, drain start/end, complete. */
    static final class Recording implements LifecycleActions {
        final List<String> events = new CopyOnWriteArrayList<>();

        @Override
        public void heartbeat() {
            events.add("heartbeat");
        }

        @Override
        public void complete() {
            events.add("complete");
        }
    }

    @Test
    void drainsWithHeartbeatsThenCompletesOnTerminated(@TempDir Path dir) throws Exception {
        NodeDaemon node = NodeDaemon.start(NodeDaemon.Config.of("127.0.61.1", dir)
                .withChord(ChordConfig.defaults().withPeriods(50, 50)));
        node.createRing();
        Recording actions = new Recording();
        CountDownLatch done = new CountDownLatch(1);
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        try (FakeImds server = new FakeImds().put(LifecycleWatcher.STATE_PATH, "InService");
             Imds imds = Imds.connect(server.endpoint());
             LifecycleWatcher watcher = new LifecycleWatcher(() -> imds.optional(LifecycleWatcher.STATE_PATH), actions,
                     () -> {
                         actions.events.add("drain-start");
                         sleep(400); // a drain that takes a while: heartbeats must go out meanwhile
                         node.leaveAndClose(5_000);
                         actions.events.add("drain-end");
                     }, 50, new PrintStream(log, true)).afterComplete(done::countDown).start(30)) {
            Thread.sleep(300);
            assertTrue(actions.events.isEmpty(), "nothing happens while InService: " + actions.events);
            assertFalse(watcher.draining());
            assertTrue(portOpen(), "the node still serves");

            server.put(LifecycleWatcher.STATE_PATH, "Terminated");
            assertTrue(done.await(20, TimeUnit.SECONDS), "completed: " + actions.events + " " + log);
            assertTrue(watcher.draining());
        }
        List<String> ev = actions.events;
        assertEquals("drain-start", ev.stream().filter(e -> !e.equals("heartbeat")).findFirst().orElseThrow(), ev.toString());
        int start = ev.indexOf("drain-start");
        int end = ev.indexOf("drain-end");
        long beatsDuring = ev.subList(start, end).stream().filter("heartbeat"::equals).count();
        assertTrue(beatsDuring >= 3, "heartbeats while draining: " + ev);
        assertEquals(List.of("drain-end", "complete"), ev.subList(end, ev.size()).stream()
                .filter(e -> !e.equals("heartbeat")).toList(), ev.toString());
        assertEquals("complete", ev.get(ev.size() - 1), "no heartbeat after the completion: " + ev);
        assertEquals(1, ev.stream().filter("complete"::equals).count());
        assertEquals(1, ev.stream().filter("drain-start"::equals).count(), "drained once");
        assertFalse(portOpen(), "the drained node has stopped listening");
        assertTrue(log.toString().contains("lifecycle action completed"), log.toString());
    }

    @Test
    void completesEvenWhenTheDrainFails() throws Exception {
        Recording actions = new Recording();
        CountDownLatch done = new CountDownLatch(1);
        try (FakeImds server = new FakeImds().put(LifecycleWatcher.STATE_PATH, "Terminated");
             Imds imds = Imds.connect(server.endpoint());
             LifecycleWatcher w = new LifecycleWatcher(() -> imds.optional(LifecycleWatcher.STATE_PATH), actions,
                     () -> {
                         throw new IllegalStateException("disk gone");
                     }, 50, new PrintStream(new ByteArrayOutputStream())).afterComplete(done::countDown).start(30)) {
            assertTrue(done.await(10, TimeUnit.SECONDS));
            assertTrue(w.draining());
        }
        assertEquals("complete", actions.events.get(actions.events.size() - 1));
    }

    @Test
    void awsActionsNameTheDeployToolsHook() {
        assertEquals("prod-drain", AwsLifecycleActions.hookFor("prod"));
        assertThrows(NullPointerException.class, () -> new InstanceIdentity(null, "1", null, "r", "g"));
    }

    private static boolean portOpen() {
        try (Socket s = new Socket("127.0.61.1", 5057)) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
