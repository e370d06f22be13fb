package io.chordfs.node.store;

import static io.chordfs.node.store.StoreTesting.MIB;
import static io.chordfs.node.store.StoreTesting.bytes;
import static io.chordfs.node.store.StoreTesting.ls;
import static io.chordfs.node.store.StoreTesting.pendingFiles;
import static io.chordfs.node.store.StoreTesting.put;
import static io.chordfs.node.store.StoreTesting.putInPieces;
import static io.chordfs.node.store.StoreTesting.readAll;
import static io.chordfs.node.store.StoreTesting.sha256;
import static io.chordfs.node.store.StoreTesting.tmpFiles;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.chordfs.core.ring.Keys;
import io.chordfs.core.ring.NameRules;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.UserDefinedFileAttributeView;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ObjectStoreTest {
    @TempDir
    Path root;

    private Path data() {
        return root.resolve("data");
    }

    @Test
    void roundTripsEverySizeAroundTheBlockBoundary() throws IOException {
        int[] sizes = {0, 1, MIB - 1, MIB, MIB + 1, 5 * MIB};
        try (ObjectStore store = ObjectStore.open(data(), 0)) {
            for (int size : sizes) {
                String name = "obj-" + size + ".bin";
                byte[] content = bytes(size, size);
                ObjectMeta m = putInPieces(store, name, content, 100 + size, size);
                assertEquals(name, m.name());
                assertEquals(Keys.key(name), m.key());
                assertEquals(size, m.size());
                assertEquals(sha256(content), m.sha256());
                assertEquals(100 + size, m.version());
                assertFalse(m.tombstone());
                assertEquals(ObjectStore.BLOCK_SIZE, m.blockSize());
                assertEquals((size + MIB - 1) / MIB, m.blockCrc32c().size(), "one CRC per block, size " + size);
                assertEquals(m, store.meta(name).orElseThrow());
                assertArrayEquals(content, readAll(store, name), "size " + size);
                // The file sits under its own name, byte for byte.
                assertArrayEquals(content, Files.readAllBytes(data().resolve(name)));
                try (ObjectReader r = store.read(name)) {
                    r.verify();
                    Random rnd = new Random(size);
                    for (int i = 0; i < 12 && size > 0; i++) {
                        int off = rnd.nextInt(size);
                        int len = rnd.nextInt(Math.min(size - off, 3 * MIB) + 1);
                        ByteArrayOutputStream out = new ByteArrayOutputStream();
                        r.copyTo(out, off, len);
                        assertArrayEquals(Arrays.copyOfRange(content, off, off + len), out.toByteArray(),
                                "range " + off + "+" + len + " of " + size);
                    }
                    assertThrows(IllegalArgumentException.class, () -> r.copyTo(new ByteArrayOutputStream(), size, 1));
                    assertThrows(IllegalArgumentException.class, () -> r.copyTo(new ByteArrayOutputStream(), -1, 1));
                }
            }
            assertEquals(Arrays.stream(sizes).asLongStream().sum(), store.list().stream().mapToLong(ObjectMeta::size).sum());
            assertEquals(List.of(), tmpFiles(data()));
            assertEquals(List.of(), pendingFiles(data()));
        }
    }

    @Test
    void aNewerVersionReplacesAndAnOlderOneLoses() throws IOException {
        byte[] a = bytes(1, 3000);
        byte[] b = bytes(2, 5000);
        byte[] c = bytes(3, 7000);
        try (ObjectStore store = ObjectStore.open(data(), 0)) {
            put(store, "f", a, 10);
            ObjectMeta m2 = put(store, "f", b, 20);
            assertEquals(20, m2.version());
            assertArrayEquals(b, readAll(store, "f"));
            // An older version arriving late loses and leaves nothing behind.
            ObjectMeta back = put(store, "f", c, 15);
            assertEquals(m2, back);
            assertArrayEquals(b, readAll(store, "f"));
            assertArrayEquals(b, Files.readAllBytes(data().resolve("f")));
            assertEquals(List.of(), tmpFiles(data()));
            // The same version with the same content is a no-op.
            assertEquals(m2, put(store, "f", b, 20));
        }
    }

    /** Commits {@code data} as {@code version} and returns whether the commit created the name. */
    private static boolean created(ObjectStore store, String name, byte[] data, long version) throws IOException {
        try (StagedWrite w = store.stage(name)) {
            w.out().write(data);
            assertFalse(w.created(), "created before the commit");
            w.commit(version, 1_700_000_000_000L, null);
            return w.created();
        }
    }

    @Test
    void aCommitSaysWhetherItMadeTheNameLive() throws IOException {
        try (ObjectStore store = ObjectStore.open(data(), 0)) {
            assertTrue(created(store, "f", bytes(1, 100), 10), "absent");
            assertFalse(created(store, "f", bytes(2, 100), 20), "replacing a live version");
            assertFalse(created(store, "f", bytes(3, 100), 15), "losing to the stored version");
            store.delete("f", 30, 1L);
            assertFalse(created(store, "f", bytes(4, 100), 25), "losing to a newer tombstone");
            assertTrue(created(store, "f", bytes(5, 100), 40), "after an older tombstone");
            // the other install path: metadata in a file, with an intent record
            store.inlineMetaLimit(0);
            assertTrue(created(store, "g", bytes(6, 100), 10));
            assertFalse(created(store, "g", bytes(7, 100), 11));
        }
    }

    @Test
    void equalVersionsWithDifferentContentConvergeWhateverTheOrder() throws IOException {
        byte[] x = bytes(7, 1000);
        byte[] y = bytes(8, 1000);
        byte[] winner = sha256(x).compareTo(sha256(y)) > 0 ? x : y;
        try (ObjectStore store = ObjectStore.open(data(), 0)) {
            put(store, "one", x, 50);
            put(store, "one", y, 50);
            put(store, "two", y, 50);
            put(store, "two", x, 50);
            assertArrayEquals(winner, readAll(store, "one"));
            assertArrayEquals(winner, readAll(store, "two"));
        }
    }

    @Test
    void tombstonesBeatOlderWritesAndNewerWritesReviveTheName() throws IOException {
        byte[] a = bytes(1, 2000);
        byte[] b = bytes(2, 2000);
        try (ObjectStore store = ObjectStore.open(data(), 0)) {
            put(store, "f", a, 10);
            // A delete older than the stored version changes nothing.
            assertEquals(10, store.delete("f", 5, 1L).version());
            assertArrayEquals(a, readAll(store, "f"));

            ObjectMeta tomb = store.delete("f", 30, 1234L);
            assertTrue(tomb.tombstone());
            assertEquals(30, tomb.version());
            assertEquals(1234L, tomb.modifiedMillis());
            assertEquals("", tomb.sha256());
            assertEquals(tomb, store.meta("f").orElseThrow());
            assertThrows(NoSuchFileException.class, () -> store.read("f"));
            assertFalse(Files.exists(data().resolve("f")));

            assertEquals(tomb, put(store, "f", b, 20), "an older write must not bring a deleted file back");
            assertEquals(tomb, put(store, "f", b, 30), "a tombstone wins a tie");
            assertThrows(NoSuchFileException.class, () -> store.read("f"));
            assertFalse(Files.exists(data().resolve("f")));

            ObjectMeta revived = put(store, "f", b, 40);
            assertEquals(40, revived.version());
            assertArrayEquals(b, readAll(store, "f"));

            // Deleting a name never seen leaves a tombstone, so an older copy arriving later stays dead.
            assertTrue(store.delete("ghost", 50, 1L).tombstone());
            put(store, "ghost", a, 45);
            assertThrows(NoSuchFileException.class, () -> store.read("ghost"));
            assertThrows(NoSuchFileException.class, () -> store.read("never"));
        }
    }

    @Test
    void aRestartRebuildsTheSameIndex() throws IOException {
        String longName = "é".repeat(127) + "x"; // 255 UTF-8 bytes
        List<String> names = List.of("a.txt", "héllo wörld ☃.txt", "q\"uote's", longName, ".hidden", "gone");
        List<ObjectMeta> before;
        try (ObjectStore store = ObjectStore.open(data(), 0)) {
            int i = 0;
            for (String n : names) {
                put(store, n, bytes(i, 1000 * i + 1), store.nextVersion());
                i++;
            }
            store.delete("gone", store.nextVersion(), 99L);
            before = store.list();
        }
        assertEquals(6, before.size());
        assertEquals(names.stream().sorted().toList(), before.stream().map(ObjectMeta::name).toList());
        // ls in the data directory shows the files under their names, and the hidden folder.
        List<String> expectedLs = new java.util.ArrayList<>(names.stream().filter(n -> !n.equals("gone")).toList());
        expectedLs.add(NameRules.RESERVED);
        assertEquals(expectedLs.stream().sorted().toList(), ls(data()));
        try (ObjectStore store = ObjectStore.open(data(), 0)) {
            assertEquals(before, store.list());
            int i = 0;
            for (String n : names) {
                if (!n.equals("gone")) {
                    assertArrayEquals(bytes(i, 1000 * i + 1), readAll(store, n));
                }
                i++;
            }
            assertEquals(List.of(), store.corruptNames());
        }
    }

    @Test
    void nextVersionIncreasesStrictlyAndStaysAheadOfStoredVersionsAfterARestart() throws IOException {
        long future = (System.currentTimeMillis() << 16) + (1L << 40); // hours ahead of the wall clock
        try (ObjectStore store = ObjectStore.open(data(), 0)) {
            long start = System.currentTimeMillis() << 16;
            long last = 0;
            for (int i = 0; i < 20_000; i++) {
                long v = store.nextVersion();
                assertTrue(v > last);
                last = v;
            }
            assertTrue(last > start, "versions follow the wall clock (ms << 16)");
            put(store, "f", bytes(1, 10), future);
            assertTrue(store.nextVersion() > future, "a version committed here moves the clock");
            store.delete("t", future + 5, 1L);
        }
        try (ObjectStore store = ObjectStore.open(data(), 0)) {
            long v = store.nextVersion();
            assertTrue(v > future + 5, "after a restart the clock is ahead of every stored version");
            assertTrue(store.nextVersion() > v);
        }
    }

    @Test
    void badNamesAreRejectedAndNothingIsCreatedOutsideTheDataDirectory() throws IOException {
        List<String> bad = List.of(".", "..", "", "x".repeat(256), "a/", "a//b", "a/./b", "a/../../x",
                "a/.chordfs/x", ".chordfs/meta", "a/" + "x".repeat(256), "\u0000", "a\u0000b", ".chordfs",
                "../escape", "/abs", "a\\b", "tab\there", "\ud800", "\u007f", "nel\u0085", "csi\u009b[2J");
        try (ObjectStore store = ObjectStore.open(data(), 0)) {
            for (String n : bad) {
                assertThrows(BadNameException.class, () -> store.stage(n), n);
                assertThrows(BadNameException.class, () -> store.read(n), n);
                assertThrows(BadNameException.class, () -> store.meta(n), n);
                assertThrows(BadNameException.class, () -> store.delete(n, 1, 1), n);
                assertThrows(BadNameException.class, () -> store.forget(n, 1), n);
            }
            assertEquals(List.of(), store.list());
            assertEquals(List.of(), tmpFiles(data()));
        }
        assertEquals(List.of("data"), ls(root));
        assertEquals(List.of(NameRules.RESERVED), ls(data()));
    }

    /** A nested name is that path under the data directory; a delete leaves no empty folder behind. */
    @Test
    void nestedNamesLiveInFoldersThatComeAndGoWithTheirFiles() throws IOException {
        byte[] a = bytes(1, 3000);
        byte[] b = bytes(2, 10);
        try (ObjectStore store = ObjectStore.open(data(), 0)) {
            put(store, "a/b/c.txt", a, 1);
            put(store, "a/d.txt", b, 2);
            assertArrayEquals(a, Files.readAllBytes(data().resolve("a/b/c.txt")));
            assertArrayEquals(a, readAll(store, "a/b/c.txt"));
            assertThrows(ConflictException.class, () -> put(store, "a/d.txt/e", b, 3), "a file is not a folder");
            assertThrows(ConflictException.class, () -> put(store, "a/b", b, 3), "a folder is not a file");
        }
        try (ObjectStore store = ObjectStore.open(data(), 0)) {
            assertArrayEquals(a, readAll(store, "a/b/c.txt"), "the scan at open walks the folders");
            assertEquals(1, store.meta("a/b/c.txt").orElseThrow().version());
            store.delete("a/b/c.txt", 4, 1);
            assertFalse(Files.exists(data().resolve("a/b")), "the emptied folder is removed");
            assertEquals(List.of("d.txt"), ls(data().resolve("a")));
            store.delete("a/d.txt", 5, 1);
            assertEquals(List.of(NameRules.RESERVED), ls(data()));
            put(store, "a/b/c.txt", b, 6);
            assertArrayEquals(b, Files.readAllBytes(data().resolve("a/b/c.txt")), "folders are made again");
        }
        Files.createDirectories(data().resolve("x/y"));
        Files.write(data().resolve("x/y/copied.txt"), a);
        Files.createDirectories(data().resolve("empty/folder"));
        try (ObjectStore store = ObjectStore.open(data(), 0)) {
            assertArrayEquals(a, readAll(store, "x/y/copied.txt"), "a file copied into a folder is adopted");
            assertFalse(Files.exists(data().resolve("empty/folder")), "an empty folder is removed at open");
        }
    }

    @Test
    void aCommitWithTheWrongChecksumChangesNothing() throws IOException {
        byte[] a = bytes(1, 4000);
        byte[] b = bytes(2, 4000);
        try (ObjectStore store = ObjectStore.open(data(), 0)) {
            put(store, "f", a, 1);
            try (StagedWrite w = store.stage("f")) {
                w.out().write(b);
                assertThrows(CorruptObjectException.class, () -> w.commit(2, 1, sha256(a)));
                assertThrows(IOException.class, () -> w.commit(2, 1, null), "a failed write cannot be committed");
            }
            assertEquals(1, store.meta("f").orElseThrow().version());
            assertArrayEquals(a, readAll(store, "f"));
            assertEquals(List.of(), tmpFiles(data()));
            try (StagedWrite w = store.stage("f")) {
                w.out().write(b);
                assertEquals(sha256(b), w.sha256());
                assertEquals(2, w.commit(2, 1, sha256(b).toUpperCase()).version());
            }
            assertArrayEquals(b, readAll(store, "f"));
        }
    }

    @Test
    void aStagedWriteIsInvisibleUntilCommittedAndClosingDiscardsIt() throws IOException {
        try (ObjectStore store = ObjectStore.open(data(), 0)) {
            Path tmp;
            try (StagedWrite w = store.stage("f")) {
                w.out().write(bytes(1, 300_000));
                tmp = w.file();
                assertEquals(300_000, w.size());
                assertEquals(300_000, Files.size(tmp), "file() flushes what was written");
                assertTrue(tmp.startsWith(StoreTesting.sys(data()).resolve(Layout.TMP_DIR)));
                assertTrue(store.meta("f").isEmpty());
                assertFalse(Files.exists(data().resolve("f")));
            }
            assertFalse(Files.exists(tmp));
            assertEquals(List.of(), tmpFiles(data()));
            assertTrue(store.meta("f").isEmpty());

            StagedWrite open = store.stage("g");
            open.out().write(bytes(2, 1000));
            store.close();
            assertEquals(List.of(), tmpFiles(data()), "closing the store discards uncommitted writes");
            assertThrows(IOException.class, () -> open.commit(1, 1, null));
            assertThrows(IOException.class, () -> store.stage("h"));
        }
    }

    @Test
    void filesCopiedIntoTheDataDirectoryAreAdopted() throws IOException, InterruptedException {
        byte[] a = bytes(1, MIB + 77);
        long tombstone;
        try (ObjectStore store = ObjectStore.open(data(), 0)) {
            put(store, "known", bytes(2, 10), store.nextVersion());
            tombstone = store.delete("deleted", store.nextVersion(), 1L).version();
        }
        Files.write(data().resolve("copied in.txt"), a);
        Files.write(data().resolve("deleted"), a); // copied in again after a delete
        Files.createDirectory(data().resolve("a-directory"));
        Path outside = Files.write(root.resolve("secret"), "outside".getBytes(StandardCharsets.UTF_8));
        Files.createSymbolicLink(data().resolve("link"), outside);
        // A name that is not valid UTF-8 (byte 0xff) cannot be served under any name: left alone.
        Process sh = new ProcessBuilder("sh", "-c", "printf x > \"$1\"/\"$(printf 'bad\\377name')\"", "sh",
                data().toString()).inheritIO().start();
        assertEquals(0, sh.waitFor());
        try (StoreTesting.LogCapture log = new StoreTesting.LogCapture();
             ObjectStore store = ObjectStore.open(data(), 0)) {
            ObjectMeta m = store.meta("copied in.txt").orElseThrow();
            assertEquals(a.length, m.size());
            assertEquals(sha256(a), m.sha256());
            assertEquals(2, m.blockCrc32c().size());
            long mtime = Files.getLastModifiedTime(data().resolve("copied in.txt")).toMillis();
            assertEquals(mtime << 16, m.version(), "the version of its modification time");
            assertEquals(mtime, m.modifiedMillis());
            assertArrayEquals(a, readAll(store, "copied in.txt"));
            ObjectMeta revived = store.meta("deleted").orElseThrow();
            assertFalse(revived.tombstone());
            assertTrue(revived.version() > tombstone, "above the tombstone it replaces");
            assertArrayEquals(a, readAll(store, "deleted"));
            // Folders and symbolic links are never served; an empty folder is removed.
            assertThrows(NoSuchFileException.class, () -> store.read("link"));
            assertThrows(NoSuchFileException.class, () -> store.read("a-directory"));
            assertFalse(Files.exists(data().resolve("a-directory")));
            assertTrue(store.meta("link").isEmpty());
            String info = String.join("\n", log.messages(Level.INFO));
            assertTrue(info.contains("adopted 2 files"), info);
            assertTrue(info.contains("2 files ignored"), info);
            assertEquals(List.of("copied in.txt", "deleted", "known"), store.list().stream().map(ObjectMeta::name).toList());
            assertEquals(6, ls(data()).size(), "nothing in the data directory but the empty folder was removed");
        }
        try (ObjectStore store = ObjectStore.open(data(), 0)) {
            assertEquals(sha256(a), store.meta("copied in.txt").orElseThrow().sha256(), "adopted once, kept");
        }
    }

    @Test
    void forgetDropsAHandedOverCopyWithoutATombstone() throws IOException {
        try (ObjectStore store = ObjectStore.open(data(), 0)) {
            put(store, "f", bytes(1, 100), 7);
            store.delete("t", 9, 1L);
            assertFalse(store.forget("f", 8), "another version is stored");
            assertFalse(store.forget("absent", 8));
            assertTrue(store.forget("f", 7));
            assertTrue(store.forget("t", 9));
            assertTrue(store.meta("f").isEmpty());
            assertTrue(store.meta("t").isEmpty());
            assertFalse(Files.exists(data().resolve("f")));
            assertEquals(List.of(), pendingFiles(data()));
        }
        try (ObjectStore store = ObjectStore.open(data(), 0)) {
            assertEquals(List.of(), store.list(), "a forgotten copy is not adopted back");
        }
    }

    @Test
    void aSecondStoreCannotOpenTheSameDirectory() throws IOException {
        try (ObjectStore store = ObjectStore.open(data(), 0)) {
            IOException e = assertThrows(IOException.class, () -> ObjectStore.open(data(), 0));
            assertTrue(e.getMessage().contains("in use"), e.getMessage());
            put(store, "still-works", bytes(1, 10), 1);
        }
        try (ObjectStore again = ObjectStore.open(data(), 0)) {
            assertEquals(1, again.list().size());
        }
    }

    @Test
    void fileSystemCapacityIsReportedAsDfDoes() throws IOException {
        try (ObjectStore store = ObjectStore.open(data(), 0)) {
            long cap = store.capacityBytes();
            long used = store.usedBytes();
            assertEquals(Files.getFileStore(data()).getTotalSpace(), cap);
            assertTrue(used > 0 && used < cap, used + " of " + cap);
            double pct = store.usedPercent();
            assertTrue(pct > 0 && pct < 100, "percent " + pct);
        }
    }

    @Test
    void metadataFilesUseHashedNamesAndHoldTheRealName() throws IOException {
        String longName = "ü".repeat(127) + "z";
        try (ObjectStore store = ObjectStore.open(data(), 0)) {
            store.inlineMetaLimit(0);
            put(store, longName, bytes(1, 10), 5);
        }
        Path meta = StoreTesting.sys(data()).resolve(Layout.META_DIR);
        List<String> files = ls(meta);
        assertEquals(List.of(Layout.metaFileName(longName)), files);
        assertEquals(64 + 5, files.get(0).length());
        ObjectMeta decoded = MetaCodec.decode(Files.readAllBytes(meta.resolve(files.get(0))));
        assertEquals(longName, decoded.name());
        assertNotEquals(0, decoded.blockCrc32c().size());
    }

    @Test
    void metadataGoesOnTheDataFileAndTheIndexIsRebuiltFromIt() throws IOException {
        String longName = "ü".repeat(127) + "z";
        byte[] content = bytes(2, 3 * MIB + 5);
        ObjectMeta written;
        try (ObjectStore store = ObjectStore.open(data(), 0)) {
            assertTrue(store.inlineMeta());
            written = put(store, longName, content, 5);
            put(store, "gone", bytes(3, 10), 6);
            store.delete("gone", 7, 1L);
        }
        assertEquals(List.of(Layout.metaFileName("gone")), ls(StoreTesting.sys(data()).resolve(Layout.META_DIR)),
                "only the tombstone has a metadata file");
        UserDefinedFileAttributeView v = Files.getFileAttributeView(data().resolve(longName), UserDefinedFileAttributeView.class);
        ByteBuffer b = ByteBuffer.allocate(v.size(MetaCarrier.XATTR));
        v.read(MetaCarrier.XATTR, b);
        assertEquals(written, MetaCodec.decode(Arrays.copyOf(b.array(), b.position())));
        try (ObjectStore store = ObjectStore.open(data(), 0)) {
            assertEquals(written, store.meta(longName).orElseThrow());
            assertArrayEquals(content, readAll(store, longName));
            assertTrue(store.meta("gone").orElseThrow().tombstone());
        }
    }

    @Test
    void largeMetadataGoesToAFileAndTheNewestCopyWinsAtOpen() throws IOException {
        try (ObjectStore store = ObjectStore.open(data(), 0)) {
            ObjectMeta small = put(store, "f", bytes(1, 10), 5); // inline
            store.inlineMetaLimit(MetaCodec.encode(small).length + 20); // one CRC fits, five do not
            put(store, "f", bytes(2, 5 * MIB), 6);
            assertEquals(1, ls(StoreTesting.sys(data()).resolve(Layout.META_DIR)).size());
            put(store, "f", bytes(3, 20), 7); // inline again: the metadata file goes
            assertEquals(List.of(), ls(StoreTesting.sys(data()).resolve(Layout.META_DIR)));
        }
        try (ObjectStore store = ObjectStore.open(data(), 0)) {
            assertEquals(7, store.meta("f").orElseThrow().version());
            assertArrayEquals(bytes(3, 20), readAll(store, "f"));
        }
    }
}
