package io.chordfs.node.http;

import io.chordfs.node.store.TooLargeException;

import java.io.IOException;
import java.io.OutputStream;

/** Passes at most {@code max} bytes of the object {@code name} on; one more is a {@link TooLargeException}. */
final class LimitedOutputStream extends OutputStream {
    private final OutputStream out;
    private final long max;
    private final String name;
    private long count;

    LimitedOutputStream(OutputStream out, long max, String name) {
        this.out = out;
        this.max = max;
        this.name = name;
    }

    @Override
    public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        if (len > max - count) {
            throw new TooLargeException("'" + name + "' is larger than " + max + " bytes");
        }
        count += len;
        out.write(b, off, len);
    }

    /** Finishes what it passes on (closing a staged write's stream finishes its content). */
    @Override
    public void close() throws IOException {
        out.close();
    }
}
