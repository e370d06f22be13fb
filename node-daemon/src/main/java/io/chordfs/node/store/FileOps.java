package io.chordfs.node.store;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/** The file operations the store's protocols are made of, each durable exactly as its name says. */
final class FileOps {
    private FileOps() {}

    /** Makes the entries of {@code dir} (creations, renames, unlinks) durable. */
    static void fsyncDir(Path dir) throws IOException {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        }
    }

    /** Writes {@code bytes} as the whole content of {@code p} and fsyncs it (not its directory). */
    static void writeDurably(Path p, byte[] bytes) throws IOException {
        try (FileChannel ch = FileChannel.open(p, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            ByteBuffer b = ByteBuffer.wrap(bytes);
            while (b.hasRemaining()) {
                ch.write(b);
            }
            ch.force(true);
        }
    }

    /** Deletes {@code p} if it exists; a failure is only logged, since the next open removes what is left. */
    static void deleteQuietly(Path p) {
        try {
            Files.deleteIfExists(p);
        } catch (IOException e) {
            ObjectStore.LOG.log(System.Logger.Level.WARNING, "could not delete " + p + "; it is removed at the next start", e);
        }
    }
}
