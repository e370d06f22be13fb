package io.chordfs.core.rpc;

import static io.chordfs.core.rpc.RpcTestSupport.LOOPBACK_ANY_PORT;
import static io.chordfs.core.rpc.RpcTestSupport.await;
import static io.chordfs.core.rpc.RpcTestSupport.frame;
import static io.chordfs.core.rpc.RpcTestSupport.hex;
import static io.chordfs.core.rpc.RpcTestSupport.readMessage;
import static io.chordfs.core.rpc.RpcTestSupport.readUntilClosed;
import static io.chordfs.core.rpc.RpcTestSupport.unpacker;
import static io.chordfs.core.rpc.RpcTestSupport.writeQuietly;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.chordfs.core.rpc.RpcTestSupport.TestHandler;
import io.netty.channel.EventLoopGroup;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Many connections: they cost memory, never a thread, and no single address can hold them all. */
class RpcServerConnectionsTest {
    private final TestHandler handler = new TestHandler();
    private final List<Socket> sockets = new ArrayList<>();
    private RpcServer server;

    @AfterEach
    void stop() throws IOException {
        for (Socket s : sockets) {
            s.close();
        }
        if (server != null) {
            server.close();
        }
    }

    /** A connection from {@code localIp} (any 127.x address is on the loopback interface). */
    private Socket connectFrom(String localIp) throws IOException {
        Socket s = new Socket();
        sockets.add(s);
        s.bind(new InetSocketAddress(localIp, 0));
        s.connect(server.address(), 2000);
        s.setSoTimeout(5000);
        return s;
    }

    private static void assertServed(Socket s, long msgid) throws IOException {
        s.getOutputStream().write(frame(0L, msgid, "echo", List.of(msgid)));
        assertEquals(Arrays.asList(1L, msgid, null, List.of(msgid)), readMessage(unpacker(s)));
    }

    @Test
    void aThousandIdleConnectionsTakeNoThreadAndCallsStayPrompt() throws Exception {
        server = RpcServer.start(LOOPBACK_ANY_PORT, handler, RpcLimits.defaults());
        int threadsBefore = ManagementFactory.getThreadMXBean().getThreadCount();
        for (int i = 0; i < 1000; i++) {
            connectFrom("127.0.0." + (2 + i % 4)); // 250 from each of four addresses
        }
        await(() -> server.connectionCount() == 1000, "1,000 connections admitted");
        int threadsAfter = ManagementFactory.getThreadMXBean().getThreadCount();
        assertTrue(threadsAfter - threadsBefore <= 2, "threads before " + threadsBefore + ", after " + threadsAfter);

        try (RpcClient client = new RpcClient(RpcLimits.defaults())) {
            long slowest = 0;
            for (long i = 0; i < 200; i++) {
                long t0 = System.nanoTime();
                assertEquals(List.of(i), client.callSync(server.address(), "echo", List.of(i)));
                slowest = Math.max(slowest, System.nanoTime() - t0);
            }
            assertTrue(slowest < TimeUnit.MILLISECONDS.toNanos(500), "slowest call " + slowest / 1000 + " µs");
        }
        assertServed(sockets.get(0), 1); // and the idle ones are still served when they speak
    }

    @Test
    void oneAddressCannotTakeEveryConnection() throws Exception {
        server = RpcServer.start(LOOPBACK_ANY_PORT, handler,
                RpcLimits.defaults().withMaxConnections(8).withMaxConnectionsPerAddress(3));
        for (int i = 0; i < 3; i++) {
            assertServed(connectFrom("127.0.0.2"), i);
        }
        for (int i = 0; i < 5; i++) { // more than its share, from the same address: refused at once
            assertEquals("", hex(readUntilClosed(connectFrom("127.0.0.2"))));
        }
        assertEquals(3, server.connectionCount());
        List<Socket> others = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            others.add(connectFrom("127.0.0." + (3 + i % 2)));
        }
        for (Socket s : others) {
            assertServed(s, 7);
        }
        assertEquals(8, server.connectionCount());
        // The server is full: refused whatever the address, until a connection closes.
        assertEquals("", hex(readUntilClosed(connectFrom("127.0.0.9"))));
        others.get(0).close();
        await(() -> server.connectionCount() == 7, "closed connection released");
        assertServed(connectFrom("127.0.0.9"), 9);
    }

    /** A request [0, 1, "echo", [str]] whose str is {@code length} bytes, cut after {@code cut} bytes. */
    private static byte[][] bigEcho(int length, int cut) {
        byte[] whole = frame(0L, 1L, "echo", List.of("a".repeat(length)));
        return new byte[][] {Arrays.copyOf(whole, cut), Arrays.copyOfRange(whole, cut, whole.length)};
    }

    @Test
    void largeMessagesArrivingSlowlyShareOneBudget() throws Exception {
        server = RpcServer.start(LOOPBACK_ANY_PORT, handler, RpcLimits.defaults().withMaxBufferedBytes(128 * 1024));
        byte[][] first = bigEcho(100_000, 70_000);
        Socket a = connectFrom("127.0.0.2");
        a.getOutputStream().write(first[0]);
        Thread.sleep(300); // the server holds a's 70 KB
        Socket b = connectFrom("127.0.0.3");
        writeQuietly(b, bigEcho(100_000, 70_000)[0]); // the server may close it before all is written
        assertEquals("", hex(readUntilClosed(b)), "over the budget: closed");
        assertServed(connectFrom("127.0.0.4"), 5); // small messages never need the budget
        a.getOutputStream().write(first[1]);
        List<?> answer = readMessage(unpacker(a));
        assertEquals(List.of(1L, 1L), answer.subList(0, 2), "the first one is served whole");
    }

    @Test
    void aSharedEventLoopGroupOutlivesTheServer() throws Exception {
        EventLoopGroup group = EventLoops.newGroup(1, "rpc-test-shared");
        try {
            server = RpcServer.start(LOOPBACK_ANY_PORT, handler, RpcLimits.defaults(), group);
            assertServed(connectFrom("127.0.0.1"), 1);
            server.close();
            server = null;
            assertTrue(!group.isShuttingDown(), "the caller's group keeps running");
            try (RpcServer again = RpcServer.start(LOOPBACK_ANY_PORT, handler, RpcLimits.defaults(), group);
                 Socket s = new Socket()) {
                s.connect(again.address(), 2000);
                s.setSoTimeout(5000);
                assertServed(s, 2);
            }
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).await(2, TimeUnit.SECONDS);
        }
    }
}
