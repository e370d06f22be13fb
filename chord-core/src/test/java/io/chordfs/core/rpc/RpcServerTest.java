package io.chordfs.core.rpc;

import static io.chordfs.core.rpc.RpcTestSupport.LOOPBACK_ANY_PORT;
import static io.chordfs.core.rpc.RpcTestSupport.await;
import static io.chordfs.core.rpc.RpcTestSupport.concat;
import static io.chordfs.core.rpc.RpcTestSupport.connect;
import static io.chordfs.core.rpc.RpcTestSupport.frame;
import static io.chordfs.core.rpc.RpcTestSupport.hex;
import static io.chordfs.core.rpc.RpcTestSupport.readMessage;
import static io.chordfs.core.rpc.RpcTestSupport.readUntilClosed;
import static io.chordfs.core.rpc.RpcTestSupport.unpacker;
import static io.chordfs.core.rpc.RpcTestSupport.writeQuietly;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.chordfs.core.rpc.RpcTestSupport.Held;
import io.chordfs.core.rpc.RpcTestSupport.TestHandler;
import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.msgpack.core.MessageUnpacker;

/** The server as raw peers see it: exact bytes in, exact bytes out. */
class RpcServerTest {
    private final TestHandler handler = new TestHandler();
    private RpcServer server;

    private static List<Object> answer(Object msgid, Object error, Object result) {
        return Arrays.asList(1L, msgid, error, result);
    }

