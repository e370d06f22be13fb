package io.chordfs.node;

import io.chordfs.node.daemon.NodeDaemon;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The console page ({@code /.chordfs/}) as a real headless Chromium renders it after its script
 * ran: every member of the ring, and a member that crashed shown down within 20 s. Debian's
 * {@code chromium} is installed by .ci/run; without it this test fails, it does not skip.
 */
class ConsolePageTest {
    private static final Pattern ROW = Pattern.compile("<tr id=\"member-([^\"]+)\">.*?<td class=\"state (\\w+)\">");

    @Test
    void showsEveryMemberAndACrashedOneDown(@TempDir Path dir) throws Exception {
        try (TestRing ring = TestRing.start(dir, 3)) {
            ring.awaitConsistent();
            NodeDaemon viewer = ring.nodes().get(0);
            String url = TestRing.httpBase(viewer) + "/.chordfs/";
            String dom = render(url, dir);
            for (NodeDaemon d : ring.nodes()) {
                assertEquals("up", state(dom, d), dom);
            }
            assertTrue(dom.contains("3 up"), dom);

            NodeDaemon victim = ring.nodes().get(2);
            ring.crash(victim);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (true) {
                dom = render(url, dir);
                if ("down".equals(state(dom, victim))) {
                    break;
                }
                if (System.nanoTime() > deadline) {
                    fail("the crashed member is not shown down after 20 s: " + dom);
                }
            }
            assertTrue(dom.contains(victim.self().ip() + ":" + victim.self().port() + " stopped answering"), dom);
        }
    }

    private static String state(String dom, NodeDaemon d) {
        Matcher m = ROW.matcher(dom);
        String address = d.self().ip() + ":" + d.self().port();
        while (m.find()) {
            if (m.group(1).equals(address)) {
                return m.group(2);
            }
        }
        return null;
    }

    /** The DOM after the page's script has had its first status. */
    private static String render(String url, Path dir) throws Exception {
        Path profile = Files.createTempDirectory(dir, "chromium");
        Process p = new ProcessBuilder("chromium", "--headless", "--no-sandbox", "--disable-gpu",
                "--user-data-dir=" + profile, "--virtual-time-budget=3000", "--dump-dom", url)
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        byte[] out = p.getInputStream().readAllBytes();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "chromium did not finish");
        assertEquals(0, p.exitValue(), "chromium failed");
        return new String(out, StandardCharsets.UTF_8);
    }
}
