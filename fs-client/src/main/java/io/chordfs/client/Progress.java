package io.chordfs.client;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;

/** Bytes, rate and ETA on one rewritten stderr line, at most 5 times a second; silent when off. */
final class Progress {
    private final PrintStream err;
    private final boolean on;
    private final String label;
    private volatile long total;
    private final long start = System.nanoTime();
    private final AtomicLong done = new AtomicLong();
    private volatile long lastPrint;

    Progress(PrintStream err, boolean on, String label, long total) {
        this.err = err;
        this.on = on;
        this.label = label;
        this.total = total;
    }

    private static final Path STDERR_LINK = Path.of("/proc/self/fd/2");

    /** On when stderr is a terminal; Java 17 cannot ask isatty(2) directly, so Linux's /proc says. */
    static boolean terminal() {
        return isTerminal(STDERR_LINK);
    }

    /**
     * Whether a file-descriptor link ({@code /proc/self/fd/N}) points at a terminal device.
     * Without /proc, an attached console (stdin and stdout are terminals) stands in.
     */
    static boolean isTerminal(Path fdLink) {
        try {
            String target = Files.readSymbolicLink(fdLink).toString();
            return target.startsWith("/dev/pts/") || target.startsWith("/dev/tty") || target.equals("/dev/console");
        } catch (IOException | UnsupportedOperationException e) {
            return System.console() != null;
        }
    }

    /** The total, once known (a download learns it from the manifest). */
    void total(long bytes) {
        total = bytes;
    }

    /** Bytes counted so far. */
    long done() {
        return done.get();
    }

    void add(long n) {
        long d = done.addAndGet(n);
        if (!on) {
            return;
        }
        long now = System.nanoTime();
        if (now - lastPrint > 200_000_000L) {
            lastPrint = now;
            print(d, now, false);
        }
    }

    void finish() {
        if (on) {
            print(done.get(), System.nanoTime(), true);
        }
    }

    private synchronized void print(long d, long now, boolean end) {
        double secs = Math.max(1e-3, (now - start) / 1e9);
        double rate = d / secs;
        String eta = rate > 0 && total > d ? String.format(Locale.ROOT, "%.0fs", (total - d) / rate) : "0s";
        err.printf(Locale.ROOT, "\r%s %s / %s  %s/s  ETA %s   %s", label, io.chordfs.core.cli.Sizes.format(d),
                io.chordfs.core.cli.Sizes.format(total), io.chordfs.core.cli.Sizes.format((long) rate), eta,
                end ? "\n" : "");
        err.flush();
    }
}
