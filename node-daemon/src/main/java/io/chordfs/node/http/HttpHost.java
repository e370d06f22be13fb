package io.chordfs.node.http;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBuf;
import io.netty.channel.AdaptiveRecvByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.DefaultMessageSizeEstimator;
import io.netty.channel.FileRegion;
import io.netty.channel.MessageSizeEstimator;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import io.chordfs.core.rpc.Admission;
import io.chordfs.core.rpc.CutOffLog;
import io.chordfs.core.rpc.EventLoops;
import io.chordfs.node.peer.Statuses;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * An HTTP/1.1 server on Netty event loops with the bounds of {@link HostLimits}: the event loops
 * parse heads and move bytes; a bounded pool of workers runs the {@link HttpHandler} and the
 * disk work of bodies and answers, and no worker ever waits for a client. What that costs per
 * connection, and how each limit acts, is in docs/front-door.md.
 */
public final class HttpHost implements AutoCloseable {
    /** What serves the requests of a host; every method runs on a worker unless said otherwise. */
    public interface HttpHandler {
        /** Answers {@code x}, now or later (after its body); a throw is answered by {@link #failed}. */
        void handle(Exchange x) throws Exception;

        /**
         * An error answer in this server's style. Also called on an event loop, for requests the
         * host refuses itself (431, 400, 503): it must not block.
         */
        void error(Exchange x, int status, String message);

        /** {@code handle} or a body sink threw before answering: answer with the one map of failures to statuses. */
        default void failed(Exchange x, Throwable e) {
            error(x, Statuses.of(e), String.valueOf(e.getMessage()));
        }
    }

    /** What a host tells about its traffic (metrics). Called on event loops: must not block. */
    public interface Observer {
        Observer NONE = new Observer() {
            @Override
            public void answered(String method, int status, long nanos) {}

            @Override
            public void bodyIn(long bytes) {}

            @Override
            public void bodyOut(long bytes) {}
        };

        /** An answer's head went out {@code nanos} after its request's head came in. */
        void answered(String method, int status, long nanos);

        void bodyIn(long bytes);

        void bodyOut(long bytes);
    }

    private static final System.Logger LOG = System.getLogger(HttpHost.class.getName());
    /** After an answer that closes the connection, at most this much of an unread body is read, so the client sees the answer. */
    static final long DRAIN_LIMIT = 64L << 20;
    private static final int MAX_READ = 256 * 1024;
    private static final MessageSizeEstimator FILE_AWARE_SIZES = () -> msg -> msg instanceof FileRegion r
            ? (int) Math.min(Integer.MAX_VALUE, r.count() - r.transferred())
            : DefaultMessageSizeEstimator.DEFAULT.newHandle().size(msg);
    /** While answers wait for the answer budget, one that has not moved for this long is cut off. */
    static final long SHED_NANOS = 5_000_000_000L;

    final String name;
    final HostLimits limits;
    final HttpHandler handler;
    final ByteBudget bodyBudget;
    final ByteBudget answerBudget;
    private final Channel server;
    private final EventLoopGroup ownGroup;
    private final ThreadPoolExecutor workers;
    private final AtomicInteger queuedRequests = new AtomicInteger();
    private volatile Observer observer = Observer.NONE;
    private final Admission admission;
    private final CutOffLog cutOffs;

