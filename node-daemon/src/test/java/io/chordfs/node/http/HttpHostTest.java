package io.chordfs.node.http;

import io.chordfs.node.store.ObjectStore;
import io.chordfs.node.store.Pieces;
import io.netty.buffer.ByteBuf;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static io.chordfs.node.http.Fixture.assertClosedWithin;
import static io.chordfs.node.http.Fixture.bytes;
import static io.chordfs.node.http.Fixture.readUntilClose;
import static io.chordfs.node.http.FileServerLoadTest.readHead;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The host's own rules, with a small handler: deadlines for heads and idle connections, malformed
 * and oversized heads, limits at accept, pipelining, 100-continue and bounded body buffering.
 */
class HttpHostTest {
    /** Answers /hello, counts a body at /count, holds a body at /gated until the gate opens, refuses /reject unread. */
    static final class TestHandler implements HttpHost.HttpHandler {
        final CountDownLatch gate = new CountDownLatch(1);
        final CountDownLatch inGate = new CountDownLatch(1);
        final AtomicInteger sinkEnds = new AtomicInteger();
        final AtomicInteger sinkFailures = new AtomicInteger();

        @Override
        public void handle(Exchange x) throws InterruptedException {
            switch (x.rawPath()) {
                case "/hello" -> x.respond(200, "text/plain", bytes("hello " + x.rawQuery()));
                case "/count", "/gated" -> {
                    AtomicLong n = new AtomicLong();
                    boolean gated = x.rawPath().equals("/gated");
                    x.readBody(new Exchange.BodySink() {
                        @Override
                        public void data(ByteBuf b) throws InterruptedException {
                            if (gated) {
                                inGate.countDown();
                                gate.await(30, TimeUnit.SECONDS);
                            }
                            n.addAndGet(b.readableBytes());
                        }

                        @Override
                        public void end() {
                            x.respond(200, "text/plain", bytes(Long.toString(n.get())));
                        }

                        @Override
                        public void failed(Throwable cause) {
                        }
                    });
                }
                case "/reject" -> x.respond(401, "text/plain", bytes("no"));
                case "/stream" -> { // ?N: N bytes streamed through the answer pump
                    long n = Long.parseLong(x.rawQuery());
                    x.stream(200, n, 1, filler(n), new Exchange.StreamFailure() {
                        @Override
                        public void beforeStart(Exchange ex, Throwable e) {
                            error(ex, 500, e.getMessage());
                        }

                        @Override
                        public void afterStart(long sent, Throwable e) {
                        }
                    });
                }
                case "/slow-ok" -> { // answers, unread, after its body has been queued
                    Thread.sleep(300);
                    x.respond(200, "text/plain", bytes("ok"));
                }
                case "/slow-refuse" -> {
                    Thread.sleep(500);
                    x.answerHeaders().set("Connection", "close");
                    x.respond(401, "text/plain", bytes("no"));
                }
                case "/throw-after-read" -> {
                    x.readBody(new Exchange.BodySink() {
                        @Override
                        public void data(ByteBuf b) {
                        }

                        @Override
                        public void end() {
                            sinkEnds.incrementAndGet();
                            x.respond(200, "text/plain", bytes("stored"));
                        }

                        @Override
                        public void failed(Throwable cause) {
                            sinkFailures.incrementAndGet();
                        }
                    });
                    Thread.sleep(200);
                    throw new IllegalArgumentException("the handler failed after asking for the body");
                }
                default -> error(x, 404, "no such thing");
            }
        }

        @Override
        public void error(Exchange x, int status, String message) {
            x.respond(status, "text/plain", bytes(message));
        }
    }

    /** {@code n} bytes of whatever the buffers hold, a block at most a piece. */
    static Pieces filler(long n) {
        return new Pieces() {
            private long left = n;

            @Override
            public int fill(ByteBuffer into) {
                if (left == 0) {
                    return -1;
                }
                int k = (int) Math.min(left, Math.min(into.remaining(), ObjectStore.BLOCK_SIZE));
                into.position(into.position() + k);
                left -= k;
                return k;
            }
        };
    }

    final TestHandler handler = new TestHandler();
    final List<Socket> sockets = new ArrayList<>();
    HttpHost host;

    @AfterEach
    void stop() throws IOException {
        handler.gate.countDown();
        for (Socket s : sockets) {
            s.close();
        }
        if (host != null) {
            host.close();
        }
    }

    private void start(HostLimits limits) throws IOException {
        host = HttpHost.start("test", new InetSocketAddress("127.0.0.1", 0), limits, handler, null);
    }

