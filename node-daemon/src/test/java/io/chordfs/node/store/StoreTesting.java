package io.chordfs.node.store;

import io.chordfs.core.ring.NameRules;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertFalse;

/** Shared helpers of the store tests. */
final class StoreTesting {
    static final int MIB = 1 << 20;

    private StoreTesting() {}

    /** Deterministic pseudo-random content. */
    static byte[] bytes(long seed, int size) {
        byte[] b = new byte[size];
        new Random(seed).nextBytes(b);
        return b;
    }

    static String sha256(byte[] b) {
        return Sha256.hex(Sha256.digest().digest(b));
    }

    /** Stages and commits {@code data} as {@code version}, writing it in one call. */
    static ObjectMeta put(ObjectStore store, String name, byte[] data, long version) throws IOException {
        try (StagedWrite w = store.stage(name)) {
            w.out().write(data);
            return w.commit(version, 1_700_000_000_000L, null);
        }
    }

    /** Stages and commits {@code data}, writing it in random-sized pieces (some single bytes). */
    static ObjectMeta putInPieces(ObjectStore store, String name, byte[] data, long version, long seed) throws IOException {
        Random r = new Random(seed);
        try (StagedWrite w = store.stage(name)) {
            OutputStream out = w.out();
            int i = 0;
            while (i < data.length) {
                if (r.nextInt(10) == 0) {
                    out.write(data[i++]);
                    continue;
                }
                int n = Math.min(data.length - i, 1 + r.nextInt(r.nextBoolean() ? 5000 : 600_000));
                if (r.nextInt(3) == 0) {
                    // as a body arrives from the network: outside the heap, small and large
                    ByteBuffer direct = ByteBuffer.allocateDirect(n).put(data, i, n).flip();
                    w.write(direct);
                    assertFalse(direct.hasRemaining(), "a write takes the whole buffer");
                } else {
                    out.write(data, i, n);
                }
                i += n;
            }
            out.close();
            return w.commit(version, 1_700_000_000_000L, null);
        }
    }

    static byte[] readAll(ObjectStore store, String name) throws IOException {
        try (ObjectReader r = store.read(name)) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            r.copyTo(out, 0, r.meta().size());
            return out.toByteArray();
        }
    }

    /** The visible entries of a directory (names), sorted. */
    static List<String> ls(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    static Path sys(Path data) {
        return data.resolve(NameRules.RESERVED);
    }

    static List<String> tmpFiles(Path data) throws IOException {
        return ls(sys(data).resolve(Layout.TMP_DIR));
    }

    static List<String> pendingFiles(Path data) throws IOException {
        return ls(sys(data).resolve(Layout.PENDING_DIR));
    }

    /** Collects what the store logs while open. */
    static final class LogCapture extends Handler implements AutoCloseable {
        private final Logger logger = Logger.getLogger(ObjectStore.class.getName());
        private final Level before = logger.getLevel();
        final List<LogRecord> records = new ArrayList<>();

        private final boolean parents = logger.getUseParentHandlers();

        LogCapture() {
            logger.setUseParentHandlers(false);
            logger.setLevel(Level.ALL);
            logger.addHandler(this);
        }

        @Override
        public synchronized void publish(LogRecord record) {
            records.add(record);
        }

        synchronized List<String> messages(Level level) {
            List<String> out = new ArrayList<>();
            for (LogRecord r : records) {
                if (r.getLevel().equals(level)) {
                    Object[] p = r.getParameters();
                    out.add(p == null ? r.getMessage() : java.text.MessageFormat.format(r.getMessage(), p));
                }
            }
            return out;
        }

        @Override
        public void flush() {}

        @Override
        public void close() {
            logger.removeHandler(this);
            logger.setLevel(before);
            logger.setUseParentHandlers(parents);
        }
    }

    /** What the fault hook throws: stops the store mid-protocol as a crash would (no clean-up runs). */
    static final class Crash extends Error {
        Crash(String point) {
            super("simulated crash at " + point);
        }
    }
}
