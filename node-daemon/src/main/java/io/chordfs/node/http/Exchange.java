package io.chordfs.node.http;

import io.chordfs.node.store.Pieces;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.Locale;
import java.util.OptionalLong;

/**
 * One request and its answer on an {@link HttpHost}. The handler reads the head, then either
 * answers at once or takes the body with {@link #readBody}, which feeds it to a {@link BodySink}
 * as it arrives (once the handler has returned); answers go out with {@link #respond},
 * {@link #respondEmpty} or, streamed from {@link Pieces}, {@link #stream}. Methods may be called from any thread; the handler and a sink's
 * calls run on the host's workers, one at a time per exchange, and never wait for the client.
 */
public final class Exchange {
    /** Where a request body goes: called on a worker, in order, one call at a time. */
    public interface BodySink {
        /** The next bytes of the body; {@code bytes} is released when the call returns. */
        void data(ByteBuf bytes) throws Exception;

        /** The whole body went through {@link #data}; answer from here. */
        void end() throws Exception;

        /**
         * {@link #data} or {@link #end} threw {@code cause} (the host answers it, mapped by
         * {@code Statuses}, unless an answer went out already) or the client went away
         * ({@link ClientGoneException}); clean up here. The rest of the body is discarded.
         */
        void failed(Throwable cause);
    }

    /** How a streamed answer ended badly, for the handler's log line. */
    public interface StreamFailure {
        /** The first bytes could not be had, so no status went out: answer from here (on a worker). */
        void beforeStart(Exchange x, Throwable cause);

        /** {@code sent} bytes went out, then {@code cause}: the connection was dropped. */
        void afterStart(long sent, Throwable cause);
    }

    /** The client closed the connection or was cut off for being too slow. */
    public static final class ClientGoneException extends IOException {
        ClientGoneException(String message) {
            super(message);
        }
    }

    private final HttpHost.Connection conn;
    final HttpRequest request;
    private final String method;
    private final String rawPath;
    private final String rawQuery;
    private final HttpHeaders answerHeaders = new DefaultHttpHeaders();
    final boolean expectsBody;
    final boolean expectsContinue;
    /** When the head was read, for the request's latency. */
    final long startNanos = System.nanoTime();

    // The body, shared by the event loop (offer) and a worker (drain): guarded by this.
    private final ArrayDeque<HttpContent> queue = new ArrayDeque<>();
    private boolean lastArrived;
    private BodySink sink;
    private boolean draining;
    private boolean bodyDone;
    private Throwable gone;
    private boolean continueSent;
    /** The sink asked for no more of the body until {@link #resumeBody}. */
    private boolean bodyPaused;
    /** The handler is still running: the sink waits for it, so the two never run at once. */
    private boolean handling = true;
    private volatile boolean answered;
    private volatile Object attachment;

    Exchange(HttpHost.Connection conn, HttpRequest request) {
        this.conn = conn;
        this.request = request;
        this.method = request.method().name();
        String uri = request.uri();
        // absolute-form ("http://host/path") names the same path
        if (uri.regionMatches(true, 0, "http://", 0, 7) || uri.regionMatches(true, 0, "https://", 0, 8)) {
            int slash = uri.indexOf('/', uri.indexOf("//") + 2);
            uri = slash < 0 ? "/" : uri.substring(slash);
        }
        int hash = uri.indexOf('#');
        if (hash >= 0) {
            uri = uri.substring(0, hash);
        }
        int q = uri.indexOf('?');
        this.rawPath = q < 0 ? uri : uri.substring(0, q);
        this.rawQuery = q < 0 ? null : uri.substring(q + 1);
        // a head the decoder refused may carry any Content-Length: it is answered, never read further
        this.expectsBody = !request.decoderResult().isFailure()
                && (HttpUtil.isTransferEncodingChunked(request) || HttpUtil.getContentLength(request, 0L) > 0);
        this.expectsContinue = expectsBody && HttpUtil.is100ContinueExpected(request);
    }

    // ------------------------------------------------------------------------------ the request

    /** The method as sent (upper-case for every method a client uses in practice). */
    public String method() {
        return method;
    }

    /** The method in upper case, for comparisons. */
    public String methodUpper() {
        return method.toUpperCase(Locale.ROOT);
    }

    /** The request target as sent. */
    public String uri() {
        return request.uri();
    }

    /** The path as sent, not decoded; never empty. */
    public String rawPath() {
        return rawPath.isEmpty() ? "/" : rawPath;
    }

    /** The query as sent, not decoded, or null without a '?'. */
    public String rawQuery() {
        return rawQuery;
    }

    /** The first value of a request header, or null. */
    public String header(String name) {
        return request.headers().get(name);
    }

    public InetSocketAddress remote() {
        return conn.remote();
    }

    /** Whether the request has a body (a non-zero Content-Length or a chunked one). */
    public boolean hasBody() {
        return expectsBody;
    }