    private Socket connect(String from) throws IOException {
        Socket s = new Socket();
        sockets.add(s);
        s.bind(new InetSocketAddress(from, 0));
        s.connect(host.address());
        s.setSoTimeout(10_000);
        return s;
    }

    private String exchange(Socket s, String request) throws IOException {
        s.getOutputStream().write(bytes(request));
        s.getOutputStream().flush();
        return readAnswer(s.getInputStream());
    }

    /** One answer: its head and a Content-Length body. */
    static String readAnswer(InputStream in) throws IOException {
        String head = readHead(in);
        int length = 0;
        for (String line : head.split("\r\n")) {
            if (line.toLowerCase().startsWith("content-length:")) {
                length = Integer.parseInt(line.substring(15).trim());
            }
        }
        return head + new String(in.readNBytes(length), StandardCharsets.ISO_8859_1);
    }

    /** POSTs {@code size} bytes to {@code path} on a thread of its own, which TCP may hold back; stops when the server closes. */
    private static Thread sendInBackground(Socket s, String path, long size) {
        Thread sender = new Thread(() -> {
            try {
                OutputStream out = s.getOutputStream();
                out.write(bytes("POST " + path + " HTTP/1.1\r\nHost: x\r\nContent-Length: " + size + "\r\n\r\n"));
                byte[] chunk = new byte[64 * 1024];
                for (long sent = 0; sent < size; sent += chunk.length) {
                    out.write(chunk);
                }
                out.flush();
            } catch (IOException e) {
                // closed by the server, or the test ended first
            }
        });
        sender.setDaemon(true);
        sender.start();
        return sender;
    }

    private static HostLimits timeouts(Duration head, Duration idle) {
        return HostLimits.defaults().withTimeouts(head, idle, Duration.ofSeconds(20), Duration.ofSeconds(60));
    }

    @Test
    void silentAndTricklingHeadsAreClosedAtTheHeadDeadlineWhileOthersAreServed() throws Exception {
        Duration deadline = Duration.ofMillis(800);
        start(timeouts(deadline, Duration.ofSeconds(30)));
        long t0 = System.nanoTime();
        Socket silent = connect("127.0.0.1");
        Socket trickling = connect("127.0.0.1");
        OutputStream out = trickling.getOutputStream();
        byte[] head = bytes("GET /hello HTTP/1.1\r\nHost: x\r\nX-a: ");
        Socket normal = connect("127.0.0.1");
        assertTrue(exchange(normal, "GET /hello?1 HTTP/1.1\r\nHost: x\r\n\r\n").endsWith("hello 1"));
        try {
            for (int i = 0; i < 30; i++) { // 1.5 s of a byte every 50 ms: alive, but no head
                out.write(head[i % head.length]);
                out.flush();
                Thread.sleep(50);
            }
        } catch (IOException e) {
            // closed by the server: expected
        }
        assertClosedWithin(trickling, 2_000);
        assertClosedWithin(silent, 2_000);
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertTrue(ms >= deadline.toMillis(), "not before the deadline: " + ms + " ms");
        assertTrue(exchange(normal, "GET /hello?2 HTTP/1.1\r\nHost: x\r\n\r\n").endsWith("hello 2"),
                "a connection that sends whole heads is served on");
    }

    @Test
    void anIdleKeepAliveConnectionIsClosedAfterTheIdleTimeout() throws Exception {
        start(timeouts(Duration.ofSeconds(10), Duration.ofMillis(700)));
        Socket s = connect("127.0.0.1");
        assertTrue(exchange(s, "GET /hello?a HTTP/1.1\r\nHost: x\r\n\r\n").startsWith("HTTP/1.1 200"));
        Thread.sleep(300);
        assertTrue(exchange(s, "GET /hello?b HTTP/1.1\r\nHost: x\r\n\r\n").endsWith("hello b"),
                "kept alive within the idle timeout");
        long t0 = System.nanoTime();
        assertClosedWithin(s, 3_000);
        assertTrue((System.nanoTime() - t0) / 1_000_000 >= 500, "not closed before the idle timeout");
    }

