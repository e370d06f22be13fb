package io.chordfs.node.http;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * A streaming {@code multipart/form-data} parser (RFC 7578 / RFC 2046). It holds one fixed buffer
 * and never a whole part: {@link #next()} parses the next part's headers (bounded by
 * {@code maxPartHeaderBytes}) and hands back the part, whose body is read as a stream that ends at
 * the next delimiter. Reading a part's body is optional; {@link #next()} skips what is left.
 *
 * <p>The delimiter {@code CRLF "--" boundary} is searched with Boyer-Moore-Horspool over the
 * buffer; bytes that could still be the start of a delimiter stay in the buffer until more input
 * decides. As Python's cgi module does, a delimiter line must be exactly the boundary (optionally
 * followed by "--" for the close delimiter, or by linear white space): {@code CRLF--boundaryXYZ}
 * inside a file is data, not a delimiter. The body may start directly with {@code --boundary}
 * (no preamble) since the parser pretends the input begins with CRLF. Text after the close
 * delimiter (the epilogue) is not read.
 *
 * <p>Errors: {@link MalformedException} for a body that ends before the close delimiter, a missing
 * opening boundary, or a malformed delimiter line; {@link HeadersTooLargeException} when a part's
 * headers exceed the limit. Both mean 400.
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

    /** Linear white space allowed after a boundary before its CRLF ("transport padding"). */
    private static final int MAX_PADDING = 64;
    private static final int NEED_MORE = -1;
    private static final int NOT_DELIMITER = 0;
    private static final int NEXT_PART = 1;
    private static final int CLOSE = 2;

    private final InputStream in;
    private final byte[] delim;
    private final int[] shift = new int[256];
    private final int maxPartHeaderBytes;
    private final byte[] buf;
    private int pos;
    private int lim;
    private boolean eof;
    /** True once the close delimiter was consumed: no more parts. */
    private boolean done;
    /** True while inside a part body (or the preamble) that has not reached its delimiter. */
    private boolean inBody = true;
    private boolean started;
    private Part current;

    /**
     * @param boundary           the boundary parameter of the Content-Type (without the leading "--")
     * @param maxPartHeaderBytes the largest header block a part may have
     * @param bufferSize         bytes buffered at most (raised to what the boundary needs)
     */
    MultipartParser(InputStream in, String boundary, int maxPartHeaderBytes, int bufferSize) {
        if (!validBoundary(boundary)) {
            throw new IllegalArgumentException("invalid multipart boundary");
        }
        this.in = in;
        this.delim = ("\r\n--" + boundary).getBytes(StandardCharsets.ISO_8859_1);
        this.maxPartHeaderBytes = maxPartHeaderBytes;
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

    /** The next part, or null after the close delimiter. Whatever is left of the previous part is skipped. */
    Part next() throws IOException {
        if (current != null) {
            current.ended = true;
            current = null;
        }
        if (!started) {
            started = true;
            try {
                skipBody();
            } catch (MalformedException e) {
                throw new MalformedException("no multipart boundary found in the body");
            }
        } else if (inBody) {
            skipBody();
        }
        if (done) {
            return null;
        }
        Map<String, String> headers = readHeaders();
        inBody = true;
        current = new Part(headers);
        return current;
    }

    private void skipBody() throws IOException {
        int n;
        while ((n = dataAvailable()) > 0) {
            pos += n;
        }
    }

    /**
     * The number of bytes at {@code buf[pos..]} that surely belong to the current body (> 0), or
     * -1 when the body has ended, in which case the delimiter (and its line end) were consumed.
     */
    private int dataAvailable() throws IOException {
        if (!inBody) {
            return -1;
        }
        while (true) {
            int found = indexOfDelimiter(pos, lim);
            if (found > pos) {
                return found - pos;
            }
            if (found == pos) {
                int verdict = classify();
                if (verdict == NEED_MORE) {
                    if (!fill()) {
                        throw new MalformedException("the body ends inside a multipart boundary line");
                    }
                    continue;
                }
                if (verdict == NOT_DELIMITER) {
                    return 1; // the CR is data; search again from the next byte
                }
                inBody = false;
                return -1;
            }
            int safe = lim - pos - (delim.length - 1);
            if (safe > 0) {
                return safe;
            }
            if (!fill()) {
                throw new MalformedException("the body ends before the closing multipart boundary");
            }
        }
    }

    /** With the delimiter at {@code pos}: what follows it? Consumes it unless NEED_MORE/NOT_DELIMITER. */
    private int classify() {
        int p = pos + delim.length;
        if (p + 2 > lim) {
            return NEED_MORE;
        }
        if (buf[p] == '-' && buf[p + 1] == '-') {
            pos = p + 2;
            done = true;
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

    /** Moves unread bytes to the front and reads more. False at end of input (nothing read). */
    private boolean fill() throws IOException {
        if (eof) {
            return false;
        }
        if (pos > 0) {
            System.arraycopy(buf, pos, buf, 0, lim - pos);
            lim -= pos;
            pos = 0;
        }
        if (lim == buf.length) {
            throw new IllegalStateException("multipart buffer full"); // cannot happen: see constructor
        }
        int n = in.read(buf, lim, buf.length - lim);
        if (n < 0) {
            eof = true;
            return false;
        }
        lim += n;
        return true;
    }

    private int readByte() throws IOException {
        if (pos == lim && !fill()) {
            return -1;
        }
        return buf[pos++] & 0xff;
    }

    /**
     * Header lines up to the empty line, names lower-cased, the first of duplicates kept; lines end
     * in CRLF (a bare LF is accepted); obsolete folded lines are joined.
     */
    private Map<String, String> readHeaders() throws IOException {
        Map<String, String> headers = new LinkedHashMap<>();
        ByteArrayOutputStream line = new ByteArrayOutputStream(128);
        String lastName = null;
        int total = 0;
        while (true) {
            line.reset();
            int c;
            while ((c = readByte()) >= 0 && c != '\n') {
                if (++total > maxPartHeaderBytes) {
                    throw new HeadersTooLargeException("multipart part headers exceed " + maxPartHeaderBytes + " bytes");
                }
                line.write(c);
            }
            if (c < 0) {
                throw new MalformedException("the body ends inside a multipart part's headers");
            }
            byte[] b = line.toByteArray();
            int len = b.length > 0 && b[b.length - 1] == '\r' ? b.length - 1 : b.length;
            if (len == 0) {
                return Collections.unmodifiableMap(headers);
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
    }

    /** One part: its headers and its body, readable until the next delimiter. */
    final class Part {
        private final Map<String, String> headers;
        private final HeaderParams disposition;
        private boolean ended;
        private final InputStream body = new InputStream() {
            @Override
            public int read() throws IOException {
                byte[] one = new byte[1];
                int n = read(one, 0, 1);
                return n < 0 ? -1 : one[0] & 0xff;
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                if (len == 0) {
                    return 0;
                }
                if (ended) {
                    return -1;
                }
                int n = dataAvailable();
                if (n < 0) {
                    ended = true;
                    return -1;
                }
                n = Math.min(n, len);
                System.arraycopy(buf, pos, b, off, n);
                pos += n;
                return n;
            }

            @Override
            public long transferTo(OutputStream out) throws IOException {
                return Part.this.transferTo(out);
            }
        };

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

        /** The body; ends (-1) at the part's delimiter. Valid until {@link MultipartParser#next()}. */
        InputStream body() {
            return body;
        }

        /** Writes the rest of the body to {@code out} straight from the parser's buffer. */
        long transferTo(OutputStream out) throws IOException {
            long total = 0;
            if (ended) {
                return 0;
            }
            int n;
            while ((n = dataAvailable()) > 0) {
                out.write(buf, pos, n);
                pos += n;
                total += n;
            }
            ended = true;
            return total;
        }
    }
}
