package io.chordfs.bench;

import io.chordfs.client.ClientBench;
import io.chordfs.core.cli.Args;
import io.chordfs.core.cli.Sizes;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * A replicated upload as an operator does it (issue 16): {@code fs-client.jar upload} of one large
 * file, a process of its own, into {@code node-daemon.jar local --nodes 3} (R = 3), a process of
 * its own. For each round: the disk's fsynced write bandwidth right before and after (the ceiling is
 * their mean ÷ R; the disk of a shared machine moves a lot between two probes),
 * the upload's wall time, and the CPU seconds per GiB of the node process (the three nodes
 * together) and of the client process, from /proc: utime + stime of the node process before and
 * after, and the client's own at its exit (cutime + cstime of the shell that waited for it).
 */
final class ReplicatedBench {
    static final String USAGE = """
              replicated [--size 1GiB] [--rounds 3] [--warm 256MiB] [--dir DIR] [--node-jar PATH]
                         [--client-jar PATH]
                                        fs-client (its fat jar, a process) uploads one --size file
                                        to node-daemon local --nodes 3 (its fat jar, a process), R = 3,
                                        --rounds times after one --warm upload: MB/s against the
                                        fsynced disk bandwidth ÷ 3 (probed before and after each round),
                                        and CPU-seconds per GiB of the node process and of the client
                                        process (/proc); jars default to <repo>/*/target
            """;
    private static final int R = 3;
    private static final int DISK_PROBE_MIB = 512;
    private static final double GIB = 1L << 30;
    private static final double GOAL_NODES = 3.5;
    private static final double GOAL_CLIENT = 2.5;
    private static final double GOAL_SHARE = 0.7;

    private ReplicatedBench() {}

    private record Round(double diskMBps, double seconds, double nodeCpu, double clientCpu, double machineBusy) {
        double mbps(long size) {
            return size / 1e6 / seconds;
        }
    }

    static void run(String[] argv) throws Exception {
        Args a;
        try {
            a = Args.parse(argv, Set.of("--size", "--rounds", "--warm", "--dir", "--node-jar", "--client-jar"), Set.of());
            if (!a.positional().isEmpty()) {
                throw new Args.UsageException("unexpected argument '" + a.positional().get(0) + "'");
            }
        } catch (Args.UsageException e) {
            System.err.println("bench replicated: " + e.getMessage());
            System.exit(2);
            return;
        }
        String sizeText = a.get("--size", "1GiB");
        long size = Sizes.parse(sizeText);
        long warm = Sizes.parse(a.get("--warm", "256MiB"));
        int rounds = a.getInt("--rounds", 3, 1, 100);
        Path nodeJar = LocalRingProcess.nodeJar(a.get("--node-jar", null));
        Path clientJar = a.has("--client-jar") ? Path.of(a.get("--client-jar", null)) : Tools.repoFile("fs-client/target/fs-client.jar");
        if (!Files.isRegularFile(clientJar)) {
            System.err.println("bench replicated: no fs-client jar at " + clientJar + ": build it or give --client-jar");
            System.exit(2);
        }
        Path base = Path.of(a.get("--dir", System.getProperty("java.io.tmpdir")));
        long needed = (R + 1) * size + R * warm + (DISK_PROBE_MIB << 20);
        if (Files.getFileStore(base).getUsableSpace() < needed) {
            System.err.println("bench replicated: " + base + " needs about " + Sizes.format(needed) + " free");
            System.exit(2);
        }
        Path work = Files.createTempDirectory(base, "chordfs-replicated-");
        String command = "java -jar bench/target/bench.jar replicated --size " + sizeText + " --rounds " + rounds
                + " --warm " + a.get("--warm", "256MiB");
        System.out.println("command: " + command);
        System.out.println("machine: " + Runtime.getRuntime().availableProcessors() + " cores; load average "
                + String.format(Locale.ROOT, "%.2f", java.lang.management.ManagementFactory.getOperatingSystemMXBean()
                .getSystemLoadAverage()) + "; disk " + Files.getFileStore(work));
        LocalRingProcess ring = null;
        try {
            Path big = work.resolve("big.bin");
            Path warmFile = work.resolve("warm.bin");
            StorageBench.generate(big, size);
            StorageBench.generate(warmFile, warm);
            ring = LocalRingProcess.start(nodeJar, R, Files.createDirectories(work.resolve("data")), work.resolve("nodes.log"), 0,
                    List.of());
            String entry = ring.ips().get(0);
            System.out.println("ring: local --nodes 3 on " + String.join(", ", ring.ips()) + " (pid " + ring.pid() + "), R = 3;"
                    + " client: java -jar " + clientJar + " upload FILE " + entry);
            upload(clientJar, warmFile, "warm.bin", entry, work, ring);
            System.out.println("warm-up: " + Sizes.format(warm) + " uploaded once");
            List<Round> done = new ArrayList<>();
            for (int r = 1; r <= rounds; r++) {
                double before = diskProbe(work);
                String name = "big-" + r + ".bin";
                Round one = upload(clientJar, big, name, entry, work, ring);
                fsClient(clientJar, work, "rm", name, entry); // every round on the same disk space
                double after = diskProbe(work);
                double disk = (before + after) / 2;
                one = new Round(disk, one.seconds(), one.nodeCpu(), one.clientCpu(), one.machineBusy());
                done.add(one);
                System.out.printf(Locale.ROOT, "round %d: disk %.0f MB/s before, %.0f after, mean ÷ 3: %.0f; upload %.2f s = %.0f MB/s"
                                + " = %.2f of disk÷3; CPU-s per GiB: nodes %.2f, client %.2f; machine busy %.2f of %d cores%n", r, before,
                        after, disk / R, one.seconds(), one.mbps(size), one.mbps(size) / (disk / R), one.nodeCpu() / (size / GIB),
                        one.clientCpu() / (size / GIB), one.machineBusy(), Runtime.getRuntime().availableProcessors());
            }
            System.out.println();
            System.out.printf(Locale.ROOT, "%-6s %10s %8s %12s %12s %16s %17s%n", "round", "disk MB/s", "disk÷3", "upload MB/s",
                    "share of ÷3", "nodes CPU-s/GiB", "client CPU-s/GiB");
            boolean shareMet = true;
            double worstNodes = 0;
            double worstClient = 0;
            for (int r = 0; r < done.size(); r++) {
                Round x = done.get(r);
                double share = x.mbps(size) / (x.diskMBps() / R);
                shareMet &= share >= GOAL_SHARE;
                worstNodes = Math.max(worstNodes, x.nodeCpu() / (size / GIB));
                worstClient = Math.max(worstClient, x.clientCpu() / (size / GIB));
                System.out.printf(Locale.ROOT, "%-6d %10.0f %8.0f %12.0f %12.2f %16.2f %17.2f%n", r + 1, x.diskMBps(), x.diskMBps() / R,
                        x.mbps(size), share, x.nodeCpu() / (size / GIB), x.clientCpu() / (size / GIB));
            }
            System.out.printf(Locale.ROOT, "goals (issue 16): throughput >= %.1f of disk÷3 in every round: %s; nodes <= %.1f CPU-s/GiB:"
                            + " %s (worst %.2f); client <= %.1f CPU-s/GiB: %s (worst %.2f)%n", GOAL_SHARE, shareMet ? "met" : "MISSED",
                    GOAL_NODES, worstNodes <= GOAL_NODES ? "met" : "MISSED", worstNodes, GOAL_CLIENT,
                    worstClient <= GOAL_CLIENT ? "met" : "MISSED", worstClient);
            System.out.println("The upload's time is the fs-client command's wall time, JVM start included; the client's CPU is"
                    + " its whole process (JVM start, JIT, GC); the nodes' is the one local-mode process holding all three;"
                    + " the kernel's writeback of the copies is in neither.");
            System.out.println("command: " + command);
        } finally {
            if (ring != null) {
                ring.close();
            }
            StorageBench.deleteTree(work);
        }
    }