    /** The request's Content-Length, when it has one. */
    public OptionalLong contentLength() {
        long n = HttpUtil.getContentLength(request, -1L);
        return n < 0 ? OptionalLong.empty() : OptionalLong.of(n);
    }

    /** Keeps one thing the handler learned about this request (e.g. that it proved a secret). */
    public void attach(Object o) {
        attachment = o;
    }

    public Object attachment() {
        return attachment;
    }

    // ------------------------------------------------------------------------------- the body

    /**
     * Feeds the body to {@code sink} as it arrives (first sending "100 Continue" if the client
     * waits for it). A request without a body goes straight to {@link BodySink#end}.
     */
    public void readBody(BodySink sink) {
        boolean sendContinue;
        synchronized (this) {
            if (this.sink != null) {
                throw new IllegalStateException("the body is read once");
            }
            this.sink = sink;
            sendContinue = expectsContinue && !continueSent;
            continueSent |= sendContinue;
        }
        if (sendContinue) {
            conn.sendContinue();
        }
        scheduleDrain();
    }

    /**
     * From a sink's {@link BodySink#data}: feed it no more of the body until {@link #resumeBody}
     * (what is downstream of the sink is full). The body queues meanwhile, and once the
     * connection's share is queued the connection is not read: the client is held back, and no
     * worker waits for it. A client that goes away is still told to the sink.
     */
    public void pauseBody() {
        synchronized (this) {
            bodyPaused = true;
        }
    }

    /** Any thread: the sink takes the body again. */
    public void resumeBody() {
        synchronized (this) {
            bodyPaused = false;
        }
        scheduleDrain();
    }

    /** On the event loop: the next piece of the body, queued for the sink (or dropped when nobody will read it). */
    void offer(HttpContent content) {
        int n = content.content().readableBytes();
        boolean drop;
        synchronized (this) {
            drop = gone != null || bodyDone || answered && sink == null;
            if (content instanceof LastHttpContent) {
                lastArrived = true;
            }
            if (!drop) {
                conn.bodyHeld(n); // counted before a worker can consume it
                queue.add(content);
            }
        }
        if (drop) {
            content.release();
        }
        scheduleDrain();
    }

    /** Whether a sink takes the body now. */
    synchronized boolean readingBody() {
        return sink != null && !bodyDone;
    }

    synchronized boolean lastArrived() {
        return lastArrived;
    }

    synchronized boolean continueSent() {
        return continueSent;
    }

    /** On the event loop: the client is gone; a sink still waiting for the body learns it. */
    void clientGone(String why) {
        synchronized (this) {
            if (gone != null) {
                return;
            }
            gone = new ClientGoneException(why);
        }
        scheduleDrain();
    }

    /** On the handler's worker: it returned; a body it asked for starts to flow to the sink. */
    void handlerReturned() {
        synchronized (this) {
            handling = false;
        }
        scheduleDrain();
    }

    /**
     * On the handler's worker: it threw. A body it asked for is not fed to the sink (it would
     * store what the client is told failed); the sink hears of the failure instead.
     */
    void handlerFailed(Throwable cause) {
        boolean stopSink;
        long dropped = 0;
        synchronized (this) {
            handling = false;
            stopSink = sink != null && !bodyDone;
            if (stopSink) {
                bodyDone = true; // in the same breath, so no drain can start
                dropped = dropQueued();
            }
        }
        if (stopSink) {
            conn.bodyConsumed(dropped);
            sink.failed(cause);
        }
    }

    private void scheduleDrain() {
        synchronized (this) {
            if (sink == null || handling || draining || bodyDone || queue.isEmpty() && !lastArrived && gone == null
                    || bodyPaused && gone == null) {
                return;
            }
            draining = true;
        }
        conn.host.continueOnWorker(this::drain);
    }

    /** On a worker: passes what is queued to the sink, then the end (or the failure). */
    private void drain() {
        while (true) {
            HttpContent next;
            boolean end;
            Throwable failure;
            synchronized (this) {
                failure = gone;
                if (bodyPaused && failure == null) {
                    draining = false;
                    return;
                }
                next = failure == null ? queue.poll() : null;
                end = next == null && failure == null && lastArrived && !bodyDone;
                if (next == null && !end && failure == null) {
                    draining = false;
                    return;
                }
            }
            if (failure != null) {
                finishBody(failure);
                return;
            }
            try {
                if (end) {
                    synchronized (this) {
                        bodyDone = true;
                        draining = false;
                    }
                    sink.end();
                    return;
                }
                int n = next.content().readableBytes();
                try {
                    if (n > 0) {
                        sink.data(next.content());
                    }
                } finally {
                    next.release();
                    conn.bodyConsumed(n);
                }
            } catch (Throwable e) {
                finishBody(e);
                if (!(e instanceof ClientGoneException)) {
                    conn.host.failed(this, e);
                }
                return;
            }
        }
    }

