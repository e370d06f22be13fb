package io.chordfs.core.rpc;

import static io.chordfs.core.rpc.RpcTestSupport.LOOPBACK_ANY_PORT;
import static io.chordfs.core.rpc.RpcTestSupport.assertValueEquals;
import static io.chordfs.core.rpc.RpcTestSupport.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.chordfs.core.ring.NodeRef;
import io.chordfs.core.rpc.RpcTestSupport.Held;
import io.chordfs.core.rpc.RpcTestSupport.TestHandler;
import java.io.IOException;
import java.math.BigInteger;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class RpcClientTest {
    private final TestHandler handler = new TestHandler();
    private RpcServer server;
    private RpcClient client;

    @BeforeEach
    void start() throws IOException {
        server = RpcServer.start(LOOPBACK_ANY_PORT, handler, RpcLimits.defaults());
        client = new RpcClient(RpcLimits.defaults());
    }

    @AfterEach
    void stop() {
        client.close();
        server.close();
    }

    private static Throwable failureOf(CompletableFuture<Object> f) {
        ExecutionException e = assertThrows(ExecutionException.class, () -> f.get(5, TimeUnit.SECONDS));
        return e.getCause();
    }

    @Test
    void roundTripsEveryValueType() throws Exception {
        Map<Object, Object> map = new LinkedHashMap<>();
        map.put("node", new NodeRef("127.0.0.1", 15057, 4037961426L));
        map.put(1L, new byte[] {1, 2});
        List<Object> params = Arrays.asList(null, true, -5L, Long.MAX_VALUE, new BigInteger("18446744073709551615"),
                0.25, 1.5f, 7, "ünïcode", new byte[] {(byte) 0xff}, List.of(List.of("nested")), map);
        Map<Object, Object> decodedMap = new LinkedHashMap<>();
        decodedMap.put("node", List.of("127.0.0.1", 15057L, 4037961426L));
        decodedMap.put(1L, new byte[] {1, 2});
        List<Object> expected = Arrays.asList(null, true, -5L, Long.MAX_VALUE,
                new BigInteger("18446744073709551615"), 0.25, 1.5, 7L, "ünïcode", new byte[] {(byte) 0xff},
                List.of(List.of("nested")), decodedMap);
        assertValueEquals(expected, client.callSync(server.address(), "echo", params));
        assertEquals(List.of(), client.callSync(server.address(), "echo", null), "null params send none");
    }

    @Test
    void outOfOrderAnswersCompleteTheRightCalls() throws Exception {
        client.close();
        client = new RpcClient(RpcLimits.defaults().withConnectionsPerPeer(1));
        List<CompletableFuture<Object>> calls = new ArrayList<>();
        for (long i = 0; i < 100; i++) {
            calls.add(client.call(server.address(), "hold", List.of(i)));
        }
        List<Held> held = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            held.add(handler.held.poll(5, TimeUnit.SECONDS));
        }
        Collections.shuffle(held, new Random(7));
        for (Held h : held) {
            h.future().complete(List.of("answer", h.params().get(0)));
        }
        for (int i = 0; i < 100; i++) {
            assertEquals(List.of("answer", (long) i), calls.get(i).get(5, TimeUnit.SECONDS));
        }
        assertEquals(1, client.openConnections(), "all 100 were pipelined on one connection");
    }

    @Test
    void errorAnswersFailWithRpcErrorAndServingGoesOn() throws Exception {
        InetSocketAddress peer = server.address();
        RpcError unknown = assertInstanceOf(RpcError.class, failureOf(client.call(peer, "nope", List.of())));
        assertEquals("unknown method 'nope'", unknown.error());
        RpcError count = assertInstanceOf(RpcError.class, failureOf(client.call(peer, "add", List.of(1L))));
        assertEquals("bad params for 'add': expected 2 params", count.getMessage());
        RpcError types = assertInstanceOf(RpcError.class, failureOf(client.call(peer, "add", List.of("1", 2L))));
        assertEquals("bad params for 'add': expected integers", types.error());
        RpcError bug = assertThrows(RpcError.class, () -> client.callSync(peer, "boom", List.of()));
        assertEquals("internal error in 'boom'", bug.error());
        assertEquals(3L, client.callSync(peer, "add", List.of(1L, 2L)));
        assertInstanceOf(IllegalArgumentException.class, failureOf(client.call(peer, "echo", List.of(new Object()))));
    }

    @Test
    void refusedConnectionFailsFastWithIOException() throws Exception {
        InetSocketAddress dead;
        try (ServerSocket s = new ServerSocket(0, 1, LOOPBACK_ANY_PORT.getAddress())) {
            dead = (InetSocketAddress) s.getLocalSocketAddress();
        }
        long t0 = System.nanoTime();
        Throwable cause = failureOf(client.call(dead, "echo", List.of(), Duration.ofSeconds(10)));
        assertInstanceOf(ConnectException.class, cause);
        assertTrue(System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(2), "failed fast, not at the timeout");
        assertEquals(0, client.openConnections(), "the failed connection left the pool");
        assertThrows(ConnectException.class, () -> client.callSync(dead, "echo", List.of()));
    }

    @Test
    void unansweredCallTimesOutAndTheConnectionStaysUsable() throws Exception {
        long t0 = System.nanoTime();
        Throwable cause = failureOf(client.call(server.address(), "never", List.of(), Duration.ofMillis(300)));
        long elapsedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        assertInstanceOf(TimeoutException.class, cause);
        assertTrue(elapsedMs >= 290 && elapsedMs < 3000, "timed out after " + elapsedMs + " ms");
        assertEquals(List.of(1L), client.callSync(server.address(), "echo", List.of(1L)));
        assertEquals(1, client.connectionsCreated());
    }

    @Test
    void sequentialCallsReuseOnePooledConnection() throws Exception {
        for (long i = 0; i < 1000; i++) {
            assertEquals(i + 1, client.callSync(server.address(), "add", List.of(i, 1L)));
        }
        assertTrue(client.connectionsCreated() <= 2, "opened " + client.connectionsCreated());
        assertTrue(client.openConnections() <= 2);
        assertTrue(server.connectionCount() <= 2);
    }

    @Test
    void idlePooledConnectionsAreClosed() throws Exception {
        client.close();
        client = new RpcClient(RpcLimits.defaults().withPoolIdleTimeout(Duration.ofMillis(200)));
        assertEquals(List.of(), client.callSync(server.address(), "echo", List.of()));
        await(() -> client.openConnections() == 0, "idle connection closed");
        await(() -> server.connectionCount() == 0, "server saw the close");
        assertEquals(List.of(), client.callSync(server.address(), "echo", List.of()), "reconnects on demand");
        assertEquals(2, client.connectionsCreated());
    }

    @Test
    void poolCapEvictsTheLeastRecentlyUsedIdleConnection() throws Exception {
        client.close();
        client = new RpcClient(RpcLimits.defaults().withMaxPooledConnections(1));
        try (RpcServer other = RpcServer.start(LOOPBACK_ANY_PORT, handler, RpcLimits.defaults())) {
            assertEquals(List.of(), client.callSync(server.address(), "echo", List.of()));
            assertEquals(List.of(), client.callSync(other.address(), "echo", List.of()));
            assertEquals(1, client.openConnections());
            CompletableFuture<Object> busy = client.call(other.address(), "never", List.of());
            IOException full = assertInstanceOf(IOException.class,
                    failureOf(client.call(server.address(), "echo", List.of())));
            assertTrue(full.getMessage().contains("busy"), full.getMessage());
            busy.cancel(true);
        }
    }

    @Test
    void serverClosingTheConnectionFailsPendingCalls() throws Exception {
        CompletableFuture<Object> pending = client.call(server.address(), "hold", List.of(), Duration.ofSeconds(10));
        handler.held.poll(5, TimeUnit.SECONDS);
        long t0 = System.nanoTime();
        server.close();
        assertInstanceOf(IOException.class, failureOf(pending));
        assertTrue(System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(3), "failed on close, not at the timeout");
        await(() -> client.openConnections() == 0, "dead connection left the pool");
    }

    @Test
    void notifyReachesTheHandler() throws Exception {
        client.notify(server.address(), "note", List.of("hello", 1L));
        assertEquals(List.of("hello", 1L), handler.notes.poll(5, TimeUnit.SECONDS));
    }

    @Test
    void manyThreadsShareTheClientCorrectly() throws Exception {
        int threads = 8;
        int calls = 500;
        AtomicReference<Throwable> failure = new AtomicReference<>();
        List<Thread> workers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            long base = t * 1_000_000L;
            Thread w = new Thread(() -> {
                try {
                    for (long i = 0; i < calls; i++) {
                        assertEquals(base + 2 * i, client.callSync(server.address(), "add", List.of(base + i, i)));
                    }
                } catch (Throwable e) {
                    failure.compareAndSet(null, e);
                }
            });
            workers.add(w);
            w.start();
        }
        for (Thread w : workers) {
            w.join(TimeUnit.SECONDS.toMillis(15));
            assertFalse(w.isAlive(), "worker finished");
        }
        assertNull(failure.get(), () -> "a call failed: " + failure.get());
        assertTrue(client.openConnections() <= 2, "pool stays within connectionsPerPeer");
    }

    @Test
    void closedClientFailsCalls() throws Exception {
        CompletableFuture<Object> pending = client.call(server.address(), "never", List.of());
        client.close();
        assertInstanceOf(IOException.class, failureOf(pending));
        assertInstanceOf(IOException.class, failureOf(client.call(server.address(), "echo", List.of())));
    }
}