    @Test
    void aHeadOverTheLimitGets431AndTheConnectionCloses() throws Exception {
        start(HostLimits.defaults().withMaxHeadBytes(8 * 1024));
        String big = "GET /hello HTTP/1.1\r\nHost: x\r\nX-Big: " + "a".repeat(9 * 1024) + "\r\n\r\n";
        String answer = new String(Fixture.raw(host.address().getPort(), bytes(big), Duration.ofSeconds(10)),
                StandardCharsets.ISO_8859_1);
        assertTrue(answer.startsWith("HTTP/1.1 431"), answer);
        assertTrue(answer.toLowerCase().contains("connection: close"), answer);
        String longLine = "GET /" + "a".repeat(9 * 1024) + " HTTP/1.1\r\nHost: x\r\n\r\n";
        answer = new String(Fixture.raw(host.address().getPort(), bytes(longLine), Duration.ofSeconds(10)),
                StandardCharsets.ISO_8859_1);
        assertTrue(answer.startsWith("HTTP/1.1 431") || answer.startsWith("HTTP/1.1 414"), answer);
    }

    @Test
    void bareLineFeedsGet400AtOnce() throws Exception {
        start(HostLimits.defaults());
        long t0 = System.nanoTime();
        String answer = new String(Fixture.raw(host.address().getPort(), bytes("GET /hello HTTP/1.1\nHost: x\n\n"),
                Duration.ofSeconds(5)), StandardCharsets.ISO_8859_1);
        assertTrue(answer.startsWith("HTTP/1.1 400"), answer);
        assertTrue((System.nanoTime() - t0) / 1_000_000 < 2_000, "at once, not at a timeout");
    }

    @Test
    void connectionsBeyondTheLimitOrAnAddressShareAreRefusedAtAccept() throws Exception {
        start(HostLimits.defaults().withConnections(3, 2));
        Socket a1 = connect("127.0.0.1");
        Socket a2 = connect("127.0.0.1");
        assertTrue(exchange(a1, "GET /hello HTTP/1.1\r\nHost: x\r\n\r\n").startsWith("HTTP/1.1 200"));
        assertTrue(exchange(a2, "GET /hello HTTP/1.1\r\nHost: x\r\n\r\n").startsWith("HTTP/1.1 200"));
        assertClosedWithin(connect("127.0.0.1"), 2_000); // past 127.0.0.1's share
        Socket b1 = connect("127.0.0.2");
        assertTrue(exchange(b1, "GET /hello HTTP/1.1\r\nHost: x\r\n\r\n").startsWith("HTTP/1.1 200"),
                "another address still gets in");
        assertClosedWithin(connect("127.0.0.3"), 2_000); // past the limit
        a1.close();
        long until = System.nanoTime() + 5_000_000_000L;
        while (host.connections() > 2 && System.nanoTime() < until) {
            Thread.sleep(10);
        }
        Socket c = connect("127.0.0.3");
        assertTrue(exchange(c, "GET /hello HTTP/1.1\r\nHost: x\r\n\r\n").startsWith("HTTP/1.1 200"),
                "a closed connection makes room");
    }

    @Test
    void pipelinedRequestsAreAnsweredInOrder() throws Exception {
        start(HostLimits.defaults());
        Socket s = connect("127.0.0.1");
        StringBuilder requests = new StringBuilder();
        for (int i = 0; i < 20; i++) {
            requests.append(i % 3 == 0
                    ? "POST /count HTTP/1.1\r\nHost: x\r\nContent-Length: " + i + "\r\n\r\n" + "b".repeat(i)
                    : "GET /hello?" + i + " HTTP/1.1\r\nHost: x\r\n\r\n");
        }
        s.getOutputStream().write(bytes(requests.toString()));
        s.getOutputStream().flush();
        for (int i = 0; i < 20; i++) {
            String answer = readAnswer(s.getInputStream());
            assertTrue(answer.startsWith("HTTP/1.1 200"), answer);
            assertTrue(answer.endsWith(i % 3 == 0 ? "\r\n\r\n" + i : "hello " + i), i + ": " + answer);
        }
    }

