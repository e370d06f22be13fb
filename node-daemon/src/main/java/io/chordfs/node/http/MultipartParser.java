package io.chordfs.node.http;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * A streaming {@code multipart/form-data} parser (RFC 7578 / RFC 2046) that is fed: the bytes of a
 * request body go in with {@link #feed} as they arrive, and the parser tells its {@link Listener}
 * about each part's headers, its data and its end, so it never waits for input and never holds a
 * thread while a client is slow. It keeps one fixed buffer and never a whole part.
 *
 * <p>The delimiter {@code CRLF "--" boundary} is searched with Boyer-Moore-Horspool over the
 * buffer; bytes that could still be the start of a delimiter stay in the buffer until more input
 * decides. As Python's cgi module does, a delimiter line must be exactly the boundary (optionally
 * followed by "--" for the close delimiter, or by linear white space): {@code CRLF--boundaryXYZ}
 * inside a file is data, not a delimiter. The body may start directly with {@code --boundary}
 * (no preamble) since the parser pretends the input begins with CRLF. Text after the close
 * delimiter (the epilogue) is ignored.
 *
 * <p>Errors: {@link MalformedException} for a body that ends ({@link #finish}) before the close
 * delimiter, a missing opening boundary, or a malformed header line; {@link HeadersTooLargeException}
 * when a part's headers exceed the limit. Both mean 400.
 */
final class MultipartParser {
    /** The request body is not well-formed multipart. */
    static class MalformedException extends IOException {
        MalformedException(String message) {
            super(message);
        }
    }

    /** A part's headers are larger than allowed. */
    static final class HeadersTooLargeException extends MalformedException {
        HeadersTooLargeException(String message) {
            super(message);
        }
    }

    /** What the parser finds, in order: a part's headers, its data in pieces, its end. */
    interface Listener {
        void part(Part part) throws IOException;

        /** Data of the current part; {@code b} is valid only during the call. */
        void data(Part part, byte[] b, int off, int len) throws IOException;

        void end(Part part) throws IOException;
    }

    /** Linear white space allowed after a boundary before its CRLF ("transport padding"). */
    private static final int MAX_PADDING = 64;
    private static final int NEED_MORE = -1;
    private static final int NOT_DELIMITER = 0;
    private static final int NEXT_PART = 1;
    private static final int CLOSE = 2;

    private enum State { PREAMBLE, BODY, HEADERS, DONE }

    private final byte[] delim;
    private final int[] shift = new int[256];
    private final int maxPartHeaderBytes;
    private final Listener listener;
    private final byte[] buf;
    private int pos;
    private int lim;
    private State state = State.PREAMBLE;
    private Part current;
    private final ByteArrayOutputStream headerLine = new ByteArrayOutputStream(128);
    private Map<String, String> headers;
    private String lastName;
    private int headerBytes;

    /**
     * @param boundary           the boundary parameter of the Content-Type (without the leading "--")
     * @param maxPartHeaderBytes the largest header block a part may have
     * @param bufferSize         bytes buffered at most (raised to what the boundary needs)
     */
    MultipartParser(String boundary, int maxPartHeaderBytes, int bufferSize, Listener listener) {
        if (!validBoundary(boundary)) {
            throw new IllegalArgumentException("invalid multipart boundary");
        }
        this.delim = ("\r\n--" + boundary).getBytes(StandardCharsets.ISO_8859_1);
        this.maxPartHeaderBytes = maxPartHeaderBytes;
        this.listener = listener;
        this.buf = new byte[Math.max(bufferSize, 2 * (delim.length + MAX_PADDING + 4))];
        int m = delim.length;
        Arrays.fill(shift, m);
        for (int k = 0; k < m - 1; k++) {
            shift[delim[k] & 0xff] = m - 1 - k;
        }
        // Pretend the body starts with CRLF so "--boundary" at its very start is a delimiter too.
        buf[0] = '\r';
        buf[1] = '\n';
        lim = 2;
    }

    /**
     * A boundary as Python's cgi module accepts it: 1 to 200 printable ASCII characters, the last
     * not a space (RFC 2046 allows 70 from a smaller set; being as lenient as uploadserver costs
     * nothing).
     */
    static boolean validBoundary(String b) {
        if (b == null || b.isEmpty() || b.length() > 200) {
            return false;
        }
        for (int i = 0; i < b.length(); i++) {
            char c = b.charAt(i);
            if (c < 0x20 || c > 0x7e) {
                return false;
            }
        }
        return b.charAt(b.length() - 1) != ' ';
    }

    /** True once the close delimiter was read: nothing fed after it matters. */
    boolean done() {
        return state == State.DONE;
    }

    /** Takes the next bytes of the body and tells the listener everything they decide. */
    void feed(byte[] b, int off, int len) throws IOException {
        feed(ByteBuffer.wrap(b, off, len));
    }

    /** Takes the bytes remaining in {@code src} (a direct buffer from the socket too), advancing it. */
    void feed(ByteBuffer src) throws IOException {
        while (src.hasRemaining() && state != State.DONE) {
            if (pos > 0) {
                System.arraycopy(buf, pos, buf, 0, lim - pos);
                lim -= pos;
                pos = 0;
            }
            int n = Math.min(src.remaining(), buf.length - lim);
            src.get(buf, lim, n);
            lim += n;
            process();
        }
    }

    /** The body has ended: anything short of the close delimiter is malformed. */
    void finish() throws IOException {
        switch (state) {
            case DONE -> { }
            case HEADERS -> throw new MalformedException("the body ends inside a multipart part's headers");
            case PREAMBLE -> throw new MalformedException("no multipart boundary found in the body");
            case BODY -> throw new MalformedException(indexOfDelimiter(pos, lim) >= 0 || lim - pos >= 2 && buf[pos] == '\r'
                    ? "the body ends inside a multipart boundary line" : "the body ends before the closing multipart boundary");
        }
    }

    private void process() throws IOException {
        while (state != State.DONE) {
            if (state == State.HEADERS) {
                if (!readHeaders()) {
                    return;
                }
                continue;
            }
            int found = indexOfDelimiter(pos, lim);
            if (found > pos) {
                data(found - pos);
                continue;
            }
            if (found == pos) {
                int verdict = classify();
                if (verdict == NEED_MORE) {
                    return;
                }
                if (verdict == NOT_DELIMITER) {
                    data(1); // the CR is data; search again from the next byte
                    continue;
                }
                if (current != null) {
                    Part ended = current;
                    current = null;
                    listener.end(ended);
                }
                if (verdict == CLOSE) {
                    state = State.DONE;
                } else {
                    state = State.HEADERS;
                    headers = new LinkedHashMap<>();
                    lastName = null;
                    headerBytes = 0;
                    headerLine.reset();
                }
                continue;
            }
            int safe = lim - pos - (delim.length - 1);
            if (safe > 0) {
                data(safe);
            }
            return;
        }
    }

    /** Hands {@code n} bytes at {@code pos} to the current part (the preamble's are dropped). */
    private void data(int n) throws IOException {
        if (state == State.BODY) {
            listener.data(current, buf, pos, n);
        }
        pos += n;
    }

    /** With the delimiter at {@code pos}: what follows it? Consumes it unless NEED_MORE/NOT_DELIMITER. */
    private int classify() {
        int p = pos + delim.length;
        if (p + 2 > lim) {
            return NEED_MORE;
        }
        if (buf[p] == '-' && buf[p + 1] == '-') {
            pos = p + 2;
            return CLOSE;
        }
        int q = p;
        while (q < lim && q - p < MAX_PADDING && (buf[q] == ' ' || buf[q] == '\t')) {
            q++;
        }
        if (q + 2 > lim) {
            return q - p >= MAX_PADDING ? NOT_DELIMITER : NEED_MORE;
        }
        if (buf[q] == '\r' && buf[q + 1] == '\n') {
            pos = q + 2;
            return NEXT_PART;
        }
        return NOT_DELIMITER;
    }

    /** Boyer-Moore-Horspool search for the delimiter in buf[from, to). */
    private int indexOfDelimiter(int from, int to) {
        int m = delim.length;
        int last = m - 1;
        int i = from;
        while (i + m <= to) {
            int j = last;
            while (buf[i + j] == delim[j]) {
                if (j == 0) {
                    return i;
                }
                j--;
            }
            i += shift[buf[i + last] & 0xff];
        }
        return -1;
    }

    /**
     * Reads header lines from the buffer up to the empty line: names lower-cased, the first of
     * duplicates kept; lines end in CRLF (a bare LF is accepted); obsolete folded lines are joined.
     * Returns false when the buffer ran out first (the line so far is kept).
     */
    private boolean readHeaders() throws IOException {
        while (pos < lim) {
            int c = buf[pos++] & 0xff;
            if (c != '\n') {
                if (++headerBytes > maxPartHeaderBytes) {
                    throw new HeadersTooLargeException("multipart part headers exceed " + maxPartHeaderBytes + " bytes");
                }
                headerLine.write(c);
                continue;
            }
            byte[] b = headerLine.toByteArray();
            headerLine.reset();
            int len = b.length > 0 && b[b.length - 1] == '\r' ? b.length - 1 : b.length;
            if (len == 0) {
                current = new Part(Collections.unmodifiableMap(headers));
                state = State.BODY;
                listener.part(current);
                return true;
            }
            String text = new String(b, 0, len, StandardCharsets.UTF_8);
            if ((text.charAt(0) == ' ' || text.charAt(0) == '\t') && lastName != null) {
                headers.computeIfPresent(lastName, (k, v) -> v + " " + text.strip());
                continue;
            }
            int colon = text.indexOf(':');
            if (colon <= 0) {
                throw new MalformedException("malformed multipart part header line");
            }
            lastName = text.substring(0, colon).strip().toLowerCase(Locale.ROOT);
            headers.putIfAbsent(lastName, text.substring(colon + 1).strip());
        }
        return false;
    }

    /** One part: its headers (its data goes to the listener). */
    static final class Part {
        private final Map<String, String> headers;
        private final HeaderParams disposition;

        private Part(Map<String, String> headers) {
            this.headers = headers;
            this.disposition = HeaderParams.parse(headers.get("content-disposition"));
        }

        /** Header values by lower-case name. */
        Map<String, String> headers() {
            return headers;
        }

        /** The form field name ({@code name=} of Content-Disposition), or null. */
        String name() {
            return disposition.param("name");
        }

        /** The {@code filename=} of Content-Disposition as sent (may be empty), or null when absent. */
        String filename() {
            return disposition.param("filename");
        }
    }
}
