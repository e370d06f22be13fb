package io.chordfs.client;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ProgressTest {
    @Test
    void stderrCountsAsATerminalOnlyWhenItsDescriptorPointsAtOne(@TempDir Path dir) throws Exception {
        assertTrue(Progress.isTerminal(Files.createSymbolicLink(dir.resolve("pts"), Path.of("/dev/pts/3"))));
        assertTrue(Progress.isTerminal(Files.createSymbolicLink(dir.resolve("tty"), Path.of("/dev/tty1"))));
        assertFalse(Progress.isTerminal(Files.createSymbolicLink(dir.resolve("file"), dir.resolve("log.txt"))),
                "stderr redirected to a file");
        assertFalse(Progress.isTerminal(Files.createSymbolicLink(dir.resolve("pipe"), Path.of("pipe:[12345]"))),
                "stderr into a pipe");
    }

    @Test
    void printsBytesRateAndEtaOnOneRewrittenLineOnlyWhenOn() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        Progress on = new Progress(new PrintStream(bytes, true, StandardCharsets.UTF_8), true, "upload", 2048);
        on.add(1024);
        on.add(1024);
        on.finish();
        String text = bytes.toString(StandardCharsets.UTF_8);
        assertTrue(text.startsWith("\rupload "), text);
        assertTrue(text.contains("ETA") && text.endsWith("\n"), text);

        ByteArrayOutputStream quiet = new ByteArrayOutputStream();
        Progress off = new Progress(new PrintStream(quiet, true, StandardCharsets.UTF_8), false, "upload", 2048);
        off.add(2048);
        off.finish();
        assertEquals("", quiet.toString(StandardCharsets.UTF_8));
    }
}
