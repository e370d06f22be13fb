package io.chordfs.node.store;

import io.chordfs.core.net.BlockCrcs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Content checked against its sender's block CRCs: a replica copy (taking the sender's SHA-256) or a client's upload. */
class TrustedChecksumsTest {
    private static byte[] bytes(int n) {
        byte[] b = new byte[n];
        new Random(n).nextBytes(b);
        return b;
    }

    @Test
    void matchingBlockCrcsCarryTheSendersSha256(@TempDir Path dir) throws Exception {
        byte[] content = bytes(3 * ObjectStore.BLOCK_SIZE + 17);
        try (ObjectStore source = ObjectStore.open(dir.resolve("a"), 0); ObjectStore copy = ObjectStore.open(dir.resolve("b"), 0)) {
            ObjectMeta original;
            try (StagedWrite w = source.stage("x")) {
                w.out().write(content);
                original = w.commit(5, 1, null);
            }
            try (StagedWrite w = copy.stage("x")) {
                w.trustChecksums(original.sha256(), original.blockCrc32c());
                w.out().write(content);
                ObjectMeta m = w.commit(5, 1, original.sha256());
                assertEquals(original.sha256(), m.sha256());
                assertEquals(original.blockCrc32c(), m.blockCrc32c());
            }
            try (ObjectReader r = copy.read("x")) {
                r.verify();
            }
        }
    }

    @Test
    void aBlockThatDoesNotMatchIsRefusedAndNothingIsStored(@TempDir Path dir) throws Exception {
        byte[] content = bytes(2 * ObjectStore.BLOCK_SIZE);
        try (ObjectStore store = ObjectStore.open(dir, 0)) {
            StagedWrite w = store.stage("y");
            List<Long> wrong = List.of(1L, 2L);
            w.trustChecksums("ab".repeat(32), wrong);
            w.out().write(content);
            assertThrows(CorruptObjectException.class, () -> w.commit(1, 1, null));
            w.close();
            assertTrue(store.meta("y").isEmpty());
            assertFalse(Files.exists(dir.resolve("y")));
        }
    }

    @Test
    void expectedBlockCrcsAreCheckedAndTheSha256IsStillComputed(@TempDir Path dir) throws Exception {
        byte[] content = bytes(2 * ObjectStore.BLOCK_SIZE + 5);
        try (ObjectStore store = ObjectStore.open(dir, 0)) {
            try (StagedWrite w = store.stage("ok")) {
                w.expectBlockCrcs(BlockCrcs.of(content, 0, content.length));
                w.out().write(content);
                ObjectMeta m = w.commit(1, 1, null);
                assertEquals(sha256Hex(content), m.sha256());
            }
            StagedWrite bad = store.stage("bad");
            List<Long> crcs = new java.util.ArrayList<>(BlockCrcs.of(content, 0, content.length));
            crcs.set(2, crcs.get(2) ^ 1);
            bad.expectBlockCrcs(crcs);
            bad.out().write(content);
            assertThrows(CorruptObjectException.class, bad::sha256);
            bad.close();
            assertTrue(store.meta("bad").isEmpty());
            assertFalse(Files.exists(dir.resolve("bad")));
        }
    }

    @Test
    void deferredChecksumsCommitOnlyOnceTheSenderVouchesWithMatchingDigests(@TempDir Path dir) throws Exception {
        byte[] content = bytes(2 * ObjectStore.BLOCK_SIZE + 9);
        List<Long> crcs = BlockCrcs.of(content, 0, content.length);
        String sha = sha256Hex(content);
        try (ObjectStore store = ObjectStore.open(dir, 0)) {
            try (StagedWrite w = store.stage("ok")) {
                w.deferChecksums();
                w.out().write(content);
                w.out().close();
                assertEquals(null, w.sha256(), "nothing computed the SHA-256 here");
                w.vouch(sha, crcs);
                ObjectMeta m = w.commit(1, 1, null);
                assertEquals(sha, m.sha256());
                assertEquals(crcs, m.blockCrc32c());
            }
            StagedWrite silent = store.stage("silent");
            silent.deferChecksums();
            silent.out().write(content);
            assertThrows(CorruptObjectException.class, () -> silent.commit(1, 1, null));
            StagedWrite bad = store.stage("bad");
            bad.deferChecksums();
            bad.out().write(content);
            List<Long> wrong = new java.util.ArrayList<>(crcs);
            wrong.set(1, wrong.get(1) ^ 1);
            assertThrows(CorruptObjectException.class, () -> bad.vouch(sha, wrong));
            assertThrows(java.io.IOException.class, () -> bad.commit(1, 1, null));
            assertTrue(store.meta("silent").isEmpty());
            assertTrue(store.meta("bad").isEmpty());
            assertFalse(Files.exists(dir.resolve("bad")));
        }
    }

    private static String sha256Hex(byte[] b) throws Exception {
        return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(b));
    }
}
