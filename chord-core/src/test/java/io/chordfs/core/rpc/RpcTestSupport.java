package io.chordfs.core.rpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.msgpack.core.MessagePack;
import org.msgpack.core.MessageUnpacker;

/** Shared pieces of the rpc tests: a test handler, raw-socket helpers, value comparison. */
final class RpcTestSupport {
    static final InetSocketAddress LOOPBACK_ANY_PORT = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);

    private RpcTestSupport() {}

    /** A call the handler holds until the test completes it. */
    record Held(String method, List<Object> params, CompletableFuture<Object> future) {}

    /**
     * Methods: echo (result = params), add(a, b), hold (queued in {@link #held}), never (no
     * answer), boom (throws), fail (completes with a non-RpcError exception), note (a
     * notification, queued in {@link #notes}), big (a byte[] of params[0] bytes).
     */
    static final class TestHandler implements RpcHandler {
        final BlockingQueue<Held> held = new LinkedBlockingQueue<>();
        final BlockingQueue<List<Object>> notes = new LinkedBlockingQueue<>();

        @Override
        public CompletableFuture<Object> handle(String method, List<Object> params) {
            switch (method) {
                case "echo":
                    return CompletableFuture.completedFuture(params);
                case "add":
                    if (params.size() != 2) {
                        return CompletableFuture.failedFuture(RpcError.badParams(method, "expected 2 params"));
                    }
                    if (!(params.get(0) instanceof Long a) || !(params.get(1) instanceof Long b)) {
                        return CompletableFuture.failedFuture(RpcError.badParams(method, "expected integers"));
                    }
                    return CompletableFuture.completedFuture(a + b);
                case "hold": {
                    CompletableFuture<Object> f = new CompletableFuture<>();
                    held.add(new Held(method, params, f));
                    return f;
                }
                case "never":
                    return new CompletableFuture<>();
                case "boom":
                    throw new IllegalStateException("handler bug");
                case "fail":
                    return CompletableFuture.failedFuture(new IllegalStateException("async handler bug"));
                case "note":
                    notes.add(params);
                    return CompletableFuture.completedFuture(null);
                case "big":
                    return CompletableFuture.completedFuture(new byte[((Long) params.get(0)).intValue()]);
                default:
                    return CompletableFuture.failedFuture(RpcError.unknownMethod(method));
            }
        }
    }

    static byte[] frame(Object... elements) {
        return MsgpackValues.encode(Arrays.asList(elements));
    }

    static byte[] hex(String h) {
        return HexFormat.of().parseHex(h.replace(" ", ""));
    }

    static String hex(byte[] b) {
        return HexFormat.of().formatHex(b);
    }

    static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }

    static Socket connect(RpcServer server) throws IOException {
        Socket s = new Socket();
        s.connect(server.address(), 2000);
        s.setSoTimeout(5000);
        return s;
    }

    static MessageUnpacker unpacker(Socket s) throws IOException {
        return MessagePack.newDefaultUnpacker(s.getInputStream());
    }

    /** The next message on a raw socket, as a list. */
    static List<?> readMessage(MessageUnpacker u) throws IOException {
        return (List<?>) MsgpackValues.read(u, RpcLimits.defaults());
    }

    /**
     * Reads until the server closes the socket (EOF or reset) and returns what came before;
     * fails the test if the server keeps it open past the socket timeout.
     */
    static byte[] readUntilClosed(Socket s) throws IOException {
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        InputStream in = s.getInputStream();
        byte[] buf = new byte[8192];
        try {
            int n;
            while ((n = in.read(buf)) >= 0) {
                got.write(buf, 0, n);
            }
        } catch (SocketException e) {
            // connection reset: closed too
        }
        return got.toByteArray();
    }

    /** Writes, tolerating the server closing first (it may reject a frame before reading all of it). */
    static void writeQuietly(Socket s, byte[] bytes) {
        try {
            s.getOutputStream().write(bytes);
            s.getOutputStream().flush();
        } catch (IOException e) {
            // the server closed the connection already, which the caller then observes
        }
    }

    static void await(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                fail("timed out waiting for: " + what);
            }
            Thread.sleep(10);
        }
    }

    /** Deep equality that compares byte[] by content. */
    static void assertValueEquals(Object expected, Object actual) {
        if (expected instanceof byte[] e) {
            assertTrue(actual instanceof byte[], "expected bytes, got " + actual);
            assertEquals(hex(e), hex((byte[]) actual));
        } else if (expected instanceof List<?> e) {
            assertTrue(actual instanceof List<?>, "expected a list, got " + actual);
            List<?> a = (List<?>) actual;
            assertEquals(e.size(), a.size());
            for (int i = 0; i < e.size(); i++) {
                assertValueEquals(e.get(i), a.get(i));
            }
        } else if (expected instanceof Map<?, ?> e) {
            assertTrue(actual instanceof Map<?, ?>, "expected a map, got " + actual);
            Map<?, ?> a = (Map<?, ?>) actual;
            assertEquals(e.keySet(), a.keySet());
            for (Object k : e.keySet()) {
                assertValueEquals(e.get(k), a.get(k));
            }
        } else {
            assertEquals(expected, actual);
        }
    }
}