    @Test
    void chunkedBodiesAreRead() throws Exception {
        start(HostLimits.defaults());
        Socket s = connect("127.0.0.1");
        String answer = exchange(s, "POST /count HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                + "5\r\nhello\r\n10\r\n0123456789abcdef\r\n0\r\n\r\n");
        assertTrue(answer.startsWith("HTTP/1.1 200") && answer.endsWith("\r\n\r\n21"), answer);
    }

    @Test
    void continueIsSentOnlyWhenTheHandlerReadsTheBody() throws Exception {
        start(HostLimits.defaults());
        Socket read = connect("127.0.0.1");
        read.getOutputStream().write(bytes("POST /count HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n"
                + "Expect: 100-continue\r\n\r\n"));
        read.getOutputStream().flush();
        assertTrue(readHead(read.getInputStream()).startsWith("HTTP/1.1 100"));
        read.getOutputStream().write(bytes("abcde"));
        assertTrue(readAnswer(read.getInputStream()).endsWith("\r\n\r\n5"));

        Socket refused = connect("127.0.0.1");
        refused.getOutputStream().write(bytes("POST /reject HTTP/1.1\r\nHost: x\r\nContent-Length: 5000000\r\n"
                + "Expect: 100-continue\r\n\r\n"));
        refused.getOutputStream().flush();
        String answer = readAnswer(refused.getInputStream());
        assertTrue(answer.startsWith("HTTP/1.1 401"), "the refusal, with no 100 before it: " + answer);
        assertClosedWithin(refused, 2_000); // the body it did not send cannot be told from the next request
    }

    @Test
    void aRefusedBodyWithoutExpectIsReadAndDroppedAndTheConnectionKeptAlive() throws Exception {
        start(HostLimits.defaults());
        Socket s = connect("127.0.0.1");
        String answer = exchange(s, "POST /reject HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n"
                + "z".repeat(100_000));
        assertTrue(answer.startsWith("HTTP/1.1 401"), answer);
        assertTrue(exchange(s, "GET /hello?next HTTP/1.1\r\nHost: x\r\n\r\n").endsWith("hello next"));
    }

    /** A sink that cannot keep up stops the connection's reads: what the host holds stays near the per-connection buffer. */
    @Test
    void aSlowSinkHoldsAtMostTheBodyBufferInMemory() throws Exception {
        int buffer = 256 * 1024;
        start(HostLimits.defaults().withBudgets(buffer, 64L << 20, 64L << 20));
        Socket s = connect("127.0.0.1");
        long size = 64L << 20;
        Thread sender = sendInBackground(s, "/gated", size);
        long maxHeld = 0;
        for (int i = 0; i < 20; i++) {
            Thread.sleep(50);
            maxHeld = Math.max(maxHeld, host.bodyBudget.used());
        }
        assertTrue(maxHeld > 0, "the body started to come");
        // the buffer, plus what one read brings in on top of it
        assertTrue(maxHeld <= buffer + 512 * 1024, "held " + maxHeld + " bytes");
        assertTrue(sender.isAlive(), "the sender is held back by TCP, not buffered by the host");
        handler.gate.countDown();
        sender.join(30_000);
        assertEquals(size + "", readAnswer(s.getInputStream()).split("\r\n\r\n", 2)[1]);
        assertEquals(0, host.bodyBudget.used(), "every byte held was given back");
    }

    private void awaitBudgetEmpty() throws InterruptedException {
        long until = System.nanoTime() + 5_000_000_000L;
        while (host.bodyBudget.used() != 0 && System.nanoTime() < until) {
            Thread.sleep(10);
        }
        assertEquals(0, host.bodyBudget.used(), "every body byte held was given back");
    }

    /** Bodies that came before an answer that does not read them are given back, request after request. */
    @Test
    void bodiesQueuedBeforeAnUnreadKeepAliveAnswerAreGivenBack() throws Exception {
        start(HostLimits.defaults());
        Socket s = connect("127.0.0.1");
        for (int i = 0; i < 5; i++) {
            String answer = exchange(s, "POST /slow-ok HTTP/1.1\r\nHost: x\r\nContent-Length: 10000\r\n\r\n"
                    + "z".repeat(10_000));
            assertTrue(answer.startsWith("HTTP/1.1 200"), answer);
        }
        assertTrue(exchange(s, "GET /hello?after HTTP/1.1\r\nHost: x\r\n\r\n").endsWith("hello after"));
        awaitBudgetEmpty();
    }

    /** A refusal after more than the connection's buffer of body was queued: the rest is drained and the connection closed. */
    @Test
    void aLateRefusalOfABodyPastTheBufferDrainsAndCloses() throws Exception {
        start(HostLimits.defaults().withBudgets(64 * 1024, 64L << 20, 64L << 20)
                .withTimeouts(Duration.ofSeconds(10), Duration.ofSeconds(30), Duration.ofSeconds(1), Duration.ofSeconds(1)));
        Socket s = connect("127.0.0.1");
        sendInBackground(s, "/slow-refuse", 4 << 20);
        assertTrue(readAnswer(s.getInputStream()).startsWith("HTTP/1.1 401"));
        assertClosedWithin(s, 5_000);
        awaitBudgetEmpty();
    }

    /** A handler that throws after asking for the body is answered with its failure; its sink never stores the body. */
    @Test
    void aHandlerThatThrowsAfterReadBodyDoesNotRunItsSinkToTheEnd() throws Exception {
        start(HostLimits.defaults());
        Socket s = connect("127.0.0.1");
        s.getOutputStream().write(bytes("POST /throw-after-read HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\n"));
        Thread.sleep(100);
        s.getOutputStream().write(bytes("abcde"));
        String answer = readAnswer(s.getInputStream());
        assertTrue(answer.startsWith("HTTP/1.1 400"), answer);
        long until = System.nanoTime() + 2_000_000_000L;
        while (handler.sinkFailures.get() == 0 && System.nanoTime() < until) {
            Thread.sleep(10);
        }
        assertEquals(1, handler.sinkFailures.get(), "the sink learns of the failure");
        assertEquals(0, handler.sinkEnds.get(), "and never ends");
        awaitBudgetEmpty();
    }

    /**
     * Clients that ask for large answers and read nothing hold the whole answer budget: small
     * answers are still served at once, and while a large answer waits for memory the stalled
     * readers are cut off after 5 s each, not the 60 s write timeout.
     */
    @Test
    void unreadLargeAnswersHoldUpNeitherSmallAnswersNorLargeOnesForLong() throws Exception {
        start(HostLimits.defaults().withBudgets(1 << 20, 64L << 20, 4L << 20));
        for (int i = 0; i < 2; i++) {
            Socket s = new Socket();
            sockets.add(s);
            s.setReceiveBufferSize(4096);
            s.bind(new InetSocketAddress("127.0.0." + (10 + i), 0));
            s.connect(host.address());
            s.getOutputStream().write(bytes("GET /stream?" + (64 << 20) + " HTTP/1.1\r\nHost: x\r\n\r\n"));
        }
        long until = System.nanoTime() + 10_000_000_000L;
        while (!host.answerBudget.exhausted() && System.nanoTime() < until) {
            Thread.sleep(10);
        }
        assertTrue(host.answerBudget.exhausted(), "the unread answers hold the budget");
        long t0 = System.nanoTime();
        Socket reader = connect("127.0.0.1");
        String small = exchange(reader, "GET /stream?4096 HTTP/1.1\r\nHost: x\r\n\r\n");
        assertTrue(small.startsWith("HTTP/1.1 200"), small);
        assertEquals(4096, small.split("\r\n\r\n", 2)[1].length(), "the small answer whole");
        assertTrue((System.nanoTime() - t0) / 1_000_000 < 2_000, "at once, not after the stalled readers are cut");
        reader.setSoTimeout(40_000);
        reader.getOutputStream().write(bytes("GET /stream?" + (8 << 20) + " HTTP/1.1\r\nHost: x\r\n\r\n"));
        InputStream in = reader.getInputStream();
        String head = readHead(in);
        assertTrue(head.startsWith("HTTP/1.1 200"), head);
        assertEquals(8 << 20, in.readNBytes(8 << 20).length, "the large answer whole");
        long waited = (System.nanoTime() - t0) / 1_000_000;
        assertTrue(waited < 40_000, "the stalled readers were shed well before the 60 s write timeout: " + waited + " ms");
    }

    @Test
    void aBusyAnswerCarriesRetryAfterAndClosesTheConnection() throws Exception {
        start(HostLimits.defaults().withWorkers(1, 1));
        Socket holder = connect("127.0.0.1");
        holder.getOutputStream().write(bytes("POST /gated HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc"));
        holder.getOutputStream().flush();
        assertTrue(handler.inGate.await(5, TimeUnit.SECONDS), "the only worker sits in the gated sink");
        Socket queued = connect("127.0.0.1");
        queued.getOutputStream().write(bytes("GET /hello?queued HTTP/1.1\r\nHost: x\r\n\r\n"));
        queued.getOutputStream().flush();
        long until = System.nanoTime() + 5_000_000_000L;
        while (host.waitingRequests() < 1 && System.nanoTime() < until) {
            Thread.sleep(10); // until that request waits for the worker: the queue is full
        }
        String busy = exchange(connect("127.0.0.1"), "GET /hello HTTP/1.1\r\nHost: x\r\n\r\n");
        assertTrue(busy.startsWith("HTTP/1.1 503"), busy);
        assertTrue(busy.contains("Retry-After: 1") && busy.toLowerCase().contains("connection: close"), busy);
        handler.gate.countDown();
        assertTrue(readAnswer(holder.getInputStream()).endsWith("\r\n\r\n3"));
        assertTrue(readAnswer(queued.getInputStream()).endsWith("hello queued"), "the queued request is served");
        assertEquals("", new String(readUntilClose(sockets.get(sockets.size() - 1).getInputStream()),
                StandardCharsets.ISO_8859_1), "the 503's connection is closed");
    }
}
