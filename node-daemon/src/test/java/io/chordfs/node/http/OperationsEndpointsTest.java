package io.chordfs.node.http;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Base64;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** /.chordfs/health, /ready and /metrics on the file port: probes without credentials, metrics with them. */
class OperationsEndpointsTest {
    private static final byte[] PAGE = "<html>console</html>".getBytes(StandardCharsets.UTF_8);

    @TempDir
    Path dir;
    Fixture f;

    @AfterEach
    void stop() {
        if (f != null) {
            f.close();
        }
    }

    @Test
    void healthAlwaysReadyOnlyAsAMemberOfARing() throws IOException {
        f = Fixture.start(dir, 0, FileServer.Options.defaults());
        assertEquals(200, f.get("/.chordfs/health").statusCode());
        assertEquals(503, f.get("/.chordfs/ready").statusCode(), "no ring told it is ready");
        assertEquals(404, f.get("/.chordfs/metrics").statusCode(), "no metrics wired");
        AtomicBoolean member = new AtomicBoolean(false);
        f.server.operateWith(new FileServer.Operations(member::get, "text/plain; version=0.0.4",
                out -> out.write("m 1\n".getBytes(StandardCharsets.UTF_8)), PAGE, out -> out.write('{')), HttpHost.Observer.NONE);
        assertEquals(503, f.get("/.chordfs/ready").statusCode());
        member.set(true);
        assertEquals(200, f.get("/.chordfs/ready").statusCode());
        assertEquals(200, f.send("HEAD", "/.chordfs/ready", null).statusCode());
        assertEquals("m 1\n", new String(f.get("/.chordfs/metrics").body(), StandardCharsets.UTF_8));
        assertEquals("<html>console</html>", new String(f.get("/.chordfs/").body(), StandardCharsets.UTF_8));
        assertEquals("{", new String(f.get("/.chordfs/status.json").body(), StandardCharsets.UTF_8));
    }

    @Test
    void probesNeedNoCredentialsButMetricsDo() throws IOException {
        f = Fixture.start(dir, 0, FileServer.Options.defaults().withBasicAuth("ann:pw", null));
        f.server.operateWith(new FileServer.Operations(() -> true, "text/plain; version=0.0.4",
                out -> out.write("m 1\n".getBytes(StandardCharsets.UTF_8)), PAGE, out -> out.write('{')), HttpHost.Observer.NONE);
        assertEquals(200, f.get("/.chordfs/health").statusCode());
        assertEquals(200, f.get("/.chordfs/ready").statusCode());
        assertEquals(401, f.get("/.chordfs/metrics").statusCode());
        assertEquals(401, f.get("/.chordfs/").statusCode());
        assertEquals(401, f.get("/.chordfs/status.json").statusCode());
        String auth = "Basic " + Base64.getEncoder().encodeToString("ann:pw".getBytes(StandardCharsets.UTF_8));
        assertEquals(200, f.get("/.chordfs/metrics", "Authorization", auth).statusCode());
        assertTrue(f.get("/.chordfs/health", "Authorization", "Basic bad").statusCode() == 200);
    }
}
