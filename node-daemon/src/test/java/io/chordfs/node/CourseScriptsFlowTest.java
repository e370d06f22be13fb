package io.chordfs.node;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The course's Python scripts' flow, run with their own libraries against our nodes. */
class CourseScriptsFlowTest {
    @Test
    void uploadToAnyNodeThenDownloadFromTheOwnerFoundByFindSuccessor(@TempDir Path dir) throws Exception {
        try (TestRing ring = TestRing.start(dir, 3)) {
            runFlow(ring, "a.txt");
        }
    }

    /** With a cluster secret the course's clients still work: the file port and the read-only RPCs stay open. */
    @Test
    void theSameFlowWorksAgainstARingWithAClusterSecret(@TempDir Path dir) throws Exception {
        try (TestRing ring = new TestRing(dir)) {
            for (int i = 0; i < 3; i++) {
                ring.add(c -> c.withClusterSecret("course-ring-secret"));
            }
            ring.awaitConsistent();
            runFlow(ring, "b.txt");
        }
    }

    private static void runFlow(TestRing ring, String name) throws Exception {
        Path python = Path.of(System.getProperty("chordfs.python", "../.venv/bin/python"));
        assertTrue(Files.isExecutable(python), "no Python at " + python + ": run scripts/setup-python");
        Path script = Path.of("../compat/course_flow_check.py");
        String uploadIp = ring.notOwner(name).self().ip();
        String lookupIp = ring.nodes().stream().filter(d -> !d.self().ip().equals(uploadIp)).findFirst().orElseThrow().self().ip();
        Process p = new ProcessBuilder(python.toString(), script.toString(), uploadIp, lookupIp, name)
                .redirectErrorStream(true).start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "the Python client must finish");
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        assertEquals(0, p.exitValue(), out);
        assertTrue(out.contains("\"upload_status\": 204"), out);
        assertTrue(out.contains("\"download_status\": 200"), out);
        assertTrue(out.contains("\"same_bytes\": true"), out);
        assertTrue(out.contains("\"" + ring.owner(name).self().ip() + "\""), "the owner is the ground truth: " + out);
    }
}
