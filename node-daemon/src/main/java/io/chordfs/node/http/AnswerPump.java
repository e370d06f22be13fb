package io.chordfs.node.http;

import io.chordfs.node.store.ObjectStore;
import io.chordfs.node.store.Pieces;
import io.netty.buffer.ByteBuf;
import io.netty.channel.DefaultFileRegion;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.util.ReferenceCountUtil;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Sends a streamed answer: on a worker, fills a direct buffer from the {@link Pieces} (a block
 * read and verified straight into the memory the socket sends from), hands it to the event loop,
 * and asks for the next piece only when the connection can take more and the host's answer
 * budget has room. In between it holds buffers at most, never a thread. The status line waits
 * until the first {@code hold} bytes are had, so a failure within them is still an error answer.
 */
final class AnswerPump {
    /**
     * An answer this small never waits for the answer budget: it fits in the socket's send buffer,
     * so it leaves memory as soon as it is written, and clients that leave large answers unread
     * (holding the budget until they are cut off) cannot hold up small ones.
     */
    static final int SMALL_ANSWER = 32 * 1024;

    private final Exchange x;
    private final HttpHost.Connection conn;
    private final HttpResponse head;
    private final long length;
    private final long hold;
    private final Pieces pieces;
    private final Exchange.StreamFailure onFailure;
    /** Pieces had before the status line went out (buffers or spans), with the budget they took. */
    private final List<Object> held = new ArrayList<>();
    private long heldBudget;
    private long sent;
    private boolean started;
    /** Budget bytes granted while this pump waited for them. */
    private volatile long granted;

    AnswerPump(Exchange x, HttpHost.Connection conn, HttpResponse head, long length, long hold, Pieces pieces,
               Exchange.StreamFailure onFailure) {
        this.x = x;
        this.conn = conn;
        this.head = head;
        this.length = length;
        this.hold = Math.max(1, Math.min(hold, length));
        this.pieces = pieces;
        this.onFailure = onFailure;
    }

    /** Runs on the calling worker until the connection or the budget makes it wait. */
    void start() {
        run();
    }

    private void resume() {
        conn.host.continueOnWorker(this::run);
    }

    private void run() {
        ByteBudget budget = conn.host.answerBudget;
        while (true) {
            if (!conn.active()) {
                fail(new Exchange.ClientGoneException("the client went away"));
                return;
            }
            if (started && !conn.whenWritable(this::resume)) {
                return;
            }
            int size = (int) Math.min(length - sent, ObjectStore.BLOCK_SIZE);
            long have = granted;
            granted = 0;
            if (length <= SMALL_ANSWER) {
                budget.take(size); // counted, never waited for: see SMALL_ANSWER
            } else if (have == 0 && !budget.tryTake(size, () -> {
                granted = size;
                resume();
            })) {
                return;
            }
            ByteBuf buf = conn.alloc().directBuffer(size, size);
            int n;
            try {
                n = pieces.fill(Exchange.window(buf));
                if (n <= 0) {
                    throw new IOException("the source ended after " + sent + " of " + length + " bytes");
                }
            } catch (Throwable e) {
                buf.release();
                budget.give(size);
                fail(e);
                return;
            }
            Object piece;
            long pieceBudget;
            Pieces.FileSpan span = length > SMALL_ANSWER ? pieces.lastSpan() : null;
            if (span != null) {
                // verified: sent from the page cache, so a client that stops reading holds no buffer
                // (a small answer goes from the buffer: one write with its head, and it never waits)
                buf.release();
                budget.give(size);
                piece = new Span(span);
                pieceBudget = 0;
            } else {
                buf.writerIndex(n);
                piece = buf;
                pieceBudget = size;
            }
            sent += n;
            boolean last = sent == length;
            if (started) {
                conn.writeBody(x, piece, pieceBudget, last, last ? this::close : null);
            } else {
                held.add(piece);
                heldBudget += pieceBudget;
                if (sent < hold && !last) {
                    continue;
                }
                started = true;
                if (!x.startAnswer()) {
                    releaseHeld();
                    close();
                    throw new IllegalStateException("answered twice: " + x.method() + " " + x.uri());
                }
                sendHeld(last);
            }
            if (last) {
                return; // the pieces close once the last is written: a span is sent from their file
            }
        }
    }

    /** The status line and what was held; one message and one flush when that is the whole answer. */
    private void sendHeld(boolean last) {
        if (last && held.size() == 1 && held.get(0) instanceof ByteBuf only) {
            conn.writeAnswer(x, new DefaultFullHttpResponse(head.protocolVersion(), head.status(), only,
                    head.headers(), new DefaultHttpHeaders()), heldBudget);
            close();
        } else {
            conn.writeHead(x, head);
            for (int i = 0; i < held.size(); i++) {
                boolean end = i == held.size() - 1;
                // the budget goes back with the last held piece
                conn.writeBody(x, held.get(i), end ? heldBudget : 0, end && last, end && last ? this::close : null);
            }
        }
        held.clear();
        heldBudget = 0;
    }

    private void fail(Throwable e) {
        long have = granted;
        granted = 0;
        conn.host.answerBudget.give(have);
        releaseHeld();
        close();
        if (!started) {
            onFailure.beforeStart(x, e);
        } else {
            onFailure.afterStart(sent, e);
            x.abort();
        }
    }

    private void releaseHeld() {
        held.forEach(ReferenceCountUtil::release);
        held.clear();
        conn.host.answerBudget.give(heldBudget);
        heldBudget = 0;
    }

    /**
     * A verified span of the object's data file, sent with sendfile where the transport has it.
     * Not closed with the write: the file is the pieces', closed when the answer is out.
     */
    private static final class Span extends DefaultFileRegion {
        Span(Pieces.FileSpan s) {
            super(s.file(), s.position(), s.count());
        }

        @Override
        protected void deallocate() {
        }
    }

    private void close() {
        try {
            pieces.close();
        } catch (IOException | RuntimeException e) {
            // read-only: nothing to lose
        }
    }
}
