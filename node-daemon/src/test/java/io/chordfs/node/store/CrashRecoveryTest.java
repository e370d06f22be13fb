package io.chordfs.node.store;

import static io.chordfs.node.store.StoreTesting.MIB;
import static io.chordfs.node.store.StoreTesting.bytes;
import static io.chordfs.node.store.StoreTesting.pendingFiles;
import static io.chordfs.node.store.StoreTesting.put;
import static io.chordfs.node.store.StoreTesting.readAll;
import static io.chordfs.node.store.StoreTesting.sys;
import static io.chordfs.node.store.StoreTesting.tmpFiles;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.logging.Level;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Crash safety. First the on-disk states each crash point of the commit protocol leaves, made by
 * hand; then real commits and deletes stopped at each step by the fault hook. After open(), the
 * old or the new version must be complete and visible, and no temp or intent file left.
 */
class CrashRecoveryTest {
    private static final byte[] OLD = bytes(1, MIB + 4321);
    private static final byte[] NEW = bytes(2, 2 * MIB + 17);
    private static final long V1 = 1000;
    private static final long V2 = 2000;

    @TempDir
    Path root;

    private Path data;

    /** A data dir holding OLD as version V1 of "f" (or nothing), closed cleanly. */
    private Path base(boolean withOld) throws IOException {
        data = root.resolve("data");
        try (ObjectStore store = ObjectStore.open(data, 0)) {
            if (withOld) {
                put(store, "f", OLD, V1);
            }
        }
        return data;
    }

    private Path tmp() {
        return sys(data).resolve(ObjectStore.TMP_DIR);
    }

    private Path pending() {
        return sys(data).resolve(ObjectStore.PENDING_DIR);
    }

    private Path meta() {
        return sys(data).resolve(ObjectStore.META_DIR);
    }

    /** The intent record a commit of NEW as V2 writes. */
    private void writeIntent(byte[] content, long version) throws IOException {
        Path scratch = root.resolve("scratch.bin");
        Files.write(scratch, content);
        ObjectMeta m = ObjectStore.describe(scratch, "f", version, 42L);
        Files.delete(scratch);
        Files.write(pending().resolve(ObjectStore.metaFileName("f")), MetaCodec.encode(m));
    }

    private void writeTombstoneIntent(long version) throws IOException {
        ObjectMeta t = new ObjectMeta("f", io.chordfs.core.ring.Keys.key("f"), 0, "", version, true, 42L,
                ObjectStore.BLOCK_SIZE, List.of());
        Files.write(pending().resolve(ObjectStore.metaFileName("f")), MetaCodec.encode(t));
    }

    /** Opens the store and checks the result: {@code expected} as {@code version}, or absent when null. */
    private void assertRecovered(byte[] expected, long version) throws IOException {
        try (ObjectStore store = ObjectStore.open(data, 0)) {
            if (expected == null) {
                assertThrows(NoSuchFileException.class, () -> store.read("f"));
                assertFalse(Files.exists(data.resolve("f")), "no partial file is visible");
            } else {
                assertEquals(version, store.meta("f").orElseThrow().version());
                assertArrayEquals(expected, readAll(store, "f"));
                try (ObjectReader r = store.read("f")) {
                    r.verify();
                }
            }
            assertEquals(List.of(), tmpFiles(data), "no temp file is left");
            assertEquals(List.of(), pendingFiles(data), "no intent is left");
            assertEquals(List.of(), store.corruptNames());
        }
        // Recovery is done once: a second open finds the same state and nothing to do.
        try (StoreTesting.LogCapture log = new StoreTesting.LogCapture();
             ObjectStore store = ObjectStore.open(data, 0)) {
            String info = String.join("\n", log.messages(Level.INFO));
            assertTrue(info.contains("recovered 0 interrupted commits, discarded 0, removed 0 temp files"), info);
            if (expected != null) {
                assertEquals(version, store.meta("f").orElseThrow().version());
            }
        }
    }

    // ---------------------------------------------------------------- hand-made states