    /** Stops feeding the sink: what is queued and what still comes is thrown away. */
    private void finishBody(Throwable cause) {
        long dropped;
        synchronized (this) {
            bodyDone = true;
            draining = false;
            dropped = dropQueued();
        }
        conn.bodyConsumed(dropped);
        sink.failed(cause);
    }

    /** Releases what is queued; returns its bytes, for the caller to give back. Holds this. */
    private long dropQueued() {
        long dropped = 0;
        for (HttpContent c; (c = queue.poll()) != null; ) {
            dropped += c.content().readableBytes();
            c.release();
        }
        return dropped;
    }

    /** On the event loop, when the connection closes: what is still queued goes. */
    void release() {
        long dropped;
        synchronized (this) {
            if (draining) {
                return; // the drain finds gone set and cleans up
            }
            dropped = dropQueued();
        }
        conn.bodyConsumed(dropped);
    }

    // ----------------------------------------------------------------------------- the answer

    /** Headers of the answer; set them before answering. */
    public HttpHeaders answerHeaders() {
        return answerHeaders;
    }

    /** Whether an answer has gone out (or started to). */
    public boolean answered() {
        return answered;
    }

    /** A whole answer; for HEAD only its headers (with the body's Content-Length). */
    public void respond(int status, String contentType, byte[] body) {
        answerHeaders.set(HttpHeaderNames.CONTENT_TYPE, contentType);
        answerHeaders.set(HttpHeaderNames.CONTENT_LENGTH, body.length);
        boolean head = methodUpper().equals("HEAD");
        send(full(status, head ? Unpooled.EMPTY_BUFFER : Unpooled.wrappedBuffer(body)));
    }

    /** An answer without a body: Content-Length 0 (none for 1xx, 204 and 304), or for HEAD {@code headLength} if not negative. */
    public void respondEmpty(int status, long headLength) {
        if (status == 204 || status == 304) {
            answerHeaders.remove(HttpHeaderNames.CONTENT_LENGTH);
        } else {
            answerHeaders.set(HttpHeaderNames.CONTENT_LENGTH, headLength >= 0 ? headLength : 0);
        }
        send(full(status, Unpooled.EMPTY_BUFFER));
    }

    /**
     * Streams {@code length} bytes from {@code pieces} (closed when done) as the answer's body.
     * The status line waits until the first {@code hold} bytes have been had (verified), so a
     * failure within them can still become an error answer; see {@link StreamFailure}. The next
     * piece is asked for only when the client has taken enough of the last: a slow client holds
     * memory, not a thread.
     */
    public void stream(int status, long length, long hold, Pieces pieces, StreamFailure onFailure) {
        answerHeaders.set(HttpHeaderNames.CONTENT_LENGTH, length);
        HttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(status),
                answerHeaders);
        new AnswerPump(this, conn, head, length, hold, pieces, onFailure).start();
    }

    /** Closes the connection without (more of) an answer. */
    public void abort() {
        answered = true;
        conn.abort();
    }

    /**
     * Marks the answer as started; false when it had been already. Body bytes queued before an
     * answer that does not read them go back at once (the rest is dropped as it comes), so the
     * connection's buffer and the host's budget are free again.
     */
    boolean startAnswer() {
        long dropped = 0;
        synchronized (this) {
            if (answered) {
                return false;
            }
            answered = true;
            if (sink == null) {
                dropped = dropQueued();
            }
        }
        if (dropped > 0) {
            conn.bodyConsumed(dropped); // also resumes a connection paused for its buffer
        }
        return true;
    }

    private FullHttpResponse full(int status, ByteBuf body) {
        return new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(status), body,
                answerHeaders, new DefaultHttpHeaders());
    }

    private void send(FullHttpResponse response) {
        if (!startAnswer()) {
            response.release();
            throw new IllegalStateException("answered twice: " + method + " " + request.uri());
        }
        conn.writeAnswer(this, response, 0);
    }

    /** Whether the answer must close the connection (the handler said so, or the client). */
    boolean closes() {
        return answerHeaders.contains(HttpHeaderNames.CONNECTION, "close", true) || !HttpUtil.isKeepAlive(request);
    }

    /** Puts what every answer carries on the head: Date, and Connection as the exchange ends. */
    void finishHead(HttpResponse head) {
        head.headers().set(HttpHeaderNames.DATE, HttpDates.format(System.currentTimeMillis()));
        if (closes()) {
            head.headers().set(HttpHeaderNames.CONNECTION, "close");
        } else if (request.protocolVersion().equals(HttpVersion.HTTP_1_0)) {
            head.headers().set(HttpHeaderNames.CONNECTION, "keep-alive");
        }
    }

    /** The allocator's buffer for a piece: direct, so a disk read lands where the socket reads from. */
    static ByteBuffer window(ByteBuf b) {
        return b.nioBuffer(b.writerIndex(), b.writableBytes());
    }

    static DefaultHttpContent content(ByteBuf b) {
        return new DefaultHttpContent(b);
    }
}