    private RpcServer start(RpcLimits limits) throws IOException {
        server = RpcServer.start(LOOPBACK_ANY_PORT, handler, limits);
        return server;
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    @Test
    void echoesMsgidExactlyAsAnUnsignedInt() throws Exception {
        start(RpcLimits.defaults());
        try (Socket s = connect(server)) {
            // rpclib numbers from 1 and reads msgid as uint32; Python numbers from 0.
            s.getOutputStream().write(concat(
                    frame(0L, 4294967295L, "echo", List.of(1L)),
                    frame(0L, 1L, "echo", List.of(1L)),
                    frame(0L, 0L, "echo", List.of(1L))));
            byte[] expected = concat(hex("9401ceffffffffc09101"), hex("940101c09101"), hex("940100c09101"));
            assertEquals(hex(expected), hex(s.getInputStream().readNBytes(expected.length)));
        }
    }

    @Test
    void acceptsMethodAsBinAndMissingParams() throws Exception {
        start(RpcLimits.defaults());
        try (Socket s = connect(server)) {
            byte[] binMethod = "echo".getBytes(StandardCharsets.UTF_8);
            s.getOutputStream().write(concat(frame(0L, 5L, binMethod, List.of("x")), frame(0L, 6L, "echo")));
            MessageUnpacker u = unpacker(s);
            assertEquals(answer(5L, null, List.of("x")), readMessage(u));
            assertEquals(answer(6L, null, List.of()), readMessage(u));
        }
    }

    @Test
    void pipelinedRequestsAreAnsweredInCompletionOrder() throws Exception {
        start(RpcLimits.defaults());
        try (Socket s = connect(server)) {
            byte[][] requests = new byte[101][];
            for (int i = 0; i < 100; i++) {
                requests[i] = frame(0L, (long) i + 1000, "hold", List.of((long) i));
            }
            // Answered at once although 100 earlier requests are unanswered: nothing waits for them.
            // Also a barrier: once it is answered, the server has taken up all 100 before it.
            requests[100] = frame(0L, 1L, "echo", List.of("first"));
            s.getOutputStream().write(concat(requests));
            MessageUnpacker u = unpacker(s);
            assertEquals(answer(1L, null, List.of("first")), readMessage(u));
            List<Held> held = new ArrayList<>(handler.held);
            assertEquals(100, held.size());
            Collections.reverse(held);
            for (Held h : held) {
                h.future().complete(h.params().get(0));
            }
            for (int i = 99; i >= 0; i--) {
                assertEquals(answer((long) i + 1000, null, (long) i), readMessage(u));
            }
        }
    }

    @Test
    void errorsAreAnsweredAndTheConnectionKeepsServing() throws Exception {
        start(RpcLimits.defaults());
        try (Socket s = connect(server)) {
            s.getOutputStream().write(concat(
                    frame(0L, 1L, "nope", List.of()),
                    frame(0L, 2L, "add", List.of(1L)),
                    frame(0L, 3L, "add", List.of("a", "b")),
                    frame(0L, 4L, "boom", List.of()),
                    frame(0L, 5L, "fail", List.of()),
                    frame(0L, 6L, "add", List.of(2L, 3L))));
            MessageUnpacker u = unpacker(s);
            assertEquals(answer(1L, "unknown method 'nope'", null), readMessage(u));
            assertEquals(answer(2L, "bad params for 'add': expected 2 params", null), readMessage(u));
            assertEquals(answer(3L, "bad params for 'add': expected integers", null), readMessage(u));
            assertEquals(answer(4L, "internal error in 'boom'", null), readMessage(u));
            assertEquals(answer(5L, "internal error in 'fail'", null), readMessage(u));
            assertEquals(answer(6L, null, 5L), readMessage(u));
        }
    }

    @Test
    void notificationIsDispatchedWithoutAnswer() throws Exception {
        start(RpcLimits.defaults());
        try (Socket s = connect(server)) {
            s.getOutputStream().write(concat(frame(2L, "note", List.of("x")), frame(0L, 1L, "echo", List.of(2L))));
            assertEquals(answer(1L, null, List.of(2L)), readMessage(unpacker(s)), "first answer is the request's");
            assertEquals(List.of("x"), handler.notes.poll(5, TimeUnit.SECONDS));
        }
    }

    /** Each bad input closes its own connection or gets an error answer; good traffic never notices. */
    @Test
    void badInputAffectsOnlyItsOwnConnection() throws Exception {
        start(RpcLimits.defaults());
        AtomicBoolean stop = new AtomicBoolean();
        AtomicInteger good = new AtomicInteger();
        AtomicReference<Throwable> goodFailure = new AtomicReference<>();
        Thread goodTraffic = new Thread(() -> {
            try (RpcClient client = new RpcClient(RpcLimits.defaults())) {
                while (!stop.get()) {
                    assertEquals(7L, client.callSync(server.address(), "add", List.of(3L, 4L)));
                    good.incrementAndGet();
                }
            } catch (Throwable t) {
                goodFailure.set(t);
            }
        });
        goodTraffic.start();
        await(() -> good.get() > 0, "good traffic");

        byte[] random = new byte[4096];
        new Random(42).nextBytes(random);
        byte[] valid = frame(0L, 1L, "echo", List.of("truncated"));
        byte[] deep = new byte[1000];
        Arrays.fill(deep, (byte) 0x91);
        Map<String, byte[]> closesConnection = new HashMap<>();
        closesConnection.put("random bytes", random);
        closesConnection.put("truncated frame", Arrays.copyOf(valid, valid.length - 2));
        closesConnection.put("str of 100 MiB", hex("db06400000616263"));
        closesConnection.put("array of 2^31", hex("dd80000000"));
        closesConnection.put("array of 2^31-1", hex("dd7fffffff"));
        closesConnection.put("too deep", concat(deep, hex("c0")));
        closesConnection.put("not an array", hex("a3616263"));
        closesConnection.put("empty array", hex("90"));
        closesConnection.put("negative msgid", frame(0L, -1L, "echo", List.of()));
        closesConnection.put("unknown type", frame(3L, 1L, "echo", List.of()));
        closesConnection.put("ext value", concat(hex("9400010a91"), hex("d40100")));
        closesConnection.put("never-used byte", hex("c1"));
        closesConnection.put("bad notification", frame(2L, 5L, List.of()));
        for (Map.Entry<String, byte[]> bad : closesConnection.entrySet()) {
            try (Socket s = connect(server)) {
                writeQuietly(s, bad.getValue());
                s.shutdownOutput(); // the server must not wait forever for the rest of a frame
                byte[] got = readUntilClosed(s);
                assertEquals("", hex(got), bad.getKey() + ": closed without an answer");
            }
        }

        try (Socket s = connect(server)) {
            // Well-formed msgpack with a recoverable msgid: an error answer, and the connection stays.
            s.getOutputStream().write(concat(
                    frame(0L, 7L, 42L, List.of()),
                    frame(0L, 8L, "echo", List.of(), 1L),
                    frame(0L, 9L, "echo", 5L),
                    frame(1L, 5L, null, null),
                    frame(0L, 10L, "echo", List.of("ok"))));
            MessageUnpacker u = unpacker(s);
            for (long id = 7; id <= 9; id++) {
                List<?> answer = readMessage(u);
                assertEquals(id, answer.get(1));
                assertTrue(answer.get(2) instanceof String e && e.startsWith("bad request"), "error: " + answer);
                assertNull(answer.get(3));
            }
            assertEquals(answer(10L, null, List.of("ok")), readMessage(u), "response message ignored");
        }

        int during = good.get();
        await(() -> good.get() > during + 10, "good traffic still flowing");
        stop.set(true);
        goodTraffic.join(5000);
        assertNull(goodFailure.get(), () -> "good connection failed: " + goodFailure.get());
        try (Socket s = connect(server)) {
            s.getOutputStream().write(frame(0L, 1L, "echo", List.of()));
            assertEquals(answer(1L, null, List.of()), readMessage(unpacker(s)), "new connections still served");
        }
    }

    @Test
    void fullInFlightWindowStopsReadingInsteadOfDropping() throws Exception {
        start(RpcLimits.defaults().withMaxInFlightPerConnection(4));
        try (Socket s = connect(server)) {
            byte[][] requests = new byte[10][];
            for (int i = 0; i < 10; i++) {
                requests[i] = frame(0L, (long) i, "hold", List.of((long) i));
            }
            s.getOutputStream().write(concat(requests));
            await(() -> handler.held.size() == 4, "4 requests dispatched");
            Thread.sleep(200);
            assertEquals(4, handler.held.size(), "no more than the window is dispatched");
            MessageUnpacker u = unpacker(s);
            for (int i = 0; i < 10; i++) {
                Held h = handler.held.poll(5, TimeUnit.SECONDS);
                assertNotNull(h, "request " + i + " dispatched once a slot frees");
                h.future().complete(h.params().get(0));
                assertEquals(answer((long) i, null, (long) i), readMessage(u));
            }
        }
    }

    @Test
    void connectionsOverTheLimitAreClosedAtOnce() throws Exception {
        start(RpcLimits.defaults().withMaxConnections(2));
        try (Socket a = connect(server); Socket b = connect(server)) {
            for (Socket s : List.of(a, b)) {
                s.getOutputStream().write(frame(0L, 1L, "echo", List.of()));
                readMessage(unpacker(s));
            }
            try (Socket c = connect(server)) {
                assertEquals("", hex(readUntilClosed(c)));
            }
            a.shutdownOutput(); // the server closes on EOF
            await(() -> server.connectionCount() == 1, "closed connection released");
            try (Socket d = connect(server)) {
                d.getOutputStream().write(frame(0L, 2L, "echo", List.of()));
                assertEquals(answer(2L, null, List.of()), readMessage(unpacker(d)));
            }
        }
    }

    @Test
    void idleConnectionsAreClosedButNotOnesWithRequestsInFlight() throws Exception {
        start(RpcLimits.defaults().withIdleTimeout(Duration.ofMillis(300)));
        try (Socket idle = connect(server); Socket busy = connect(server)) {
            busy.getOutputStream().write(frame(0L, 1L, "never", List.of()));
            long t0 = System.nanoTime();
            assertEquals("", hex(readUntilClosed(idle)));
            assertTrue(System.nanoTime() - t0 >= TimeUnit.MILLISECONDS.toNanos(250), "not closed before the timeout");
            await(() -> server.connectionCount() == 1, "idle connection released");
            busy.getOutputStream().write(frame(0L, 2L, "echo", List.of()));
            assertEquals(answer(2L, null, List.of()), readMessage(unpacker(busy)), "the busy connection stays");
        }
    }

    @Test
    void peerThatStopsReadingIsClosedWithoutStallingOthers() throws Exception {
        start(RpcLimits.defaults().withWriteTimeout(Duration.ofMillis(300)));
        try (Socket slow = new Socket()) {
            slow.setReceiveBufferSize(4096);
            slow.connect(server.address(), 2000);
            byte[][] requests = new byte[200][];
            for (int i = 0; i < requests.length; i++) {
                requests[i] = frame(0L, (long) i, "big", List.of(256L * 1024));
            }
            slow.getOutputStream().write(concat(requests)); // 50 MiB of answers it never reads
            try (RpcClient client = new RpcClient(RpcLimits.defaults())) {
                assertEquals(List.of("still"), client.callSync(server.address(), "echo", List.of("still")));
                await(() -> server.connectionCount() == 1, "stuck connection closed by the watchdog");
                assertEquals(List.of("fine"), client.callSync(server.address(), "echo", List.of("fine")));
            }
        }
    }

    @Test
    void closeStopsAcceptingAndClosesConnections() throws Exception {
        start(RpcLimits.defaults());
        try (Socket s = connect(server)) {
            s.getOutputStream().write(frame(0L, 1L, "never", List.of()));
            await(() -> server.connectionCount() == 1, "connection admitted");
            long t0 = System.nanoTime();
            server.close();
            assertTrue(System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(3), "close is bounded");
            assertEquals("", hex(readUntilClosed(s)));
            assertEquals(0, server.connectionCount());
        }
        try (Socket late = new Socket()) {
            assertThrows(IOException.class, () -> late.connect(server.address(), 1000));
        }
    }
}