    @Test
    void tempDataOnly() throws IOException {
        base(true);
        Files.write(tmp().resolve("0123-1.part"), Arrays.copyOf(NEW, MIB)); // half-received upload
        assertRecovered(OLD, V1);
    }

    @Test
    void tempDataAndIntentBeforeTheDataRename() throws IOException {
        base(true);
        Files.write(tmp().resolve("0123-1.part"), NEW);
        writeIntent(NEW, V2);
        assertRecovered(OLD, V1);
    }

    @Test
    void dataRenamedButIntentNotYetInstalled() throws IOException {
        base(true);
        Files.write(data.resolve("f"), NEW);
        writeIntent(NEW, V2);
        try (StoreTesting.LogCapture log = new StoreTesting.LogCapture()) {
            assertRecovered(NEW, V2);
            assertTrue(log.messages(Level.INFO).get(0).contains("recovered 1 interrupted commits, discarded 0"),
                    log.messages(Level.INFO).toString());
        }
        assertEquals(V2, MetaCodec.decode(Files.readAllBytes(meta().resolve(ObjectStore.metaFileName("f")))).version());
    }

    @Test
    void intentInstalledAndATempFileLeftOver() throws IOException {
        base(true);
        try (ObjectStore store = ObjectStore.open(data, 0)) {
            put(store, "f", NEW, V2);
        }
        Files.write(tmp().resolve("dead-7.part"), bytes(3, 1000));
        Files.createDirectory(tmp().resolve("odd-dir"));
        try (StoreTesting.LogCapture log = new StoreTesting.LogCapture()) {
            assertRecovered(NEW, V2);
            assertTrue(log.messages(Level.INFO).get(0).contains("removed 2 temp files"), log.messages(Level.INFO).toString());
        }
    }

    @Test
    void firstWriteCrashedBeforeTheDataRename() throws IOException {
        base(false);
        Files.write(tmp().resolve("0123-1.part"), NEW);
        writeIntent(NEW, V2);
        assertRecovered(null, 0);
    }

    @Test
    void firstWriteCrashedAfterTheDataRename() throws IOException {
        base(false);
        Files.write(data.resolve("f"), NEW);
        writeIntent(NEW, V2);
        assertRecovered(NEW, V2);
    }

    @Test
    void aTornIntentIsDiscarded() throws IOException {
        base(true);
        Files.write(tmp().resolve("0123-1.part"), NEW);
        writeIntent(NEW, V2);
        Path intent = pending().resolve(ObjectStore.metaFileName("f"));
        byte[] whole = Files.readAllBytes(intent);
        Files.write(intent, Arrays.copyOf(whole, whole.length / 2));
        assertRecovered(OLD, V1);
    }

    @Test
    void anIntentOlderThanTheInstalledVersionIsDiscarded() throws IOException {
        base(true);
        writeIntent(OLD, V1 - 1); // matches the visible file, but older than the metadata
        assertRecovered(OLD, V1);
    }

    @Test
    void deleteCrashedAfterTheUnlink() throws IOException {
        base(true);
        writeTombstoneIntent(V2);
        Files.delete(data.resolve("f"));
        assertRecovered(null, 0);
        try (ObjectStore store = ObjectStore.open(data, 0)) {
            assertTrue(store.meta("f").orElseThrow().tombstone());
            assertEquals(V2, store.meta("f").orElseThrow().version());
        }
    }

    @Test
    void deleteCrashedBeforeTheUnlink() throws IOException {
        base(true);
        writeTombstoneIntent(V2);
        assertRecovered(OLD, V1);
    }

    @Test
    void forgetCrashedAfterMovingTheMetadata() throws IOException {
        base(true);
        Files.move(meta().resolve(ObjectStore.metaFileName("f")), pending().resolve(ObjectStore.forgetFileName("f")));
        assertRecovered(null, 0);
        try (ObjectStore store = ObjectStore.open(data, 0)) {
            assertTrue(store.meta("f").isEmpty(), "the copy is dropped, not adopted back");
        }
    }