    /** The disk's fsynced write bandwidth (8 MiB writes, each fsynced, as a node commits a chunk), after a sync. */
    private static double diskProbe(Path work) throws Exception {
        StorageBench.sync();
        double mbps = ClientBench.diskMBps(work.resolve("disk-probe.bin"), DISK_PROBE_MIB);
        StorageBench.sync();
        return mbps;
    }

    /** One {@code fs-client upload}, timed, with the node process's and its own CPU seconds. */
    private static Round upload(Path clientJar, Path file, String name, String entry, Path work, LocalRingProcess ring)
            throws IOException, InterruptedException {
        double nodeBefore = CpuMeter.processSeconds(ring.pid());
        long busyBefore = CpuMeter.machineBusyTicks();
        long t0 = System.nanoTime();
        String stat = fsClient(clientJar, work, "upload", file.toString(), entry, "--name", name);
        double seconds = (System.nanoTime() - t0) / 1e9;
        double busy = (CpuMeter.machineBusyTicks() - busyBefore) / (double) CpuMeter.TICKS_PER_SECOND / seconds;
        double nodeCpu = CpuMeter.processSeconds(ring.pid()) - nodeBefore;
        double clientCpu = (CpuMeter.statField(stat, 16) + CpuMeter.statField(stat, 17)) / (double) CpuMeter.TICKS_PER_SECOND;
        if (!ring.alive()) {
            throw new IOException("the node process died: " + StorageBench.tail(ring.log(), 15));
        }
        return new Round(0, seconds, nodeCpu, clientCpu, busy);
    }

    /**
     * Runs {@code fs-client.jar args...} from a shell that, once it has waited for the client, reads
     * its own /proc stat line: its cutime and cstime are then the client's whole CPU. Returns that
     * line; fails with the client's output when it fails.
     */
    private static String fsClient(Path clientJar, Path work, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("sh", "-c", "\"$@\" > \"$OUT\" 2>&1; rc=$?; read -r s < /proc/$$/stat;"
                + " echo \"$s\"; exit $rc", "sh", Tools.java(), "-jar", clientJar.toString()));
        cmd.addAll(List.of(args));
        cmd.add("--quiet");
        Path out = work.resolve("client.out");
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().put("OUT", out.toString());
        Process p = pb.start();
        String stat = new String(p.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1).strip();
        if (!p.waitFor(30, TimeUnit.MINUTES) || p.exitValue() != 0) {
            p.destroyForcibly();
            throw new IOException("fs-client " + String.join(" ", args) + " failed: " + Files.readString(out).strip());
        }
        return stat;
    }
}
