package io.chordfs.client;

import io.chordfs.node.daemon.NodeDaemon;
import io.chordfs.node.store.ObjectMeta;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FsckTest {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    private int run(String... argv) {
        out.reset();
        return Main.run(argv, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(new ByteArrayOutputStream()));
    }

    private String out() {
        return out.toString(StandardCharsets.UTF_8);
    }

    @Test
    void reportsAMissingCopyAndTheRingRepairsIt(@TempDir Path dir) throws Exception {
        try (Nodes ring = Nodes.start(dir.resolve("nodes"), 4)) {
            String entry = ring.ip(0);
            for (int i = 0; i < 5; i++) {
                Path f = dir.resolve("f" + i + ".txt");
                Files.writeString(f, "file " + i);
                assertEquals(0, run("upload", f.toString(), entry, "--quiet"));
            }
            assertEquals(0, run("fsck", entry));
            assertTrue(out().contains("5 of 5 objects have their newest version on exactly their replica set"), out());

            // ring shows each node's objects: 5 files x 3 replicas in all.
            assertEquals(0, run("ring", entry, "--json"));
            long objects = 0;
            for (var n : new com.fasterxml.jackson.databind.ObjectMapper().readTree(out())) {
                objects += n.path("objects").asLong();
            }
            assertEquals(15, objects, out());

            // Drop one replica's copy behind the ring's back.
            List<NodeDaemon> sorted = ring.nodes.stream().sorted(Comparator.comparingLong(d -> d.self().id())).toList();
            NodeDaemon holder = sorted.stream().filter(d -> d.store().meta("f0.txt").isPresent()).findFirst().orElseThrow();
            ObjectMeta m = holder.store().meta("f0.txt").orElseThrow();
            assertTrue(holder.store().forget("f0.txt", m.version()));
            assertEquals(1, run("fsck", entry));
            String where = holder.self().ip() + ":" + (holder.self().port() + 1);
            assertTrue(out().contains("f0.txt") && out().contains("missing on " + where), out());
            assertTrue(out().contains("4 of 5 objects"), out());

            long deadline = System.currentTimeMillis() + 30_000;
            while (run("fsck", entry) != 0) {
                assertTrue(System.currentTimeMillis() < deadline, "the repair round restores the copy: " + out());
                Thread.sleep(200);
            }
        }
    }
}
