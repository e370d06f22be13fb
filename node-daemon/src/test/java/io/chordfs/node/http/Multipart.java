package io.chordfs.node.http;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Random;

/** Test helper: multipart/form-data bodies as browsers and Python's requests send them. */
final class Multipart {
    private Multipart() {}

    static Builder builder(String boundary) {
        return new Builder(boundary);
    }

    static final class Builder {
        final String boundary;
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();

        Builder(String boundary) {
            this.boundary = boundary;
        }

        String contentType() {
            return "multipart/form-data; boundary=" + boundary;
        }

        Builder field(String name, String value) {
            return raw("Content-Disposition: form-data; name=\"" + name + "\"\r\n", value.getBytes(StandardCharsets.UTF_8));
        }

        /** A file part; the file name is sent as UTF-8, '"' escaped as a backslash pair. */
        Builder file(String name, String filename, byte[] data) {
            return raw("Content-Disposition: form-data; name=\"" + name + "\"; filename=\""
                    + filename.replace("\\", "\\\\").replace("\"", "\\\"") + "\"\r\n"
                    + "Content-Type: application/octet-stream\r\n", data);
        }

        /** A part with these header lines (each ending in CRLF). */
        Builder raw(String headerLines, byte[] data) {
            out.writeBytes(("--" + boundary + "\r\n" + headerLines + "\r\n").getBytes(StandardCharsets.UTF_8));
            out.writeBytes(data);
            out.writeBytes("\r\n".getBytes(StandardCharsets.UTF_8));
            return this;
        }

        /** The body with its close delimiter. */
        byte[] build() {
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            b.writeBytes(out.toByteArray());
            b.writeBytes(("--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
            return b.toByteArray();
        }

        /** The body without its close delimiter (a truncated upload). */
        byte[] buildUnclosed() {
            return out.toByteArray();
        }
    }

    /**
     * head + {@code size} pseudo-random bytes + tail, generated as it is read (never held), hashing
     * the middle part into {@code digest}.
     */
    static final class GeneratedBody extends InputStream {
        private final byte[] head;
        private final long size;
        private final byte[] tail;
        private final Random rnd;
        private final MessageDigest digest;
        private long pos;
        private final byte[] chunk = new byte[8192];

        GeneratedBody(byte[] head, long size, byte[] tail, long seed, MessageDigest digest) {
            this.head = head;
            this.size = size;
            this.tail = tail;
            this.rnd = new Random(seed);
            this.digest = digest;
        }

        long length() {
            return head.length + size + tail.length;
        }

        @Override
        public int read() {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) {
            if (len == 0) {
                return 0;
            }
            if (pos < head.length) {
                int n = (int) Math.min(len, head.length - pos);
                System.arraycopy(head, (int) pos, b, off, n);
                pos += n;
                return n;
            }
            long mid = pos - head.length;
            if (mid < size) {
                int n = (int) Math.min(Math.min(len, chunk.length), size - mid);
                rnd.nextBytes(chunk);
                System.arraycopy(chunk, 0, b, off, n);
                if (digest != null) {
                    digest.update(b, off, n);
                }
                pos += n;
                return n;
            }
            long t = mid - size;
            if (t < tail.length) {
                int n = (int) Math.min(len, tail.length - t);
                System.arraycopy(tail, (int) t, b, off, n);
                pos += n;
                return n;
            }
            return -1;
        }
    }
}
