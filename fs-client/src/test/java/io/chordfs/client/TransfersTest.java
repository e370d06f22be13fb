package io.chordfs.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.chordfs.core.manifest.Manifest;
import io.chordfs.core.ring.ObjectNames;
import io.chordfs.core.net.BlockCrcs;
import io.chordfs.node.daemon.NodeDaemon;
import io.chordfs.node.store.ObjectMeta;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** upload, download, verify, ls, stat, rm through a real 3-node ring, with 64 KiB chunks. */
class TransfersTest extends CliTest {
    @TempDir
    static Path root;
    static Nodes ring;
    static String entry;

    @BeforeAll
    static void startRing() throws Exception {
        ring = Nodes.start(root.resolve("nodes"), 3);
        entry = ring.ip(0);
    }

    @AfterAll
    static void stopRing() {
        if (ring != null) {
            ring.close();
        }
    }

    void upload(Path f, String name) {
        assertEquals(0, run("upload", f.toString(), entry, "--name", name, "--chunk-size", "64KiB", "--quiet"), err());
    }

    static Optional<ObjectMeta> anywhere(String name) {
        for (NodeDaemon d : ring.nodes) {
            Optional<ObjectMeta> m = d.store().meta(name);
            if (m.isPresent() && !m.get().tombstone()) {
                return m;
            }
        }
        return Optional.empty();
    }

    /** The object that holds chunk {@code i} (from 1) of the committed version of {@code name}. */
    static String chunkObject(String name, int i) throws Exception {
        String path = java.net.URLEncoder.encode(name, StandardCharsets.UTF_8).replace("+", "%20");
        return Manifest.parse(get(ring.nodes.get(0), path, "X-ChordFS-Raw", "1").body()).chunkObject(i - 1);
    }

    /** Whether any node holds a chunk object, of any upload, for {@code chunkName}. */
    static boolean anyUploadHolds(String chunkName) {
        return ring.nodes.stream().anyMatch(d -> !d.store().chunkObjects(chunkName).isEmpty());
    }

