package io.chordfs.node;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code node-daemon}'s command line through {@link Main#run}: help, version, usage errors and their
 * hints, completion. A usage error let through would start a node and run on: hence the timeout.
 */
@Timeout(120)
class MainTest {
    private record Result(int code, String out, String err) {
        List<String> errLines() {
            return err.lines().toList();
        }
    }

    private static Result run(String... argv) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = Main.run(argv, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    /** Exit 2, a line naming what is wrong, a line of hint that ends at the command's help. */
    private static Result usageError(String... argv) {
        Result r = run(argv);
        assertEquals(2, r.code(), List.of(argv) + ": " + r);
        assertEquals(2, r.errLines().size(), "reason and hint: " + r.err());
        assertTrue(r.errLines().get(0).startsWith("node-daemon"), r.err());
        assertTrue(r.errLines().get(1).startsWith("  ") && r.errLines().get(1).endsWith(" --help"), r.err());
        assertEquals("", r.out(), "nothing on stdout");
        return r;
    }

    @Test
    void helpDocumentsEveryCommandAndOption() {
        for (String[] argv : new String[][] {{"--help"}, {"-h"}, {"help"}}) {
            Result r = run(argv);
            assertEquals(0, r.code());
            assertTrue(r.out().startsWith("Usage: java -jar node-daemon.jar"), r.out());
            assertTrue(r.out().contains("run") && r.out().contains("local") && r.out().contains("completion"), r.out());
        }
        for (String[] argv : new String[][] {{"run", "--help"}, {"run", "-h"}, {"help", "run"}}) {
            Result r = run(argv);
            assertEquals(0, r.code());
            for (String option : new String[] {"--ip", "--announce", "--data-dir", "--port", "--join", "--id", "--replicas",
                    "--successors", "--write-quorum", "--repair-ms", "--upload-grace", "--capacity", "--max-object-size",
                    "--basic-auth", "--basic-auth-upload", "--stabilize-ms", "--aws", "--asg", "--address", "--version"}) {
                assertTrue(r.out().contains(option), option);
            }
            assertTrue(r.out().contains("--cluster-secret") && r.out().replaceAll("\\s+", " ").contains("`kill` must carry it as its one argument"), "run --help explains the secured kill");
        }
        Result local = run("local", "--help");
        assertEquals(0, local.code());
        for (String option : new String[] {"--nodes", "--data-root", "--first-ip", "--max-nodes", "--threshold", "--period",
                "--warmup-periods", "--capacity", "--port", "--cluster-secret"}) {
            assertTrue(local.out().contains(option), option);
        }
        assertEquals("", local.err(), "no warning from the help's text");
    }

    @Test
    void versionOnEveryCommand() {
        for (String[] argv : new String[][] {{"--version"}, {"-V"}, {"run", "--version"}, {"local", "-V"}}) {
            Result r = run(argv);
            assertEquals(0, r.code());
            assertTrue(r.out().matches("node-daemon \\d+\\.\\d+\\.\\d+(-SNAPSHOT)?\nJava .*\n"), r.out());
        }
    }

    @Test
    void aTypoGetsTheNameMeant() {
        assertEquals(List.of("node-daemon run: unknown option '--prot'",
                "  did you mean --port? see: java -jar node-daemon.jar run --help"), usageError("run", "--prot", "5").errLines());
        assertTrue(usageError("run", "--ip", "127.0.0.1", "--replica=2").err().contains("did you mean --replicas?"));
        assertEquals(List.of("node-daemon: unknown command 'rnu'", "  did you mean run? see: java -jar node-daemon.jar --help"),
                usageError("rnu").errLines());
        assertTrue(usageError("local", "--node", "3").err().contains("did you mean --nodes?"));
    }

    @Test
    void anOptionOfTheOtherCommandSaysWhichHasIt() {
        assertEquals(List.of("node-daemon local: unknown option '--ip'",
                        "  --ip is an option of node-daemon run; see: java -jar node-daemon.jar local --help"),
                usageError("local", "--ip", "127.0.0.1").errLines());
        assertTrue(usageError("run", "--ip", "127.0.0.1", "--max-nodes", "5").err()
                .contains("--max-nodes is an option of node-daemon local"));
    }

    @Test
    void badUsageIsAReasonAndAHintAndExitCodeTwo() {
        assertTrue(usageError("run", "--bogus").err().startsWith("node-daemon run: unknown option '--bogus'\n"));
        assertTrue(usageError("run").err().contains("--ip is required"));
        assertTrue(usageError("run", "--ip", "127.0.0.1", "--replicas", "4", "--successors", "3").err().contains("at least --replicas"));
        assertTrue(usageError("run", "--ip", "127.0.0.1", "--replicas", "17").err().contains("--replicas must be between 1 and 16, got 17"));
        assertTrue(usageError("run", "--ip", "127.0.0.1", "--id", "4294967296").err().contains("--id must be in [0, 2^32)"));
        assertTrue(usageError("run", "--ip", "0.0.0.0").err().contains("give --announce IP"));
        usageError("run", "--ip", "127.0.0.1", "--announce", "0.0.0.0");
        assertTrue(usageError("run", "--aws", "--announce", "203.0.113.9").err().contains("drop --ip, --announce and --join"));
        assertTrue(usageError("run", "--ip", "127.0.0.1", "--asg", "g").err().contains("--asg and --address go with --aws"));
        assertTrue(usageError("run", "--aws", "--address", "elastic").err()
                .contains("--address must be private or public, not 'elastic'"));
        assertTrue(usageError("run", "--ip", "127.0.0.1", "--cluster-secret", "").err().contains("must not be empty"));
        assertTrue(usageError("run", "--ip", "127.0.0.1", "--basic-auth", "nocolon").err().contains("--basic-auth must be USER:PASSWORD"));
        assertTrue(usageError("run", "--ip", "127.0.0.1", "--max-object-size", "lots").err().contains("not a size: 'lots'"));
        assertTrue(usageError("run", "--ip", "127.0.0.1", "--upload-grace", "soon").err().contains("not a duration: 'soon'"));
        assertTrue(usageError("run", "--ip", "127.0.0.1", "--join", "127.0.0.1:x").err().contains("bad port in '127.0.0.1:x'"));
        assertTrue(usageError("run", "--ip", "127.0.0.1", "--port", "1", "--port", "2").err().contains("only once"));
        assertTrue(usageError("run", "--ip").err().contains("--ip"));
        assertTrue(usageError("run", "--ip", "127.0.0.1", "stray").err().contains("unexpected argument 'stray'"));
        assertTrue(usageError("local", "--first-ip", "10.0.0.1").err().contains("127.x.y.z"));
        assertTrue(usageError("local", "--first-ip", "127.0.0.250", "--nodes", "10").err().contains("leaves no room"));
        assertTrue(usageError("local", "--nodes", "zero").err().contains("'zero' is not an int"));
        assertTrue(usageError("local", "--nodes", "3", "--max-nodes", "2").err().contains("--max-nodes (2) must be at least --nodes (3)"));
        assertTrue(usageError("local", "--threshold", "100").err().contains("not a percentage in [0, 100)"));
        assertTrue(usageError("local", "--period", "5ms").err().contains("--period must be at least 10ms"));
        assertTrue(usageError("frobnicate").err().contains("commands: run, local, help, completion"));
        assertTrue(usageError().err().startsWith("node-daemon: no command given\n"));
        assertTrue(usageError("completion", "fish").err().contains("SHELL must be bash or zsh, not 'fish'"));
    }

    /** The script is bash's: sourced in a real bash, its function completes commands, options and values. */
    @Test
    void completionScriptCompletesInBash(@TempDir Path dir) throws Exception {
        Result bash = run("completion", "bash");
        assertEquals(0, bash.code(), bash.err());
        Path script = Files.writeString(dir.resolve("node-daemon.bash"), bash.out());
        assertEquals("[local]", complete(script, "node-daemon", "lo"));
        assertEquals("[--port]", complete(script, "node-daemon", "run", "--po"));
        assertEquals("[--nodes]", complete(script, "node-daemon", "local", "--nod"));
        assertEquals("[private public]", complete(script, "node-daemon", "run", "--aws", "--address", ""));
        assertEquals("[bash zsh]", complete(script, "node-daemon", "completion", ""));

        Result zsh = run("completion", "zsh");
        assertEquals(0, zsh.code());
        assertTrue(zsh.out().contains("bashcompinit"), "zsh loads bash completion support first");
        assertEquals(bash.out(), zsh.out(), "one script for both shells");
    }

    /** What bash's completion offers for the last word, as "[a b]". */
    private static String complete(Path script, String... words) throws Exception {
        String line = "source " + script + " 2>/dev/null; COMP_WORDS=(" + String.join(" ", quoted(words)) + "); COMP_CWORD="
                + (words.length - 1) + "; COMP_LINE=\"${COMP_WORDS[*]}\"; _complete_node-daemon 2>/dev/null;"
                + " echo \"[${COMPREPLY[*]}]\"";
        Process p = new ProcessBuilder("bash", "--norc", "-c", line).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        return out;
    }

    private static List<String> quoted(String... words) {
        return java.util.Arrays.stream(words).map(w -> "'" + w + "'").toList();
    }
}
