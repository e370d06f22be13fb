package io.chordfs.client;

import io.chordfs.core.cli.IoErrors;
import org.junit.jupiter.api.Test;

import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.FileSystemException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The command line itself, no ring needed: help, version, usage errors, completion. */
class CommandLineTest extends CliTest {
    @Test
    void helpOverviewAndPerCommand() {
        assertEquals(0, run("--help"));
        for (String c : new String[] {"upload", "download", "verify", "ls", "stat", "rm", "gc", "fsck", "ring", "lookup",
                "completion"}) {
            assertTrue(out().contains("  " + c + " "), out());
        }
        assertEquals(0, run("-h"));
        assertEquals(0, run("upload", "--help"));
        assertTrue(out().contains("--chunk-size"), out());
        assertFalse(out().contains("--dry-run"), out());
        assertEquals(0, run("upload", "-h"));
        assertTrue(out().contains("Usage: java -jar fs-client.jar upload"), out());
        assertEquals(0, run("help", "download"));
        assertTrue(out().contains("-o, --output"), out());
        assertEquals(0, run("ls", "--help"));
        assertTrue(out().contains("-h, --human-readable"), out());
        assertEquals(2, run());
        assertTrue(out().contains("Usage: java -jar fs-client.jar"), out());
    }

    @Test
    void versionIsTheProjectVersion() {
        assertEquals(0, run("--version"));
        assertTrue(out().lines().findFirst().orElseThrow().matches("fs-client \\d+\\.\\d+\\.\\d+(-SNAPSHOT)?"), out());
    }

    @Test
    void typoGetsASuggestionAndExitTwo() {
        assertEquals(2, run("uplaod", "a.txt", "10.0.0.1"));
        assertTrue(err().contains("upload"), err());
        assertTrue(err().contains("did you mean"), err());
        assertEquals(2, run("download", "a.txt", "10.0.0.1", "--paralel", "2"));
        assertTrue(err().contains("--parallel"), err());
    }

    @Test
    void anOptionOnlyWhereItApplies() {
        assertEquals(2, run("ls", "10.0.0.1", "--chunk-size", "5"));
        assertTrue(err().contains("--chunk-size"), err());
        assertTrue(err().contains("see: java -jar fs-client.jar ls --help"), err());
        assertEquals(2, run("rm", "a", "10.0.0.1", "--dry-run"));
        assertEquals(2, run("upload", "a", "10.0.0.1", "--chunk-size", "lots"));
        assertTrue(err().contains("lots"), err());
        assertEquals(2, run("upload", "a", "10.0.0.1", "--chunk-size", "512MiB"));
        assertEquals(2, run("upload", "a", "10.0.0.1", "--parallel", "0"));
        assertEquals(2, run("upload", "-", "10.0.0.1"));
        assertTrue(err().contains("--name"), err());
        assertEquals(2, run("lookup", "a", "10.0.0.1", "extra"));
    }

    @Test
    void aUrlWhereAnAddressIsMeantIsAUsageError() {
        assertEquals(2, run("ls", "http://10.0.0.1:5058/"));
        assertTrue(err().contains("is a URL"), err());
        assertEquals(1, err().lines().filter(l -> l.startsWith("fs-client ls:")).count(), err());
        assertEquals(2, run("ls", "--node", "https://x"));
        assertEquals(2, run("ls", "host:notaport"));
    }

    @Test
    void noEntryNodeAnywhereIsAUsageError() {
        assertEquals(2, run(java.util.Map.of("XDG_CONFIG_HOME", dir.toString()), java.io.InputStream.nullInputStream(),
                "ls"));
        assertTrue(err().contains("CHORDFS_NODES"), err());
    }

    @Test
    void completionScripts() {
        assertEquals(0, run("completion", "bash"));
        String bash = out();
        assertTrue(bash.contains("complete -F"), bash);
        assertTrue(bash.contains("upload") && bash.contains("--chunk-size") && bash.contains("completion"), bash);
        assertEquals(0, run("completion", "zsh"));
        assertTrue(out().contains("bashcompinit"), out());
        assertTrue(out().contains("complete -F"), out());
        assertEquals(2, run("completion", "fish"));
    }

    /** The bash script in a real bash: commands complete, and each command offers its own options. */
    @Test
    void bashCompletesCommandsAndTheirOwnOptions() throws Exception {
        assertEquals(0, run("completion", "bash"));
        Path script = Files.writeString(dir.resolve("fs-client.bash"), out());
        assertEquals("upload", complete(script, "fs-client upl"));
        String ls = complete(script, "fs-client ls --");
        assertTrue(ls.contains("--human-readable") && ls.contains("--json") && ls.contains("--node"), ls);
        assertFalse(ls.contains("--chunk-size"), ls);
        assertTrue(complete(script, "fs-client upload a.txt --ch").contains("--chunk-size"));
    }

    private static String complete(Path script, String line) throws Exception {
        String words = line.endsWith(" ") ? line + "''" : line;
        Process p = new ProcessBuilder("bash", "-c", "source " + script + "; COMP_LINE='" + line + "'; COMP_POINT=${#COMP_LINE};"
                + " COMP_WORDS=(" + words + "); COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); _complete_fs-client 2>/dev/null;"
                + " echo \"${COMPREPLY[*]}\"").redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes()).strip();
        assertTrue(p.waitFor(30, java.util.concurrent.TimeUnit.SECONDS));
        return out;
    }

    @Test
    void errorsNameTheOsReason() {
        assertEquals("out/a.txt: Permission denied", IoErrors.describe(new AccessDeniedException("out/a.txt")));
        assertEquals("out: No space left on device",
                IoErrors.describe(new FileSystemException("out", null, "No space left on device")));
    }
}