    static HttpResponse<byte[]> get(NodeDaemon via, String name, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(Nodes.http(via) + "/" + name));
        if (headers.length > 0) {
            b.headers(headers);
        }
        return HTTP.send(b.GET().build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    static int delete(NodeDaemon via, String name, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(Nodes.http(via) + "/" + name));
        if (headers.length > 0) {
            b.headers(headers);
        }
        return HTTP.send(b.DELETE().build(), HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    @Test
    void roundTripsAroundChunkBoundaries() throws Exception {
        int[] sizes = {0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 2 * CHUNK, 5 * CHUNK + 123};
        for (int size : sizes) {
            String name = "rt-" + size + ".bin";
            Path f = file(name, size, size);
            upload(f, name);
            Path got = dir.resolve("got-" + size);
            assertEquals(0, run("download", name, entry, "-o", got.toString(), "--quiet"), err());
            assertArrayEquals(Files.readAllBytes(f), Files.readAllBytes(got), "size " + size);
            int chunks = size <= CHUNK ? 0 : (size + CHUNK - 1) / CHUNK;
            // layout: a plain object, or a manifest plus exactly `chunks` chunks
            for (int i = 1; i <= chunks; i++) {
                assertTrue(anywhere(chunkObject(name, i)).isPresent(), name + " chunk " + i);
            }
            assertFalse(anyUploadHolds(name + "_chunk_" + (chunks + 1)));
            assertEquals(0, run("verify", name, entry, "--json"), err());
            assertEquals(size, JSON.readTree(out()).get("size").asLong());
        }
        // the default target is ./NAME in a directory given with -o
        Path sub = Files.createDirectory(dir.resolve("sub"));
        assertEquals(0, run("download", "rt-1.bin", entry, "-o", sub.toString(), "--quiet"), err());
        assertEquals(1, Files.size(sub.resolve("rt-1.bin")));
    }

    @Test
    void theManifestNamesEachChunksOwnSha256AndItsNodeSendsTheCrcsThatSpareHashingIt() throws Exception {
        String name = "sums.bin";
        Path f = file(name, 3 * CHUNK + 5, 22);
        upload(f, name);
        byte[] all = Files.readAllBytes(f);
        Manifest m = Manifest.parse(get(ring.nodes.get(0), name, "X-ChordFS-Raw", "1").body());
        try (RingClient client = new RingClient(ring.nodes.get(0).self().address())) {
            for (int i = 0; i < m.chunks().size(); i++) {
                Manifest.Chunk c = m.chunks().get(i);
                byte[] part = Arrays.copyOfRange(all, (int) m.offset(i), (int) (m.offset(i) + c.size()));
                assertEquals(HexFormat.of().formatHex(Transfers.digest().digest(part)), c.sha256(), c.name());
                RingClient.Raw raw = client.getRaw(client.owner(c.name()), c.name()).orElseThrow();
                try (InputStream in = raw.body()) {
                    Transfers.ChunkCheck check = new Transfers.ChunkCheck(c, raw);
                    assertTrue(check.byCrcs(), c.name());
                    byte[] got = in.readAllBytes();
                    check.update(got, 0, got.length);
                    assertTrue(check.matches(got.length), c.name());
                }
            }
        }
    }

    /**
     * A killed run stored every chunk; then the file changed in a way that keeps every block's
     * CRC32C (and its size and modification time): the run that resumes must not take the stored
     * chunk for the file's, and starts a new upload instead.
     */
    @Test
    void aChangeThatKeepsEveryBlockCrcIsStillUploadedAgain() throws Exception {
        String name = "crc-twin.bin";
        Path f = file(name, 3 * CHUNK, 21);
        byte[] before = Files.readAllBytes(f);
        killedRunStored(f, name, 1, 2, 3);
        byte[] after = before.clone();
        // XOR with these bytes (a multiple of the CRC32C polynomial) changes the data, not its CRC
        byte[] codeword = {(byte) 0xf1, 0x76, (byte) 0xec, 0x05, 0x01};
        for (int i = 0; i < codeword.length; i++) {
            after[CHUNK + 100 + i] ^= codeword[i];
        }
        assertEquals(BlockCrcs.of(before, CHUNK, CHUNK), BlockCrcs.of(after, CHUNK, CHUNK));
        java.nio.file.attribute.FileTime mtime = Files.getLastModifiedTime(f);
        Files.write(f, after);
        Files.setLastModifiedTime(f, mtime);
        assertEquals(0, run("upload", f.toString(), entry, "--name", name, "--chunk-size", "64KiB", "--json"), err());
        JsonNode r = JSON.readTree(out());
        assertEquals(3, r.get("uploaded").asInt(), out());
        assertEquals(0, r.get("skipped").asInt(), out());
        Path got = dir.resolve("twin");
        assertEquals(0, run("download", name, entry, "-o", got.toString(), "--quiet"), err());
        assertArrayEquals(after, Files.readAllBytes(got));
        assertArrayEquals(after, get(ring.nodes.get(2), name).body());
    }

    /**
     * What a run of {@code upload f --name name} that was killed leaves: its upload id in the
     * journal, and the given chunks (from 1) stored as that upload's; returns the upload id.
     */
    String killedRunStored(Path f, String name, int... chunks) throws Exception {
        UploadJournal journal = UploadJournal.open(f, name, Files.size(f), CHUNK);
        byte[] all = Files.readAllBytes(f);
        try (RingClient client = new RingClient(io.chordfs.core.cli.HostPort.parse(entry, Main.CHORD_PORT))) {
            for (int i : chunks) {
                int off = (i - 1) * CHUNK;
                byte[] part = Arrays.copyOfRange(all, off, Math.min(all.length, off + CHUNK));
                String cname = Manifest.chunkName(name, i);
                client.put(client.owner(cname), cname, journal.upload(), RingClient.Body.of(part, part.length));
            }
        }
        return journal.upload();
    }

    @Test
    void plainGetOfAChunkedFileThroughAnyNodeIsTheWholeFile() throws Exception {
        String name = "curl.bin";
        Path f = file(name, 3 * CHUNK + 77, 7);
        upload(f, name);
        byte[] want = Files.readAllBytes(f);
        for (NodeDaemon d : ring.nodes) {
            HttpResponse<byte[]> r = get(d, name);
            assertEquals(200, r.statusCode());
            assertArrayEquals(want, r.body());
            assertEquals("\"" + Transfers.sha256(f) + "\"", r.headers().firstValue("ETag").orElseThrow());
        }
        // the raw flag gives the manifest itself
        HttpResponse<byte[]> raw = get(ring.notOwner(name), name, "X-ChordFS-Raw", "1");
        Manifest m = Manifest.parse(raw.body());
        assertEquals(4, m.chunks().size());
        assertEquals(want.length, m.size());
        // a range across a chunk boundary
        HttpResponse<byte[]> part = get(ring.notOwner(name), name, "Range", "bytes=" + (CHUNK - 10) + "-" + (CHUNK + 9));
        assertEquals(206, part.statusCode());
        byte[] slice = new byte[20];
        System.arraycopy(want, CHUNK - 10, slice, 0, 20);
        assertArrayEquals(slice, part.body());
        // HEAD: the file's size
        HttpResponse<Void> head = HTTP.send(HttpRequest.newBuilder(URI.create(Nodes.http(ring.nodes.get(1)) + "/" + name))
                .method("HEAD", HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.discarding());
        assertEquals(String.valueOf(want.length), head.headers().firstValue("Content-Length").orElseThrow());
    }

    @Test
    void namesWithSpacesAndPlusSignsRoundTrip() throws Exception {
        String name = "my file+v2 (final).bin";
        Path f = file("spaced", 2 * CHUNK + 9, 31);
        upload(f, name);
        assertTrue(anywhere(chunkObject(name, 3)).isPresent());
        Path got = dir.resolve("spaced-out");
        assertEquals(0, run("download", name, entry, "-o", got.toString(), "--quiet"), err());
        assertArrayEquals(Files.readAllBytes(f), Files.readAllBytes(got));
        HttpResponse<byte[]> r = get(ring.nodes.get(2), "my%20file%2Bv2%20(final).bin");
        assertArrayEquals(Files.readAllBytes(f), r.body());
    }

    @Test
    void progressLineHasBytesRateAndEta() {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        Progress p = new Progress(new PrintStream(b, true, StandardCharsets.UTF_8), true, "upload x", 4 << 20);
        p.add(1 << 20);
        p.finish();
        String line = b.toString(StandardCharsets.UTF_8);
        assertTrue(line.startsWith("\rupload x 1.0 MiB / 4.0 MiB") && line.contains("/s  ETA ") && line.endsWith("\n"), line);
        ByteArrayOutputStream quiet = new ByteArrayOutputStream();
        Progress off = new Progress(new PrintStream(quiet), false, "x", 10);
        off.add(5);
        off.finish();
        assertEquals(0, quiet.size());
    }

    @Test
    void aReuploadReplacesTheFileWholeAndItsOwnerDeletesTheOldVersionsChunks() throws Exception {
        String name = "shrink.bin";
        upload(file("big", 5 * CHUNK, 1), name);
        List<String> old = new ArrayList<>();
        for (int i = 1; i <= 5; i++) {
            old.add(chunkObject(name, i));
        }
        Path small = file("small", 2 * CHUNK - 5, 2);
        upload(small, name);
        Path got = dir.resolve("got");
        assertEquals(0, run("download", name, entry, "-o", got.toString(), "--quiet"), err());
        assertArrayEquals(Files.readAllBytes(small), Files.readAllBytes(got));
        awaitGone(old, "the replaced version's chunks, after the linger");
        // and down to a single plain object: the chunks of the chunked version go too
        List<String> two = List.of(chunkObject(name, 1), chunkObject(name, 2));
        Path tiny = file("tiny", 10, 3);
        upload(tiny, name);
        assertEquals(0, run("download", name, entry, "-o", got.toString(), "--quiet"), err());
        assertArrayEquals(Files.readAllBytes(tiny), Files.readAllBytes(got));
        awaitGone(two, "the chunks of the version a plain file replaced");
    }

    static void awaitGone(List<String> objects, String what) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 30_000;
        while (objects.stream().anyMatch(o -> anywhere(o).isPresent())) {
            assertTrue(System.currentTimeMillis() < deadline, "still there: " + what);
            Thread.sleep(100);
        }
    }

    @Test
    void aChunkMissingEverywhereFailsNamingItAndLeavesNoFile() throws Exception {
        String name = "holey.bin";
        upload(file(name, 4 * CHUNK, 4), name);
        String chunk = name + "_chunk_2";
        Manifest m = Manifest.parse(get(ring.nodes.get(0), name, "X-ChordFS-Raw", "1").body());
        assertEquals(409, delete(ring.nodes.get(0), chunk), "the chunk name stands for the file's chunk: delete the file");
        assertEquals(204, delete(ring.nodes.get(0), chunk, ObjectNames.UPLOAD_HEADER, m.upload()));
        Path got = dir.resolve("out.bin");
        assertEquals(1, run("download", name, entry, "-o", got.toString()));
        assertTrue(err().contains(chunk) && err().contains("missing"), err());
        assertEquals(1, err().lines().count(), err());
        assertFalse(Files.exists(got));
        assertFalse(Files.exists(Transfers.partFile(got)));
        assertEquals(1, run("verify", name, entry));
        assertTrue(err().contains(chunk), err());
        // stat shows which chunk is missing (and exits 1)
        assertEquals(1, run("stat", name, entry));
        assertTrue(out().lines().anyMatch(l -> l.contains(chunk) && l.contains("MISSING")), out());
        // a plain GET never gives a silently short file: the first chunk is fine, so the status is 200,
        // and the connection is cut where chunk 2 should start
        assertThrows(IOException.class, () -> get(ring.nodes.get(2), name));
    }

    @Test
    void aChunkCorruptOnDiskFailsNamingIt() throws Exception {
        String name = "rotten.bin";
        upload(file(name, 3 * CHUNK, 5), name);
        String chunk = name + "_chunk_1";
        String object = chunkObject(name, 1);
        int copies = 0;
        for (NodeDaemon holder : ring.nodes) {
            if (holder.store().meta(object).isEmpty()) {
                continue;
            }
            copies++;
            Path onDisk = holder.store().fileOf(object);
            try (var ch = java.nio.channels.FileChannel.open(onDisk, StandardOpenOption.WRITE, StandardOpenOption.READ)) {
                java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(1);
                ch.read(b, 100);
                ch.write(java.nio.ByteBuffer.wrap(new byte[] {(byte) (b.get(0) ^ 0x5a)}), 100);
                ch.force(true);
            }
        }
        assertTrue(copies >= 1);
        Path got = dir.resolve("rotten-out");
        assertEquals(1, run("download", name, entry, "-o", got.toString()));
        assertTrue(err().contains(chunk), err());
        assertFalse(Files.exists(got));
        assertFalse(Files.exists(Transfers.partFile(got)));
        // the first chunk is bad: the node answers an error status before any byte, not 200
        HttpResponse<byte[]> r = get(ring.nodes.get(1), name);
        assertTrue(r.statusCode() >= 500, "status " + r.statusCode());
    }

    @Test
    void aChunkCorruptOnItsOwnerOnlyIsReadFromAnotherCopy() throws Exception {
        String name = "one-bad-copy.bin";
        Path f = file(name, 3 * CHUNK, 15);
        upload(f, name);
        String chunk = name + "_chunk_2";
        String object = chunkObject(name, 2);
        NodeDaemon owner = ring.owner(chunk);
        long copies = ring.nodes.stream().filter(d -> d.store().meta(object).isPresent()).count();
        assertEquals(3, copies, "every node of the 3 holds a copy");
        Path onDisk = owner.store().fileOf(object);
        try (var ch = java.nio.channels.FileChannel.open(onDisk, StandardOpenOption.WRITE, StandardOpenOption.READ)) {
            java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(1);
            ch.read(b, 7);
            ch.write(java.nio.ByteBuffer.wrap(new byte[] {(byte) (b.get(0) ^ 1)}), 7);
        }
        Path got = dir.resolve("one-bad-copy.out");
        assertEquals(0, run("download", name, entry, "-o", got.toString(), "--quiet"), err());
        assertArrayEquals(Files.readAllBytes(f), Files.readAllBytes(got));
    }

    @Test
    void aManifestWhoseWholeSha256DisagreesWithItsChunksFailsTheDownload() throws Exception {
        String name = "inconsistent.bin";
        upload(file(name, 9 * CHUNK + 17, 21), name);
        try (RingClient client = new RingClient(io.chordfs.core.cli.HostPort.parse(entry, Main.CHORD_PORT))) {
            Manifest m = Transfers.manifestOf(client, name).orElseThrow();
            Manifest wrong = new Manifest(m.name(), m.size(), m.chunkSize(), m.chunks(), "0".repeat(64), m.created(),
                    m.upload());
            byte[] json = wrong.toJson();
            Transfers.putWithFallback(client, name, RingClient.Body.of(json, json.length));
        }
        Path got = dir.resolve("inconsistent.out");
        assertEquals(1, run("download", name, entry, "-o", got.toString()));
        assertTrue(err().contains("every chunk matched but the whole file's SHA-256 does not"), err());
        assertFalse(Files.exists(got));
    }

    @Test
    void anInterruptedUploadResumesSkippingChunksInPlace() throws Exception {
        String name = "resume.bin";
        Path f = file(name, 6 * CHUNK, 6);
        String upload = killedRunStored(f, name, 1, 2, 3, 4);
        Map<String, Long> versions = new HashMap<>();
        for (int i = 1; i <= 4; i++) {
            String o = ObjectNames.chunkObject(name + "_chunk_" + i, upload).objectName();
            versions.put(o, anywhere(o).orElseThrow().version());
        }
        assertEquals(1, run("download", name, entry, "-o", dir.resolve("x").toString()));
        assertTrue(err().contains("no such file"), "nothing is visible before the manifest: " + err());
        assertEquals(0, run("upload", f.toString(), entry, "--chunk-size", "64KiB", "--json"), err());
        JsonNode r = JSON.readTree(out());
        assertEquals(4, r.get("skipped").asInt());
        assertEquals(2, r.get("uploaded").asInt());
        versions.forEach((n, v) -> assertEquals(v, anywhere(n).orElseThrow().version(), n + " not rewritten"));
        assertEquals(chunkObject(name, 1), ObjectNames.chunkObject(name + "_chunk_1", upload).objectName());
        Path got = dir.resolve("resumed");
        assertEquals(0, run("download", name, entry, "-o", got.toString(), "--quiet"), err());
        assertArrayEquals(Files.readAllBytes(f), Files.readAllBytes(got));
        // the journal is gone once committed: the next run is a new upload
        assertEquals(0, run("upload", f.toString(), entry, "--chunk-size", "64KiB", "--json"), err());
        assertEquals(0, JSON.readTree(out()).get("skipped").asInt());
    }

    @Test
    void anInterruptedDownloadResumesFromItsPartFile() throws Exception {
        String name = "dl-resume.bin";
        Path f = file(name, 5 * CHUNK + 1, 8);
        upload(f, name);
        Path got = dir.resolve("dl");
        byte[] want = Files.readAllBytes(f);
        byte[] partial = new byte[3 * CHUNK];
        System.arraycopy(want, 0, partial, 0, partial.length);
        partial[2 * CHUNK + 5] ^= 1; // chunk 3 in the part file is damaged: fetched again
        Files.write(Transfers.partFile(got), partial);
        assertEquals(0, run("download", name, entry, "-o", got.toString(), "--json"), err());
        JsonNode r = JSON.readTree(out());
        assertEquals(2, r.get("reused").asInt());
        assertEquals(4, r.get("fetched").asInt());
        assertArrayEquals(want, Files.readAllBytes(got));
        assertFalse(Files.exists(Transfers.partFile(got)));
    }

    @Test
    void lsStatAndRm() throws Exception {
        String name = "listed.bin";
        upload(file(name, 3 * CHUNK + 3, 9), name);
        upload(file("plain-listed.txt", 12, 10), "plain-listed.txt");
        assertEquals(0, run("ls", entry), err());
        String ls = out();
        assertTrue(ls.lines().anyMatch(l -> l.matches("\\s*" + (3 * CHUNK + 3) + "\\s+\\S+\\s+4\\s+listed\\.bin")), ls);
        assertTrue(ls.lines().anyMatch(l -> l.matches("\\s*12\\s+\\S+\\s+-\\s+plain-listed\\.txt")), ls);
        assertFalse(ls.contains("listed.bin_chunk_"), ls);
        assertEquals(0, run("ls", entry, "--json"), err());
        boolean found = false;
        for (JsonNode row : JSON.readTree(out())) {
            if (row.get("name").asText().equals(name)) {
                found = true;
                assertEquals(4, row.get("chunks").asInt());
            }
        }
        assertTrue(found);

        assertEquals(0, run("stat", name, entry), err());
        String stat = out();
        List<String> objects = new ArrayList<>();
        for (int i = 1; i <= 4; i++) {
            String c = name + "_chunk_" + i;
            String object = chunkObject(name, i);
            objects.add(object);
            NodeDaemon owner = ring.owner(c);
            String line = stat.lines().filter(l -> l.contains(c + " ")).findFirst().orElseThrow();
            assertTrue(line.contains(" ok ") && line.contains("owner " + owner.self().ip() + ":5058,"), line);
            String copies = line.substring(line.indexOf("copies: ") + 8);
            for (NodeDaemon d : ring.nodes) {
                boolean holds = d.store().meta(object).filter(x -> !x.tombstone()).isPresent();
                assertEquals(holds, copies.contains(d.self().ip() + ":5058"), d.self().ip() + " in " + line);
            }
        }
        assertTrue(stat.contains("4 chunks of 65536 bytes"), stat);

        assertEquals(0, run("rm", name, entry), err());
        assertTrue(out().contains("deleted " + name + " and 4 chunks"), out());
        assertFalse(anywhere(name).isPresent());
        for (String object : objects) {
            assertFalse(anywhere(object).isPresent(), object + " is deleted with its file");
        }
        assertEquals(1, run("rm", name, entry));
        assertTrue(err().contains("no such file: " + name), err());
        assertEquals(1, run("stat", name, entry));
        assertEquals(0, run("ls", entry), err());
        assertFalse(out().contains(name + "\n") || out().contains(" " + name + System.lineSeparator()), out());
    }

    /** A nested name goes up chunked, reads back whole through every node, stats and is removed. */
    @Test
    void nestedNamesWorkInUploadDownloadStatAndRm() throws Exception {
        String name = "folder one/sub/ü.bin";
        Path f = file("nested", 2 * CHUNK + 3, 41);
        assertEquals(0, run("upload", f.toString(), entry, "--name", name, "--chunk-size", "64KiB", "--quiet"), err());
        Path got = dir.resolve("nested-out");
        assertEquals(0, run("download", name, entry, "-o", got.toString(), "--quiet"), err());
        assertArrayEquals(Files.readAllBytes(f), Files.readAllBytes(got));
        for (NodeDaemon d : ring.nodes) {
            assertArrayEquals(Files.readAllBytes(f), get(d, "folder%20one/sub/%C3%BC.bin").body(), "through " + d.self());
        }
        assertEquals(0, run("stat", name, entry), err());
        assertEquals(0, run("rm", name, entry), err());
        assertEquals(1, run("stat", name, entry));
    }

    /**
     * Two uploads of one name at once, both acknowledged: each wrote its own chunk objects, so the
     * file reads back whole as exactly one of the two, the same through every node, and as the
     * one whose manifest committed last.
     */
    @Test
    void concurrentUploadsOfOneNameEndAsOneOfThemWhole() throws Exception {
        String name = "race.bin";
        Path a = file("a", 8 * CHUNK + 1, 21);
        Path b = file("b", 8 * CHUNK + 1, 22);
        java.util.concurrent.ExecutorService two = java.util.concurrent.Executors.newFixedThreadPool(2);
        try {
            var fa = two.submit(() -> Main.run(new String[] {"upload", a.toString(), entry, "--name", name,
                    "--chunk-size", "64KiB", "--quiet"}, new PrintStream(new ByteArrayOutputStream()), System.err));
            var fb = two.submit(() -> Main.run(new String[] {"upload", b.toString(), entry, "--name", name,
                    "--chunk-size", "64KiB", "--quiet"}, new PrintStream(new ByteArrayOutputStream()), System.err));
            assertEquals(0, fa.get());
            assertEquals(0, fb.get());
        } finally {
            two.shutdown();
        }
        Path got = dir.resolve("race-out");
        assertEquals(0, run("download", name, entry, "-o", got.toString(), "--quiet"), err());
        byte[] g = Files.readAllBytes(got);
        assertTrue(Arrays.equals(g, Files.readAllBytes(a)) || Arrays.equals(g, Files.readAllBytes(b)), "one of the two");
        for (NodeDaemon d : ring.nodes) {
            assertArrayEquals(g, get(d, name).body(), "the same file through " + d.self());
        }
    }

    @Test
    void usageAndFailures() throws Exception {
        assertEquals(2, run("upload", "x"));
        assertEquals(2, run("download", "a", entry, "--chunk-size", "lots"));
        assertEquals(2, run("upload", "x", entry, "--bogus"));
        assertEquals(1, run("upload", dir.resolve("nope").toString(), entry));
        assertTrue(err().contains("no such file"), err());
        assertEquals(1, run("download", "never-uploaded", entry, "-o", dir.resolve("n").toString()));
        assertEquals("fs-client: no such file: never-uploaded", err().strip());
        assertEquals(1, run("upload", file("ok", 1, 1).toString(), entry, "--name", "a//b"));
        assertTrue(err().contains("bad name"), err());
        // the client applies the nodes' own rules before sending anything
        assertEquals(1, run("upload", file("ok", 1, 1).toString(), entry, "--name", ".chordfs"));
        assertTrue(err().contains("bad name '.chordfs': '.chordfs' is not a file name"), err());
        assertEquals(1, run("upload", file("ok", 1, 1).toString(), entry, "--name", "csi\u009b"));
        assertTrue(err().contains("must not contain control characters"), err());
        assertEquals(1, run("upload", file("ok", 1, 1).toString(), entry, "--name", "evil\u202Egnp.exe"));
        assertTrue(err().contains("must not contain U+202E"), err());
        assertEquals(1, run("upload", file("ok", 1, 1).toString(), entry, "--name", "zero\u200Bwidth"));
        assertTrue(err().contains("must not contain U+200B"), err());
        assertEquals(0, run("--help"));
        for (String c : new String[] {"upload ", "download ", "verify ", "ls ", "stat ", "rm ", "Exit codes"}) {
            assertTrue(out().contains(c), c);
        }
    }
}
