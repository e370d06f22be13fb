package io.chordfs.core.net;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.Proxy;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A PUT of a body of known length over {@link HttpURLConnection}, which moves large bodies at
 * about twice the rate of {@code java.net.http} on JDK 17, for less CPU. HttpURLConnection has no
 * write timeout, so a deadline for the whole exchange closes the connection if the server stops
 * reading or answering; the caller then sees {@link HttpTimeoutException}.
 */
public final class HttpPut {
    /** Closes connections that overrun their deadline (one daemon thread for the JVM). */
    private static final ScheduledExecutorService DEADLINES = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "http-put-deadlines");
        t.setDaemon(true);
        return t;
    });

    /**
     * A SHA-256 in lower-case hex ({@link #isSha256Hex}) of a body: on the answer to a PUT, of the
     * request's body as the node that took it computed it (after checking it against the block
     * CRC32Cs sent with it); on a node-to-node PUT, of its body as the sender claims it; on a
     * node-to-node GET answer, of the stored object it carries.
     */
    public static final String BODY_SHA256 = "X-ChordFS-Sha256";

    /** Whether {@code s} has the form of a SHA-256 on our wire: 64 lower-case hex digits. */
    public static boolean isSha256Hex(String s) {
        return s.length() == 64 && s.chars().allMatch(ch -> ch >= '0' && ch <= '9' || ch >= 'a' && ch <= 'f');
    }

    /** A PUT's deadline grows with its body as if sent at this rate (a slow link, not a stuck one). */
    public static final long MIN_BYTES_PER_SECOND = 10_000_000;
    private static final int FILE_PIECE = 64 * 1024;

    private HttpPut() {}

    /** Writes exactly the length given to {@link #send}; may be called again for a retry. */
    @FunctionalInterface
    public interface Body {
        void writeTo(OutputStream out) throws IOException;

        /**
         * The first {@code size} bytes of the file, in pieces large enough to keep the system
         * calls few; a file that has fewer by then is an error.
         */
        static Body of(Path file, long size) {
            return out -> {
                byte[] buf = new byte[FILE_PIECE];
                try (InputStream in = Files.newInputStream(file)) {
                    for (long left = size; left > 0; ) {
                        int n = in.read(buf, 0, (int) Math.min(buf.length, left));
                        if (n < 0) {
                            throw new IOException(file + " ended after " + (size - left) + " of " + size
                                    + " bytes (changed while sending?)");
                        }
                        out.write(buf, 0, n);
                        left -= n;
                    }
                }
            };
        }
    }

    /** The status, the first bytes of the answer's body (of an error body for 4xx/5xx) and its headers. */
    public record Answer(int code, String body, Map<String, List<String>> headers) {
        /** The first value of a header, by its name in any case. */
        public Optional<String> header(String name) {
            return headers.entrySet().stream()
                    .filter(e -> e.getKey() != null && e.getKey().equalsIgnoreCase(name) && !e.getValue().isEmpty())
                    .map(e -> e.getValue().get(0)).findFirst();
        }
    }

    /** The deadline for a PUT of {@code size} bytes: the answer's wait plus the time to send at the minimum rate. */
    public static Duration deadline(Duration answerWait, long size) {
        return deadline(answerWait, size, MIN_BYTES_PER_SECOND);
    }

    /** As {@link #deadline(Duration, long)}, at another minimum rate (tests). */
    public static Duration deadline(Duration answerWait, long size, long minBytesPerSecond) {
        return answerWait.plusMillis(size * 1000 / minBytesPerSecond);
    }

    /**
     * Sends {@code size} bytes from {@code body} with {@code headers}; the whole exchange must end
     * within {@code deadline}. Of the answer, at most {@code maxAnswerBytes} are read. {@code what}
     * names the call in timeout messages; a refused connection is thrown as it is.
     */
    public static Answer send(String what, URI uri, long size, Map<String, String> headers, Body body, Duration connectTimeout,
                              Duration deadline, int maxAnswerBytes) throws IOException {
        HttpURLConnection c = open(uri, size, headers, connectTimeout, deadline);
        AtomicBoolean expired = new AtomicBoolean();
        ScheduledFuture<?> timer = DEADLINES.schedule(() -> {
            expired.set(true);
            c.disconnect();
        }, deadline.toMillis(), TimeUnit.MILLISECONDS);
        try {
            return exchange(what, c, body, maxAnswerBytes, expired, "took longer than " + deadline.toSeconds() + " s");
        } finally {
            timer.cancel(false);
        }
    }

    /**
     * As {@link #send}, for a body made while it is sent (bytes passed on as they arrive from
     * elsewhere), whose pace is not the server's to answer for: there is no deadline for the whole
     * exchange, but each write of the body must be taken within {@code stall} (a server that stops
     * reading), and the answer must start within {@code answerWait} of the body's end (a server
     * may have to make the body durable first). The time the body spends waiting for its bytes
     * between writes is not counted.
     */
    public static Answer sendPaced(String what, URI uri, long size, Map<String, String> headers, Body body,
                                   Duration connectTimeout, Duration stall, Duration answerWait, int maxAnswerBytes)
            throws IOException {
        HttpURLConnection c = open(uri, size, headers, connectTimeout, answerWait);
        AtomicBoolean expired = new AtomicBoolean();
        AtomicLong writingSince = new AtomicLong(-1);
        long period = Math.max(10, stall.toMillis() / 4);
        ScheduledFuture<?> watch = DEADLINES.scheduleAtFixedRate(() -> {
            long since = writingSince.get();
            if (since >= 0 && System.nanoTime() - since > stall.toNanos()) {
                expired.set(true);
                c.disconnect();
            }
        }, period, period, TimeUnit.MILLISECONDS);
        Body watched = out -> body.writeTo(new FilterOutputStream(out) {
            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                writingSince.set(System.nanoTime());
                try {
                    out.write(b, off, len);
                } finally {
                    writingSince.set(-1);
                }
            }
        });
        try {
            return exchange(what, c, watched, maxAnswerBytes, expired, "stopped taking its body for " + stall.toSeconds() + " s");
        } finally {
            watch.cancel(false);
        }
    }

    private static HttpURLConnection open(URI uri, long size, Map<String, String> headers, Duration connectTimeout,
                                          Duration readTimeout) throws IOException {
        HttpURLConnection c = (HttpURLConnection) uri.toURL().openConnection(Proxy.NO_PROXY);
        c.setRequestMethod("PUT");
        c.setDoOutput(true);
        c.setInstanceFollowRedirects(false);
        c.setConnectTimeout((int) Math.min(Integer.MAX_VALUE, connectTimeout.toMillis()));
        c.setReadTimeout((int) Math.min(Integer.MAX_VALUE, readTimeout.toMillis()));
        c.setFixedLengthStreamingMode(size);
        headers.forEach(c::setRequestProperty);
        return c;
    }

    /** Sends the body and reads the answer; {@code expired} set means the guard cut the connection. */
    private static Answer exchange(String what, HttpURLConnection c, Body body, int maxAnswerBytes, AtomicBoolean expired,
                                   String overrun) throws IOException {
        try {
            try (OutputStream out = c.getOutputStream()) {
                body.writeTo(out);
            }
            int code = c.getResponseCode();
            InputStream in = code < 400 ? c.getInputStream() : c.getErrorStream();
            try (in) {
                return new Answer(code, in == null ? "" : new String(in.readNBytes(maxAnswerBytes), StandardCharsets.UTF_8),
                        c.getHeaderFields());
            }
        } catch (SocketTimeoutException e) {
            c.disconnect();
            throw new HttpTimeoutException(what + " timed out: " + e.getMessage());
        } catch (IOException | RuntimeException e) {
            c.disconnect(); // a half-sent request cannot be reused
            if (expired.get()) {
                throw new HttpTimeoutException(what + " " + overrun);
            }
            throw e;
        }
    }
}
