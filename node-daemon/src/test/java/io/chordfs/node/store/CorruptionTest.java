package io.chordfs.node.store;

import static io.chordfs.node.store.StoreTesting.MIB;
import static io.chordfs.node.store.StoreTesting.bytes;
import static io.chordfs.node.store.StoreTesting.put;
import static io.chordfs.node.store.StoreTesting.readAll;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.lang.System.Logger.Level;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

class CorruptionTest {
    @TempDir
    Path root;

    private static void flipByte(Path file, long at) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            f.seek(at);
            int b = f.read();
            f.seek(at);
            f.write(b ^ 0x40);
        }
    }

    private static byte[] range(ObjectStore store, String name, long off, long len) throws IOException {
        try (ObjectReader r = store.read(name)) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            r.copyTo(out, off, len);
            return out.toByteArray();
        }
    }

    @Test
    void aFlippedByteIsNeverServedAndIntactBlocksStillAre() throws IOException {
        Path data = root.resolve("data");
        byte[] content = bytes(5, 3 * MIB + 100); // blocks 0..3
        try (StoreTesting.LogCapture log = new StoreTesting.LogCapture();
             ObjectStore store = ObjectStore.open(data, 0)) {
            ObjectMeta m = put(store, "pic.jpg", content, 9);
            flipByte(data.resolve("pic.jpg"), MIB + 500); // inside block 1

            // A whole read writes block 0 (verified), then stops before any byte of block 1.
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            try (ObjectReader r = store.read("pic.jpg")) {
                assertThrows(CorruptObjectException.class, () -> r.copyTo(out, 0, m.size()));
            }
            assertArrayEquals(Arrays.copyOf(content, MIB), out.toByteArray());
            assertTrue(store.isCorrupt("pic.jpg"));
            assertEquals(List.of("pic.jpg"), store.corruptNames());
            String warnings = String.join("\n", log.messages(Level.WARNING));
            assertTrue(warnings.contains("pic.jpg") && warnings.contains("block 1"), warnings);

            // Ranges of intact blocks are still served, verified.
            assertArrayEquals(Arrays.copyOfRange(content, 10, 1000), range(store, "pic.jpg", 10, 990));
            assertArrayEquals(Arrays.copyOfRange(content, 2 * MIB + 5, 3 * MIB + 100),
                    range(store, "pic.jpg", 2 * MIB + 5, MIB + 95));
            // A range touching the known bad block fails before writing anything.
            ByteArrayOutputStream none = new ByteArrayOutputStream();
            try (ObjectReader r = store.read("pic.jpg")) {
                assertThrows(CorruptObjectException.class, () -> r.copyTo(none, MIB - 10, 20));
                assertThrows(CorruptObjectException.class, r::verify);
            }
            assertEquals(0, none.size());

            // Read repair: the same version with the right bytes replaces the damaged copy.
            ObjectMeta repaired = put(store, "pic.jpg", content, 9);
            assertEquals(m, repaired);
            assertFalse(store.isCorrupt("pic.jpg"));
            assertArrayEquals(content, readAll(store, "pic.jpg"));
        }
    }

    @Test
    void verifyFindsEveryBadBlock() throws IOException {
        Path data = root.resolve("data");
        byte[] content = bytes(6, 4 * MIB);
        try (ObjectStore store = ObjectStore.open(data, 0)) {
            put(store, "f", content, 1);
            flipByte(data.resolve("f"), 0);
            flipByte(data.resolve("f"), 3 * MIB + 1);
            try (ObjectReader r = store.read("f")) {
                CorruptObjectException e = assertThrows(CorruptObjectException.class, r::verify);
                assertTrue(e.getMessage().contains("[0, 3]"), e.getMessage());
            }
            // Blocks 1 and 2 are fine.
            assertArrayEquals(Arrays.copyOfRange(content, MIB, 3 * MIB), range(store, "f", MIB, 2 * MIB));
            assertThrows(CorruptObjectException.class, () -> range(store, "f", 0, 1));
        }
    }

    /**
     * With metadata in files, a missing data file is known damage; with metadata on the data
     * file, deleting the file deletes what the node knew of it, and it is simply absent here
     * (repair copies it back from the other replicas, as it does any object a node lacks).
     */
    @ParameterizedTest(name = "inline {0}")
    @ValueSource(booleans = {true, false})
    void aTruncatedOrMissingFileIsNotServedAfterARestart(boolean inline) throws IOException {
        Path data = root.resolve("data");
        byte[] content = bytes(7, 2 * MIB);
        try (ObjectStore store = ObjectStore.open(data, 0)) {
            if (!inline) {
                store.inlineMetaLimit(0);
            }
            put(store, "cut", content, 1);
            put(store, "lost", content, 1);
            put(store, "fine", content, 1);
        }
        try (FileChannel ch = FileChannel.open(data.resolve("cut"), StandardOpenOption.WRITE)) {
            ch.truncate(MIB + MIB / 2);
        }
        Files.delete(data.resolve("lost"));
        try (StoreTesting.LogCapture log = new StoreTesting.LogCapture();
             ObjectStore store = ObjectStore.open(data, 0)) {
            assertThrows(CorruptObjectException.class, () -> store.read("cut"));
            assertArrayEquals(content, readAll(store, "fine"));
            assertEquals(2 * MIB, store.meta("cut").orElseThrow().size(), "the metadata says what to repair");
            List<String> warnings = log.messages(Level.WARNING);
            assertTrue(warnings.stream().anyMatch(w -> w.contains("'cut'")), warnings.toString());
            if (inline) {
                assertThrows(NoSuchFileException.class, () -> store.read("lost"));
                assertTrue(store.meta("lost").isEmpty());
                assertEquals(List.of("cut"), store.corruptNames());
                assertTrue(String.join("\n", log.messages(Level.INFO)).contains("1 corrupt"));
            } else {
                assertThrows(CorruptObjectException.class, () -> store.read("lost"));
                assertEquals(List.of("cut", "lost"), store.corruptNames());
                assertTrue(warnings.stream().anyMatch(w -> w.contains("'lost'")), warnings.toString());
                assertTrue(String.join("\n", log.messages(Level.INFO)).contains("2 corrupt"));
            }
            // A newer version heals it.
            put(store, "cut", bytes(8, 10), 2);
            assertArrayEquals(bytes(8, 10), readAll(store, "cut"));
            assertEquals(inline ? List.of() : List.of("lost"), store.corruptNames());
        }
    }

    @Test
    void aFileTruncatedWhileOpenFailsInsteadOfServingShortData() throws IOException {
        Path data = root.resolve("data");
        byte[] content = bytes(9, 2 * MIB + 3);
        try (ObjectStore store = ObjectStore.open(data, 0)) {
            put(store, "f", content, 1);
            try (ObjectReader r = store.read("f")) {
                try (FileChannel ch = FileChannel.open(data.resolve("f"), StandardOpenOption.WRITE)) {
                    ch.truncate(MIB + 10);
                }
                ByteArrayOutputStream out = new ByteArrayOutputStream();
                assertThrows(CorruptObjectException.class, () -> r.copyTo(out, 0, content.length));
                assertArrayEquals(Arrays.copyOf(content, MIB), out.toByteArray());
            }
            assertThrows(CorruptObjectException.class, () -> store.read("f"));
        }
    }
}
