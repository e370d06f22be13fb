package io.chordfs.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * {@code java -jar node-daemon.jar local --nodes N} as a child process, as an operator runs it: N
 * nodes in one JVM on 127.X.Y.11, .12, ... (X and Y random, so that other rings on this machine do
 * not collide) with the real ports. Its file-descriptor limit can be raised with {@code ulimit -n}
 * (at most to the hard limit) in a shell that then execs the JVM, so the process held is the JVM itself.
 */
final class LocalRingProcess implements AutoCloseable {
    private static final long READY_MS = 90_000;

    private final Process process;
    private final List<String> ips;
    private final Path log;

    private LocalRingProcess(Process process, List<String> ips, Path log) {
        this.process = process;
        this.ips = ips;
        this.log = log;
    }

    /** The node-daemon fat jar beside this bench jar's repository, or an error naming how to build it. */
    static Path nodeJar(String given) throws IOException {
        Path jar = given != null ? Path.of(given) : Tools.repoFile("node-daemon/target/node-daemon.jar");
        if (!Files.isRegularFile(jar)) {
            throw new IOException("no node-daemon jar at " + jar + ": build it (mvn -B -q package -DskipTests) or give --node-jar");
        }
        return jar;
    }

    /**
     * Starts the ring and waits for "ring ready"; {@code extra}: more options of {@code local};
     * {@code fdLimit}: the {@code ulimit -n} it runs under (0: inherited).
     */
    static LocalRingProcess start(Path nodeJar, int nodes, Path dataRoot, Path log, int fdLimit, List<String> extra)
            throws IOException, InterruptedException {
        IOException last = null;
        for (int attempt = 0; attempt < 4; attempt++) {
            ThreadLocalRandom r = ThreadLocalRandom.current();
            String prefix = "127." + r.nextInt(20, 77) + "." + r.nextInt(0, 256) + ".";
            List<String> ips = new ArrayList<>();
            for (int i = 0; i < nodes; i++) {
                ips.add(prefix + (11 + i));
            }
            // ulimit -n up to fdLimit, or to the hard limit when that is lower (raising it needs CAP_SYS_RESOURCE)
            String raise = "n=" + fdLimit + "; h=$(ulimit -Hn); if [ \"$h\" != unlimited ] && [ \"$h\" -lt $n ]; then n=$h; fi;"
                    + " ulimit -n $n || exit 3; ";
            List<String> cmd = new ArrayList<>(List.of("sh", "-c", (fdLimit > 0 ? raise : "") + "exec \"$@\"", "sh", Tools.java(), "-jar", nodeJar.toString(), "local", "--nodes", Integer.toString(nodes),
                    "--first-ip", ips.get(0), "--data-root", dataRoot.toString()));
            cmd.addAll(extra);
            Files.writeString(log, "### " + String.join(" ", cmd) + "\n");
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
            LocalRingProcess ring = new LocalRingProcess(p, ips, log);
            long deadline = System.currentTimeMillis() + READY_MS;
            while (System.currentTimeMillis() < deadline) {
                String text = Files.readString(log, StandardCharsets.ISO_8859_1);
                if (text.contains("ring ready:")) {
                    return ring;
                }
                if (!p.isAlive()) {
                    break;
                }
                Thread.sleep(100);
            }
            ring.close();
            last = new IOException("local --nodes " + nodes + " on " + ips.get(0) + " did not start (exit "
                    + (p.isAlive() ? "none" : p.exitValue()) + "): " + StorageBench.tail(log, 15));
        }
        throw last;
    }

    long pid() {
        return process.pid();
    }

    boolean alive() {
        return process.isAlive();
    }

    List<String> ips() {
        return ips;
    }

    Path log() {
        return log;
    }

    /** A line of /proc/PID/limits, e.g. "Max open files  65536  65536  files", or "unknown". */
    String limit(String name) {
        try {
            return Files.readAllLines(Path.of("/proc/" + pid() + "/limits")).stream().filter(l -> l.startsWith(name))
                    .map(l -> l.replaceAll("\\s+", " ").strip()).findFirst().orElse("unknown");
        } catch (IOException e) {
            return "unknown";
        }
    }

    @Override
    public void close() {
        process.destroy(); // SIGTERM: local mode stops every node at once
        try {
            if (!process.waitFor(15, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }
}