    @Test
    void aDataFileWithoutItsIntentIsNeverServedAsTheOldVersion() throws IOException {
        // Not a state the protocol can leave (the intent is durable before the rename), but a
        // damaged disk can: new bytes under old metadata must not be served.
        base(true);
        Files.write(data.resolve("f"), NEW);
        try (ObjectStore store = ObjectStore.open(data, 0)) {
            assertThrows(CorruptObjectException.class, () -> store.read("f"));
            assertEquals(List.of("f"), store.corruptNames());
        }
    }

    // ---------------------------------------------------------------- real commits stopped at each step

    /** Commits NEW as V2 over OLD, stopping the store at {@code point}; returns after "restart". */
    private void crashCommitAt(String point) throws IOException {
        base(true);
        ObjectStore store = ObjectStore.open(data, 0);
        store.faults = p -> {
            if (p.equals(point)) {
                throw new StoreTesting.Crash(p);
            }
        };
        StagedWrite w = store.stage("f");
        w.out().write(NEW);
        assertThrows(StoreTesting.Crash.class, () -> w.commit(V2, 42L, null));
        store.abandon();
    }

    @Test
    void commitCrashAfterTheTempFsync() throws IOException {
        crashCommitAt("commit.synced");
        assertEquals(1, tmpFiles(data).size(), "the crash left the temp file");
        assertRecovered(OLD, V1);
    }

    @Test
    void commitCrashAfterTheIntent() throws IOException {
        crashCommitAt("commit.intent");
        assertEquals(1, pendingFiles(data).size());
        assertRecovered(OLD, V1);
    }

    @Test
    void commitCrashAfterTheDataRename() throws IOException {
        crashCommitAt("commit.data-renamed");
        assertEquals(1, pendingFiles(data).size());
        assertRecovered(NEW, V2);
    }

    @Test
    void commitCrashAfterTheMetadataRename() throws IOException {
        crashCommitAt("commit.meta-renamed");
        assertRecovered(NEW, V2);
    }

    private void crashDeleteAt(String point) throws IOException {
        base(true);
        ObjectStore store = ObjectStore.open(data, 0);
        store.faults = p -> {
            if (p.equals(point)) {
                throw new StoreTesting.Crash(p);
            }
        };
        assertThrows(StoreTesting.Crash.class, () -> store.delete("f", V2, 42L));
        store.abandon();
    }

    @Test
    void deleteCrashAfterTheIntent() throws IOException {
        crashDeleteAt("delete.intent");
        assertRecovered(OLD, V1);
    }

    @Test
    void deleteCrashAfterTheUnlink() throws IOException {
        crashDeleteAt("delete.unlinked");
        assertRecovered(null, 0);
        try (ObjectStore store = ObjectStore.open(data, 0)) {
            assertEquals(V2, store.meta("f").orElseThrow().version());
        }
    }

    @Test
    void forgetCrashAfterTheMarker() throws IOException {
        base(true);
        ObjectStore store = ObjectStore.open(data, 0);
        store.faults = p -> {
            throw new StoreTesting.Crash(p);
        };
        assertThrows(StoreTesting.Crash.class, () -> store.forget("f", V1));
        store.abandon();
        assertTrue(Files.exists(data.resolve("f")));
        assertRecovered(null, 0);
        try (ObjectStore again = ObjectStore.open(data, 0)) {
            assertTrue(again.meta("f").isEmpty());
        }
    }

    @Test
    void unreadableMetadataIsMovedAsideAndTheFileAdopted() throws IOException {
        base(true);
        Path m = meta().resolve(ObjectStore.metaFileName("f"));
        Files.write(m, "{\"format\":1,\"name\":".getBytes());
        try (StoreTesting.LogCapture log = new StoreTesting.LogCapture();
             ObjectStore store = ObjectStore.open(data, 0)) {
            assertArrayEquals(OLD, readAll(store, "f"));
            assertTrue(store.meta("f").orElseThrow().version() > V1);
            assertEquals(1, StoreTesting.ls(sys(data).resolve(ObjectStore.BAD_DIR)).size());
            assertTrue(String.join("\n", log.messages(Level.WARNING)).contains("unreadable metadata"));
        }
    }
}
