package io.chordfs.node.store;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import io.chordfs.core.ring.NameRules;
import org.slf4j.LoggerFactory;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.lang.System.Logger.Level;
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

    /** Collects what the store logs while open: its System.Logger calls end in Logback (logback.xml). */
    static final class LogCapture extends AppenderBase<ILoggingEvent> implements AutoCloseable {
        private final Logger logger = (Logger) LoggerFactory.getLogger(ObjectStore.class.getName());
        private final ch.qos.logback.classic.Level before = logger.getLevel();
        private final boolean additive = logger.isAdditive();
        final List<ILoggingEvent> records = new ArrayList<>();

        LogCapture() {
            setContext((LoggerContext) LoggerFactory.getILoggerFactory());
            start();
            logger.setAdditive(false);
            logger.setLevel(ch.qos.logback.classic.Level.ALL);
            logger.addAppender(this);
        }

        @Override
        protected synchronized void append(ILoggingEvent event) {
            records.add(event);
        }

        /** The messages logged at {@code level}, formatted as System.Logger formats them ({0}, {1}, ...). */
        synchronized List<String> messages(Level level) {
            String name = level == Level.WARNING ? "WARN" : level.getName();
            List<String> out = new ArrayList<>();
            for (ILoggingEvent e : records) {
                if (e.getLevel().toString().equals(name)) {
                    // getMessage: slf4j-jdk-platform-logging has formatted it already
                    out.add(e.getMessage());
                }
            }
            return out;
        }

        @Override
        public void close() {
            logger.detachAppender(this);
            logger.setLevel(before);
            logger.setAdditive(additive);
            stop();
        }
    }

    /** What the fault hook throws: stops the store mid-protocol as a crash would (no clean-up runs). */
    static final class Crash extends Error {
        Crash(String point) {
            super("simulated crash at " + point);
        }
    }
}
