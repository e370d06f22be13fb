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
import java.lang.System.Logger.Level;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

/**
 * Crash safety. First the on-disk states each crash point of the commit protocol leaves, made by
 * hand; then real commits and deletes stopped at each step by the fault hook, for both ways of
 * committing (metadata inline on the data file, or in a file with an intent). After open(), the
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

    /** A data dir holding OLD as version V1 of "f" (or nothing), its metadata in a file (the intent protocol's states). */
    private Path base(boolean withOld) throws IOException {
        return base(withOld, false);
    }

    /** As {@link #base(boolean)}, OLD's metadata inline on its data file or in a metadata file. */
    private Path base(boolean withOld, boolean inline) throws IOException {
        data = root.resolve("data");
        try (ObjectStore store = ObjectStore.open(data, 0)) {
            assertTrue(store.inlineMeta(), "this file system keeps extended attributes");
            if (!inline) {
                store.inlineMetaLimit(0);
            }
            if (withOld) {
                put(store, "f", OLD, V1);
            }
        }
        assertEquals(inline || !withOld ? List.of() : List.of(Layout.metaFileName("f")), metaFiles());
        return data;
    }

    private List<String> metaFiles() throws IOException {
        return StoreTesting.ls(meta());
    }

    private Path tmp() {
        return sys(data).resolve(Layout.TMP_DIR);
    }

    private Path pending() {
        return sys(data).resolve(Layout.PENDING_DIR);
    }

    private Path meta() {
        return sys(data).resolve(Layout.META_DIR);
    }

    /** The intent record a commit of NEW as V2 writes. */
    private void writeIntent(byte[] content, long version) throws IOException {
        Path scratch = root.resolve("scratch.bin");
        Files.write(scratch, content);
        ObjectMeta m = Recovery.describe(scratch, "f", version, 42L);
        Files.delete(scratch);
        Files.write(pending().resolve(Layout.metaFileName("f")), MetaCodec.encode(m));
    }

    private void writeTombstoneIntent(long version) throws IOException {
        ObjectMeta t = new ObjectMeta("f", io.chordfs.core.ring.Keys.key("f"), 0, "", version, true, 42L,
                ObjectStore.BLOCK_SIZE, List.of());
        Files.write(pending().resolve(Layout.metaFileName("f")), MetaCodec.encode(t));
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
        assertEquals(V2, MetaCodec.decode(Files.readAllBytes(meta().resolve(Layout.metaFileName("f")))).version());
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
        Path intent = pending().resolve(Layout.metaFileName("f"));
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

    @ParameterizedTest(name = "inline {0}")
    @ValueSource(booleans = {true, false})
    void forgetCrashedRightAfterItsMarker(boolean inline) throws IOException {
        base(true, inline);
        ObjectMeta m;
        try (ObjectStore store = ObjectStore.open(data, 0)) {
            m = store.meta("f").orElseThrow();
        }
        Files.write(pending().resolve(Layout.forgetFileName("f")), MetaCodec.encode(m));
        assertRecovered(null, 0);
        try (ObjectStore store = ObjectStore.open(data, 0)) {
            assertTrue(store.meta("f").isEmpty(), "the copy is dropped, not adopted back");
        }
        assertEquals(List.of(), metaFiles());
    }

    @Test
    void aForgetMarkerOlderThanTheStoredVersionDropsNothing() throws IOException {
        base(true);
        ObjectMeta m;
        try (ObjectStore store = ObjectStore.open(data, 0)) {
            m = store.meta("f").orElseThrow();
            put(store, "f", NEW, V2);
        }
        Files.write(pending().resolve(Layout.forgetFileName("f")), MetaCodec.encode(m));
        assertRecovered(NEW, V2);
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

    /** Commits NEW as V2 over OLD (inline or with an intent), stopping the store at {@code point}; returns after "restart". */
    private void crashCommitAt(String point, boolean inline) throws IOException {
        base(true, inline);
        ObjectStore store = ObjectStore.open(data, 0);
        if (!inline) {
            store.inlineMetaLimit(0);
        }
        store.faults(p -> {
            if (p.equals(point)) {
                throw new StoreTesting.Crash(p);
            }
        });
        StagedWrite w = store.stage("f");
        w.out().write(NEW);
        assertThrows(StoreTesting.Crash.class, () -> w.commit(V2, 42L, null));
        store.abandon();
    }

    @ParameterizedTest(name = "inline {0}")
    @ValueSource(booleans = {true, false})
    void commitCrashAfterTheTempFsync(boolean inline) throws IOException {
        crashCommitAt("commit.synced", inline);
        assertEquals(1, tmpFiles(data).size(), "the crash left the temp file");
        assertRecovered(OLD, V1);
    }

    @Test
    void commitCrashAfterTheIntent() throws IOException {
        crashCommitAt("commit.intent", false);
        assertEquals(1, pendingFiles(data).size());
        assertRecovered(OLD, V1);
    }

    @ParameterizedTest(name = "inline {0}")
    @ValueSource(booleans = {true, false})
    void commitCrashAfterTheDataRename(boolean inline) throws IOException {
        crashCommitAt("commit.data-renamed", inline);
        assertEquals(inline ? 0 : 1, pendingFiles(data).size(), "an inline commit needs no intent");
        assertRecovered(NEW, V2);
        assertEquals(inline ? List.of() : List.of(Layout.metaFileName("f")), metaFiles());
    }

    @Test
    void commitCrashAfterTheMetadataRename() throws IOException {
        crashCommitAt("commit.meta-renamed", false);
        assertRecovered(NEW, V2);
    }

    /**
     * An inline commit over a name whose metadata is in a file (a tombstone, or a version
     * committed with an intent), stopped before it removes that file: the newer inline version
     * wins at open and the stale file goes.
     */
    @ParameterizedTest(name = "over a tombstone {0}")
    @ValueSource(booleans = {true, false})
    void inlineCommitCrashBeforeTheStaleMetadataFileIsRemoved(boolean overTombstone) throws IOException {
        base(true, false);
        long v3 = 3000;
        try (ObjectStore store = ObjectStore.open(data, 0)) {
            if (overTombstone) {
                store.delete("f", V2, 42L);
            }
            store.faults(p -> {
                if (p.equals("commit.data-renamed")) {
                    throw new StoreTesting.Crash(p);
                }
            });
            StagedWrite w = store.stage("f");
            w.out().write(NEW);
            assertThrows(StoreTesting.Crash.class, () -> w.commit(v3, 42L, null));
            store.abandon();
        }
        assertEquals(List.of(Layout.metaFileName("f")), metaFiles(), "the stale metadata file is still there");
        assertRecovered(NEW, v3);
        assertEquals(List.of(), metaFiles());
    }

    private void crashDeleteAt(String point) throws IOException {
        base(true);
        ObjectStore store = ObjectStore.open(data, 0);
        store.faults(p -> {
            if (p.equals(point)) {
                throw new StoreTesting.Crash(p);
            }
        });
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

    @ParameterizedTest(name = "inline {0}")
    @ValueSource(booleans = {true, false})
    void forgetCrashAfterTheMarker(boolean inline) throws IOException {
        base(true, inline);
        ObjectStore store = ObjectStore.open(data, 0);
        store.faults(p -> {
            throw new StoreTesting.Crash(p);
        });
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
        base(true, false);
        Path m = meta().resolve(Layout.metaFileName("f"));
        Files.write(m, "{\"format\":1,\"name\":".getBytes());
        try (StoreTesting.LogCapture log = new StoreTesting.LogCapture();
             ObjectStore store = ObjectStore.open(data, 0)) {
            assertArrayEquals(OLD, readAll(store, "f"));
            assertTrue(store.meta("f").orElseThrow().version() > V1);
            assertEquals(1, StoreTesting.ls(sys(data).resolve(Layout.BAD_DIR)).size());
            assertTrue(String.join("\n", log.messages(Level.WARNING)).contains("unreadable metadata"));
        }
    }

    @Test
    void anUnreadableMetadataAttributeMakesTheFileAdoptedAnew() throws IOException {
        base(true, true);
        MetaCarrier.writeAttribute(data.resolve("f"), "{\"format\":1,\"name\":".getBytes());
        try (StoreTesting.LogCapture log = new StoreTesting.LogCapture();
             ObjectStore store = ObjectStore.open(data, 0)) {
            assertArrayEquals(OLD, readAll(store, "f"));
            assertTrue(store.meta("f").orElseThrow().version() > V1);
            assertTrue(String.join("\n", log.messages(Level.WARNING)).contains("the metadata attribute on 'f' does not fit it"),
                    log.messages(Level.WARNING).toString());
            assertTrue(String.join("\n", log.messages(Level.INFO)).contains("adopted 1 files"));
        }
    }

    @Test
    void aFileRenamedByHandIsAdoptedUnderItsNewName() throws IOException {
        base(true, true);
        Files.move(data.resolve("f"), data.resolve("g"));
        try (StoreTesting.LogCapture log = new StoreTesting.LogCapture();
             ObjectStore store = ObjectStore.open(data, 0)) {
            assertTrue(store.meta("f").isEmpty(), "the attribute names 'f', but no file of that name is left");
            assertArrayEquals(OLD, readAll(store, "g"));
            assertTrue(store.meta("g").orElseThrow().version() > V1);
            assertEquals("g", store.meta("g").orElseThrow().name());
            assertEquals(1, log.messages(Level.WARNING).size(), log.messages(Level.WARNING).toString());
        }
        try (StoreTesting.LogCapture log = new StoreTesting.LogCapture();
             ObjectStore store = ObjectStore.open(data, 0)) {
            assertEquals(List.of(), log.messages(Level.WARNING), "the stale attribute went with the adoption");
            assertArrayEquals(OLD, readAll(store, "g"));
        }
    }

    /** A copy brought back without its metadata gets the version of its modification time, not "now". */
    @Test
    void anAdoptedFileTakesItsVersionFromItsModificationTime() throws IOException {
        base(false);
        long mtime = 1_000_000_000_000L; // 2001
        Files.write(data.resolve("old.txt"), OLD);
        Files.setLastModifiedTime(data.resolve("old.txt"), java.nio.file.attribute.FileTime.fromMillis(mtime));
        try (ObjectStore store = ObjectStore.open(data, 0)) {
            assertEquals(mtime << 16, store.meta("old.txt").orElseThrow().version());
            assertTrue(store.nextVersion() > mtime << 16);
        }
    }

    /** A forget that fails midway keeps the copy and leaves no marker to delete it at the next open. */
    @ParameterizedTest(name = "inline {0}")
    @ValueSource(booleans = {true, false})
    void aFailedForgetKeepsTheCopyAndNoMarker(boolean inline) throws IOException {
        base(true, inline);
        try (ObjectStore store = ObjectStore.open(data, 0)) {
            store.faults(p -> {
                if (p.equals("forget.marked")) {
                    throw new java.io.UncheckedIOException(new IOException("simulated I/O error"));
                }
            });
            assertThrows(java.io.UncheckedIOException.class, () -> store.forget("f", V1));
            store.faults(Faults.NONE);
            assertEquals(List.of(), pendingFiles(data));
            assertEquals(V1, store.meta("f").orElseThrow().version());
            assertArrayEquals(OLD, readAll(store, "f"));
            assertEquals(V1, put(store, "f", OLD, V1).version(), "the same version again is a no-op");
        }
        try (ObjectStore store = ObjectStore.open(data, 0)) {
            assertArrayEquals(OLD, readAll(store, "f"));
        }
    }

    /**
     * An inline commit shows its version only once the rename is durable; when syncing the
     * directory fails, the write is an error and the object is not served until a reopen settles it.
     */
    @Test
    void anInlineCommitIsInvisibleUntilItsRenameIsDurable() throws IOException {
        base(true, true);
        try (ObjectStore store = ObjectStore.open(data, 0)) {
            long[] seen = new long[1];
            store.faults(p -> {
                if (p.equals("commit.inline-renamed")) {
                    seen[0] = store.meta("f").orElseThrow().version();
                    throw new java.io.UncheckedIOException(new IOException("simulated fsync failure"));
                }
            });
            StagedWrite w = store.stage("f");
            w.out().write(NEW);
            assertThrows(java.io.UncheckedIOException.class, () -> w.commit(V2, 42L, null));
            assertEquals(V1, seen[0], "not visible before the directory sync");
            assertThrows(CorruptObjectException.class, () -> store.read("f"));
        }
        assertRecovered(NEW, V2);
    }

    @Test
    void anInlineCommitCrashBeforeTheDirectorySyncLeavesOneWholeVersion() throws IOException {
        crashCommitAt("commit.inline-renamed", true);
        assertRecovered(NEW, V2); // here the rename survived; on a real crash it may not, and OLD is as whole
    }
}