    private HttpHost(String name, HostLimits limits, HttpHandler handler, EventLoopGroup group, boolean ownsGroup,
                     InetSocketAddress bind) throws IOException {
        this.name = name;
        this.limits = limits;
        this.handler = handler;
        this.bodyBudget = new ByteBudget(limits.bodyBudget());
        this.answerBudget = new ByteBudget(limits.answerBudget());
        this.ownGroup = ownsGroup ? group : null;
        this.cutOffs = new CutOffLog(name);
        AtomicInteger ids = new AtomicInteger();
        // Continuations of running exchanges (a body to drain, an answer to pump) are at most one
        // per connection; new requests beyond maxQueuedRequests are refused before they queue.
        this.workers = new ThreadPoolExecutor(limits.workers(), limits.workers(), 30, TimeUnit.SECONDS,
                new LinkedBlockingQueue<>(limits.maxConnections() + limits.maxQueuedRequests()), r -> {
                    Thread t = new Thread(r, name + "-worker-" + ids.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                });
        workers.allowCoreThreadTimeOut(true);
        this.admission = new Admission(limits.maxConnections(), limits.maxConnectionsPerAddress(), cutOffs);
        HttpDecoderConfig decoder = new HttpDecoderConfig()
                .setMaxInitialLineLength(limits.maxHeadBytes())
                .setMaxHeaderSize(limits.maxHeadBytes())
                .setMaxChunkSize(MAX_READ)
                .setStrictLineParsing(true);
        ServerBootstrap b = EventLoops.server(group, admission)
                // a client that half-closes after its request (curl's and the fuzzers' way) still gets the answer
                .childOption(ChannelOption.ALLOW_HALF_CLOSURE, true)
                .childOption(ChannelOption.RCVBUF_ALLOCATOR, new AdaptiveRecvByteBufAllocator(512, 16 * 1024, MAX_READ))
                // a file region counts whole until it is sent: room for a few keeps sendfile busy
                .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(1 << 20, 4 << 20))
                // file regions count their bytes, so they make a connection unwritable as buffers do
                .childOption(ChannelOption.MESSAGE_SIZE_ESTIMATOR, FILE_AWARE_SIZES)
                .childHandler(new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        Connection c = new Connection(HttpHost.this, ch);
                        ch.pipeline().addLast(c.rawBytes, new HttpServerCodec(decoder), c);
                    }
                });
        try {
            this.server = EventLoops.bind(b, bind);
        } catch (IOException e) {
            workers.shutdownNow();
            throw e;
        }
    }

    /** Reports this host's requests and body bytes to {@code o} from now on. */
    public void observe(Observer o) {
        observer = o;
    }

    /**
     * Binds {@code bind} (port 0: any free port) and serves {@code handler} on {@code group}'s
     * event loops, or on one loop of its own when {@code group} is null.
     */
    public static HttpHost start(String name, InetSocketAddress bind, HostLimits limits, HttpHandler handler,
                                 EventLoopGroup group) throws IOException {
        EventLoopGroup g = group != null ? group : EventLoops.newGroup(1, name);
        try {
            return new HttpHost(name, limits, handler, g, group == null, bind);
        } catch (IOException | RuntimeException e) {
            if (group == null) {
                g.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
            }
            throw e;
        }
    }

    public InetSocketAddress address() {
        return (InetSocketAddress) server.localAddress();
    }

    /** Connections open now. */
    public int connections() {
        return admission.open();
    }

    /** Requests waiting for a worker now. */
    public int waitingRequests() {
        return queuedRequests.get();
    }

    /** Bytes of answers in memory, waiting for clients to take them. */
    public long answerBytesHeld() {
        return answerBudget.used();
    }

    /**
     * Stops accepting, closes every connection (so work waiting on a client ends at once), gives
     * running workers up to 5 s to finish what they do with the store, and stops.
     */
    @Override
    public void close() {
        server.close().awaitUninterruptibly(2_000);
        admission.closeAll(2_000);
        workers.shutdown();
        try {
            if (!workers.awaitTermination(5, TimeUnit.SECONDS)) {
                workers.shutdownNow();
            }
        } catch (InterruptedException e) {
            workers.shutdownNow();
            Thread.currentThread().interrupt();
        }
        if (ownGroup != null) {
            ownGroup.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(3_000);
        }
    }

    /** Runs {@code x}'s handler on a worker, or answers 503 when too many requests wait already. */
    private void dispatch(Exchange x) {
        if (queuedRequests.incrementAndGet() > limits.maxQueuedRequests()) {
            queuedRequests.decrementAndGet();
            busy(x);
            return;
        }
        try {
            workers.execute(() -> {
                queuedRequests.decrementAndGet();
                try {
                    handler.handle(x);
                } catch (Throwable e) {
                    x.handlerFailed(e);
                    failed(x, e);
                    return;
                }
                x.handlerReturned();
            });
        } catch (RejectedExecutionException e) {
            queuedRequests.decrementAndGet();
            busy(x);
        }
    }

    private void busy(Exchange x) {
        x.answerHeaders().set("Retry-After", "1");
        x.answerHeaders().set(HttpHeaderNames.CONNECTION, "close");
        handler.error(x, 503, "Server busy, try again");
    }

    /** Runs the next step of an exchange under way (its body, its answer) on a worker. */
    void continueOnWorker(Runnable step) {
        try {
            workers.execute(step);
        } catch (RejectedExecutionException e) {
            // only when stopping: the connections are being closed, and their exchanges with them
        }
    }

    /** A handler or body sink threw: answer it, or drop the connection if an answer is under way. */
    void failed(Exchange x, Throwable e) {
        if (x.answered()) {
            LOG.log(Level.WARNING, name + ": " + x.method() + " " + x.uri() + " failed after the answer started; "
                    + "connection dropped", e);
            x.abort();
            return;
        }
        if (Statuses.of(e) == 500) {
            LOG.log(Level.WARNING, name + ": " + x.method() + " " + x.uri() + " failed", e);
        }
        try {
            handler.failed(x, e);
        } catch (RuntimeException again) {
            LOG.log(Level.WARNING, name + ": answering a failure failed; connection dropped", again);
            x.abort();
        }
    }

    /**
     * One connection: reads heads and bodies on its event loop, starts exchanges one at a time
     * (pipelined requests wait, read no further), and enforces the deadlines with one timer.
     */
    static final class Connection extends ChannelInboundHandlerAdapter {
        private static final int PAUSE_BODY = 1;
        private static final int PAUSE_BUDGET = 2;
        private static final int PAUSE_PIPELINE = 4;

        final HttpHost host;
        private final Channel ch;
        /** Sees the raw bytes before the codec: when a head starts, how fast a body comes. */
        final ChannelInboundHandlerAdapter rawBytes = new ChannelInboundHandlerAdapter() {
            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                if (msg instanceof ByteBuf b) {
                    rawRead(b.readableBytes());
                }
                ctx.fireChannelRead(msg);
            }
        };
        private final long tickMillis;
        private final AtomicLong bodyHeld = new AtomicLong();
        private final AtomicReference<Runnable> whenWritable = new AtomicReference<>();
        // The rest belongs to the event loop.
        private ChannelHandlerContext ctx;
        private ScheduledFuture<?> tick;
        private Exchange current;
        private boolean answerDone;
        private final ArrayDeque<Object> deferred = new ArrayDeque<>();
        private int pauses;
        private long idleSince;
        private long headStart = -1;
        private boolean inputClosed;
        private long stallWanted;
        private long stallBytes;
        private long drained;
        private volatile boolean answering;
        private long lastPending;
        private long lastWriteProgress;

        Connection(HttpHost host, Channel ch) {
            this.host = host;
            this.ch = ch;
            HostLimits l = host.limits;
            long shortest = Math.min(Math.min(l.headTimeout().toMillis(), l.idleTimeout().toMillis()),
                    Math.min(l.bodyStall().toMillis(), l.writeTimeout().toMillis()));
            // a deadline is kept to within a quarter of itself, and no connection ticks more than once a second
            this.tickMillis = Math.max(10, Math.min(1_000, shortest / 4));
        }

        InetSocketAddress remote() {
            return (InetSocketAddress) ch.remoteAddress();
        }

        boolean active() {
            return ch.isActive();
        }

        ByteBufAllocator alloc() {
            return ch.alloc();
        }

        @Override
        public void handlerAdded(ChannelHandlerContext ctx) {
            this.ctx = ctx;
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            idleSince = System.nanoTime();
            headStart = idleSince; // a new connection owes its first head within the head deadline
            tick = ctx.executor().scheduleAtFixedRate(this::check, tickMillis, tickMillis, TimeUnit.MILLISECONDS);
            ctx.fireChannelActive();
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            if (tick != null) {
                tick.cancel(false);
            }
            if (current != null) {
                current.clientGone("the connection closed");
                current.release();
            }
            for (Object m; (m = deferred.poll()) != null; ) {
                ReferenceCountUtil.release(m);
            }
            Runnable w = whenWritable.getAndSet(null);
            if (w != null) {
                w.run();
            }
            ctx.fireChannelInactive();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            if (!(cause instanceof IOException)) { // a reset or a broken pipe is the client's way to leave
                LOG.log(Level.WARNING, host.name + ": connection from " + remote() + " failed; closed", cause);
            }
            ch.close();
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof ChannelInputShutdownEvent) {
                inputClosed = true;
                Exchange x = current;
                if (x == null && deferred.isEmpty()) {
                    ch.close();
                } else if (x != null && x.expectsBody && !x.lastArrived()) {
                    cutOff("request bodies ended by the client before their length"); // never taken for a whole one
                }
            }
            ctx.fireUserEventTriggered(evt);
        }

        private void rawRead(int n) {
            if (current == null && headStart < 0) {
                headStart = System.nanoTime();
            } else if (current != null) {
                stallBytes += n;
            }
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (!deferred.isEmpty() || msg instanceof HttpRequest && current != null) {
                deferred.add(msg);
                pause(PAUSE_PIPELINE);
                return;
            }
            accept(msg);
        }

        private void accept(Object msg) {
            if (msg instanceof HttpRequest request) {
                start(request);
                if (request.decoderResult().isFailure()) {
                    ReferenceCountUtil.release(msg); // a full request, its body never read; next() closes once answered
                    return;
                }
            }
            if (msg instanceof HttpContent content) {
                Exchange x = current;
                if (x == null) {
                    content.release(); // after a head the decoder refused: nothing reads it
                    return;
                }
                if (content.decoderResult().isFailure()) {
                    content.release(); // a broken chunked body: it can never be whole
                    cutOff("malformed request bodies");
                    return;
                }
                host.observer.bodyIn(content.content().readableBytes());
                if (x.answered() && !x.readingBody()) {
                    drained += content.content().readableBytes();
                }
                x.offer(content);
                if (bodyHeld.get() > host.limits.bodyBuffer()) {
                    pause(PAUSE_BODY);
                }
                if (host.bodyBudget.exhausted()) {
                    pause(PAUSE_BUDGET);
                    if (host.bodyBudget.tryTake(0, () -> ch.eventLoop().execute(() -> resume(PAUSE_BUDGET)))) {
                        resume(PAUSE_BUDGET);
                    }
                }
                if (content instanceof LastHttpContent || drained > DRAIN_LIMIT) {
                    next();
                }
            }
        }

        private void start(HttpRequest request) {
            Exchange x = new Exchange(this, request);
            current = x;
            answerDone = false;
            headStart = -1;
            stallWanted = 0;
            stallBytes = 0;
            drained = 0;
            if (request.decoderResult().isFailure()) {
                Throwable cause = request.decoderResult().cause();
                boolean tooLong = cause instanceof TooLongFrameException;
                x.answerHeaders().set(HttpHeaderNames.CONNECTION, "close");
                host.cutOffs.note(tooLong ? "request heads over " + host.limits.maxHeadBytes() + " bytes (431)"
                        : "malformed requests (400)", remote());
                host.handler.error(x, tooLong ? 431 : 400, tooLong
                        ? "Request header fields too large (at most " + host.limits.maxHeadBytes() + " bytes)"
                        : "Bad request: " + cause.getMessage());
                return;
            }
            host.dispatch(x);
        }

        /** Called on a worker when the 100-continue answer is due. */
        void sendContinue() {
            ch.writeAndFlush(new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.CONTINUE));
        }

        void bodyHeld(long n) {
            bodyHeld.addAndGet(n);
            host.bodyBudget.take(n);
        }

        /** Any thread: {@code n} body bytes were written (or thrown away): room for more. */
        void bodyConsumed(long n) {
            long held = bodyHeld.addAndGet(-n);
            host.bodyBudget.give(n);
            if (held <= host.limits.bodyBuffer() / 2) {
                ch.eventLoop().execute(() -> {
                    if (bodyHeld.get() <= host.limits.bodyBuffer() / 2) {
                        resume(PAUSE_BODY);
                    }
                });
            }
        }

        private void pause(int reason) {
            if (pauses == 0) {
                ch.config().setAutoRead(false);
            }
            pauses |= reason;
        }

        private void resume(int reason) {
            if ((pauses & reason) == 0) {
                return;
            }
            pauses &= ~reason;
            if (pauses == 0 && ch.isActive()) {
                ch.config().setAutoRead(true);
                ch.read();
            }
        }

        /**
         * Registers {@code resume} to run when the connection can take more answer bytes; false
         * when it cannot now. True (and nothing registered) when it can.
         */
        boolean whenWritable(Runnable resume) {
            if (ch.isWritable()) {
                return true;
            }
            whenWritable.set(resume);
            if (ch.isWritable() || !ch.isActive()) {
                // it changed meanwhile; whoever takes the callback runs it
                Runnable r = whenWritable.getAndSet(null);
                if (r != null) {
                    r.run();
                }
            }
            return false;
        }

        @Override
        public void channelWritabilityChanged(ChannelHandlerContext ctx) {
            if (ch.isWritable()) {
                Runnable r = whenWritable.getAndSet(null);
                if (r != null) {
                    r.run();
                }
            }
            ctx.fireChannelWritabilityChanged();
        }

        /** Any thread: a whole answer; {@code budgeted} answer-budget bytes go back once it is written. */
        void writeAnswer(Exchange x, FullHttpResponse response, long budgeted) {
            x.finishHead(response);
            host.observer.answered(x.method(), response.status().code(), System.nanoTime() - x.startNanos);
            host.observer.bodyOut(response.content().readableBytes());
            answering = true;
            ch.writeAndFlush(response).addListener(f -> {
                host.answerBudget.give(budgeted);
                answered(x, f.isSuccess());
            });
        }

        void writeHead(Exchange x, HttpResponse head) {
            x.finishHead(head);
            host.observer.answered(x.method(), head.status().code(), System.nanoTime() - x.startNanos);
            answering = true;
            ch.write(head);
        }

        /**
         * A piece of a streamed answer: a buffer, or a file region. After the last, {@code written}
         * runs once it is out or failed (whoever owns the region's file closes it then).
         */
        void writeBody(Exchange x, Object piece, long budgeted, boolean last, Runnable written) {
            host.observer.bodyOut(piece instanceof ByteBuf b ? b.readableBytes() : ((FileRegion) piece).count());
            ch.write(piece instanceof ByteBuf b ? Exchange.content(b) : piece)
                    .addListener(f -> host.answerBudget.give(budgeted));
            if (last) {
                ch.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT).addListener(f -> {
                    written.run();
                    answered(x, f.isSuccess());
                });
            } else {
                ch.flush();
            }
        }

        /** On the event loop: an answer is out (or failed to go). */
        private void answered(Exchange x, boolean ok) {
            answering = false;
            if (!ok) {
                ch.close();
                return;
            }
            if (x == current) {
                answerDone = true;
                next();
            }
        }

        /** On the event loop: when both the answer and the body are through, the next request may start. */
        private void next() {
            Exchange x = current;
            if (x == null || !answerDone) {
                return;
            }
            if (x.request.decoderResult().isFailure()) {
                ch.close(); // the decoder reads nothing more of this connection
                return;
            }
            boolean bodyIn = !x.expectsBody || x.lastArrived();
            if (!bodyIn && (x.expectsContinue && !x.continueSent() || drained > DRAIN_LIMIT)) {
                ch.close(); // the client waits for a 100 that will not come, or sends far more than we read
                return;
            }
            if (!bodyIn) {
                return; // the rest of the body is read and thrown away first
            }
            if (x.closes()) {
                ch.close();
                return;
            }
            current = null;
            idleSince = System.nanoTime();
            runDeferred();
            if (inputClosed && current == null && deferred.isEmpty()) {
                ch.close(); // the client said all it had to say, and has its answers
            }
        }

        /**
         * Feeds what arrived while an exchange was under way: the next request, then its body,
         * up to the request after it, which waits for this one to end.
         */
        private void runDeferred() {
            while (!deferred.isEmpty() && !(current != null && deferred.peek() instanceof HttpRequest)) {
                accept(deferred.poll());
            }
            if (deferred.isEmpty()) {
                resume(PAUSE_PIPELINE);
            }
        }

        void abort() {
            ch.close();
        }

        /** The one timer of a connection: the head deadline, the idle timeout, stalled bodies and answers. */
        private void check() {
            long now = System.nanoTime();
            HostLimits l = host.limits;
            Exchange x = current;
            if (x == null) {
                if (headStart >= 0 && now - headStart > l.headTimeout().toNanos()) {
                    cutOff("request heads not complete within " + l.headTimeout().toSeconds() + " s");
                } else if (headStart < 0 && now - idleSince > l.idleTimeout().toNanos()) {
                    ch.close(); // an idle keep-alive connection: routine
                }
                return;
            }
            boolean waitingForBody = x.expectsBody && !x.lastArrived() && pauses == 0
                    && !(x.expectsContinue && !x.continueSent());
            if (waitingForBody) {
                stallWanted += tickMillis;
                if (stallWanted >= l.bodyStall().toMillis()) {
                    if (stallBytes < l.minBodyBytes()) {
                        cutOff("request bodies under " + l.minBodyBytes() + " bytes in " + l.bodyStall().toSeconds()
                                + " s");
                        return;
                    }
                    stallWanted = 0;
                    stallBytes = 0;
                }
            }
            ChannelOutboundBuffer out = ch.unsafe().outboundBuffer();
            // bytes not yet taken by the socket, counting what is sent of the piece under way
            long pending = out == null ? 0 : out.totalPendingWriteBytes() - out.currentProgress();
            if (!answering || pending == 0 || pending != lastPending) {
                lastPending = pending;
                lastWriteProgress = now;
            } else if (now - lastWriteProgress > l.writeTimeout().toNanos()) {
                cutOff("answers not taken for " + l.writeTimeout().toSeconds() + " s");
            } else if (now - lastWriteProgress > SHED_NANOS && host.answerBudget.hasWaiters()) {
                // memory is short and others wait for it: the readers that stopped go first
                cutOff("answers not taken for " + SHED_NANOS / 1_000_000_000L + " s while others waited for memory");
            }
        }

        private void cutOff(String why) {
            host.cutOffs.note(why, remote());
            ch.close();
        }
    }
}
