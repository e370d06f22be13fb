package io.chordfs.node;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MainTest {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int run(String... argv) {
        return Main.run(argv, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    private String err() {
        return err.toString(StandardCharsets.UTF_8);
    }

    @Test
    void helpDocumentsEveryCommandAndOption() {
        assertEquals(0, run("--help"));
        assertTrue(out.toString(StandardCharsets.UTF_8).contains("local"));
        assertEquals(0, run("run", "--help"));
        String help = out.toString(StandardCharsets.UTF_8);
        for (String option : new String[] {"--ip", "--announce", "--port", "--join", "--id", "--replicas", "--successors",
                "--stabilize-ms", "--aws", "--address"}) {
            assertTrue(help.contains(option), option);
        }
        assertTrue(help.contains("--cluster-secret") && help.contains("kill(secret)"), "run --help explains the secured kill");
        assertEquals(0, run("local", "--help"));
        assertTrue(out.toString(StandardCharsets.UTF_8).contains("--nodes"));
    }

    @Test
    void badUsageIsOneLineAndExitCodeTwo() {
        assertEquals(2, run("run", "--bogus"));
        assertTrue(err().contains("unknown option --bogus"));
        assertEquals(1, err().lines().count());
        assertEquals(2, run("run"));
        assertTrue(err().contains("--ip is required"));
        assertEquals(2, run("run", "--ip", "127.0.0.1", "--replicas", "4", "--successors", "3"));
        assertTrue(err().contains("at least --replicas"));
        assertEquals(2, run("run", "--ip", "127.0.0.1", "--id", "4294967296"));
        assertEquals(2, run("run", "--ip", "0.0.0.0"));
        assertTrue(err().contains("give --announce IP"), err());
        assertEquals(2, run("run", "--ip", "127.0.0.1", "--announce", "0.0.0.0"));
        assertEquals(2, run("run", "--aws", "--announce", "203.0.113.9"));
        assertTrue(err().contains("drop --ip, --announce and --join"), err());
        assertEquals(2, run("run", "--ip", "127.0.0.1", "--cluster-secret", ""));
        assertTrue(err().contains("must not be empty"));
        assertEquals(2, run("local", "--first-ip", "10.0.0.1"));
        assertEquals(2, run("local", "--nodes", "zero"));
        assertEquals(2, run("frobnicate"));
        assertEquals(2, run());
    }

    @Test
    void loopbackAddressesCountUpFromTheFirst() throws Exception {
        assertEquals(java.util.List.of("127.0.0.11", "127.0.0.12", "127.0.0.13"), LocalCommand.loopbackIps("127.0.0.11", 3));
    }
}
