package io.chordfs.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Where the CPU went during a measurement, on Linux: this JVM's threads split into the benchmark's
 * clients (main, bench-client-*, java.net.http's HttpClient-*) and everything else (the in-process
 * server: the ChordFS node, or the storage bench's bare JDK server), the JVM's own threads (GC,
 * JIT: process CPU not seen on a Java thread), child processes (uploadserver, nginx), and the rest
 * of the machine (/proc/stat busy time minus all of that: kernel threads such as the file system's
 * journal, and other people's work). {@link #processTicks} reads any one process's CPU.
 */
final class CpuMeter {
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();
    static final long TICKS_PER_SECOND = 100; // USER_HZ on Linux
    /** CPU of client threads that finished before the end of a measurement. */
    private static final AtomicLong EXITED_CLIENT_NANOS = new AtomicLong();

    private final String childLabel;
    private final List<Long> childPids;
    private final int cores = Runtime.getRuntime().availableProcessors();

    /** {@code childPids}: processes whose CPU is shown together under {@code childLabel}. */
    CpuMeter(String childLabel, List<Long> childPids) {
        this.childLabel = childLabel;
        this.childPids = List.copyOf(childPids);
    }

    /**
     * CPU seconds per wall second (cores busy) of each part, over {@code seconds}: {@code jit} and
     * {@code gc} are the JVM's compiler and GC threads, {@code jvm} the rest of the process not seen
     * on a live Java thread (other VM threads, threads that ended).
     */
    record Use(double seconds, double client, double node, double jit, double gc, double jvm, double child, double rest,
               int cores, String childLabel) {
        @Override
        public String toString() {
            return String.format(Locale.ROOT, "cores busy (of %d): client %.2f, in-JVM server %.2f, JIT %.2f, GC %.2f,"
                    + " JVM other %.2f, %s %.2f, rest of machine %.2f", cores, client, node, jit, gc, jvm, childLabel, child, rest);
        }
    }

    record Snapshot(long nanos, long processCpu, Map<Long, Long> threadCpu, Map<Long, String> names, long childTicks,
                    long machineTicks, long exitedClient, long jitTicks, long gcTicks) {}

    /** Called by a client thread as its last act. */
    static void clientThreadDone() {
        long t = THREADS.getCurrentThreadCpuTime();
        if (t > 0) {
            EXITED_CLIENT_NANOS.addAndGet(t);
        }
    }

    Snapshot snapshot() {
        Map<Long, Long> cpu = new HashMap<>();
        Map<Long, String> names = new HashMap<>();
        for (ThreadInfo info : THREADS.getThreadInfo(THREADS.getAllThreadIds())) {
            if (info == null) {
                continue;
            }
            long t = THREADS.getThreadCpuTime(info.getThreadId());
            if (t >= 0) {
                cpu.put(info.getThreadId(), t);
                names.put(info.getThreadId(), info.getThreadName());
            }
        }
        long process = ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os
                ? os.getProcessCpuTime() : -1;
        long[] vm = vmThreadTicks();
        return new Snapshot(System.nanoTime(), process, cpu, names, childTicks(), machineBusyTicks(), EXITED_CLIENT_NANOS.get(),
                vm[0], vm[1]);
    }

    Use since(Snapshot a) {
        Snapshot b = snapshot();
        double wall = (b.nanos() - a.nanos()) / 1e9;
        long client = b.exitedClient() - a.exitedClient();
        long node = 0;
        for (Map.Entry<Long, Long> e : b.threadCpu().entrySet()) {
            long d = e.getValue() - a.threadCpu().getOrDefault(e.getKey(), 0L);
            if (isClient(b.names().get(e.getKey()))) {
                client += d;
            } else {
                node += d;
            }
        }
        double process = (b.processCpu() - a.processCpu()) / 1e9;
        double jit = (b.jitTicks() - a.jitTicks()) / (double) TICKS_PER_SECOND;
        double gc = (b.gcTicks() - a.gcTicks()) / (double) TICKS_PER_SECOND;
        double jvm = Math.max(0, process - (client + node) / 1e9 - jit - gc);
        double child = (b.childTicks() - a.childTicks()) / (double) TICKS_PER_SECOND;
        double machine = (b.machineTicks() - a.machineTicks()) / (double) TICKS_PER_SECOND;
        double rest = Math.max(0, machine - process - child);
        return new Use(wall, client / 1e9 / wall, node / 1e9 / wall, jit / wall, gc / wall, jvm / wall, child / wall,
                rest / wall, cores, childLabel);
    }

    private static boolean isClient(String name) {
        return name != null && (name.equals("main") || name.startsWith("bench-client-") || name.startsWith("HttpClient-"));
    }

    /** utime + stime of this process's JIT compiler threads and of its GC threads, in ticks. */
    private static long[] vmThreadTicks() {
        long jit = 0;
        long gc = 0;
        try (var tasks = Files.newDirectoryStream(Path.of("/proc/self/task"))) {
            for (Path task : tasks) {
                try {
                    String s = Files.readString(task.resolve("stat"));
                    String comm = s.substring(s.indexOf('(') + 1, s.lastIndexOf(')'));
                    boolean isJit = comm.startsWith("C1 Compiler") || comm.startsWith("C2 Compiler");
                    boolean isGc = comm.startsWith("GC Thread") || comm.startsWith("G1 ");
                    if (isJit || isGc) {
                        long t = ticks(s);
                        if (isJit) {
                            jit += t;
                        } else {
                            gc += t;
                        }
                    }
                } catch (IOException | RuntimeException e) {
                    // the thread ended
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux
        }
        return new long[] {jit, gc};
    }

    /** utime + stime of a /proc stat line, in ticks. */
    private static long ticks(String stat) {
        return statField(stat, 14) + statField(stat, 15);
    }

    /** Field {@code n} (numbered from 1 as in proc(5): 14 utime, 15 stime, 16 cutime, 17 cstime) of a stat line. */
    static long statField(String stat, int n) {
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return Long.parseLong(f[n - 3]);
    }

    /** CPU seconds (utime + stime) a process has used so far, from /proc/PID/stat; -1 when it is gone. */
    static double processSeconds(long pid) {
        long t = processTicks(pid);
        return t < 0 ? -1 : t / (double) TICKS_PER_SECOND;
    }

    /** utime + stime of a process, in ticks; -1 when it is gone or this is not Linux. */
    static long processTicks(long pid) {
        try {
            return ticks(Files.readString(Path.of("/proc/" + pid + "/stat")));
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /** utime + stime of the children, in ticks (those gone count 0). */
    private long childTicks() {
        long sum = 0;
        for (long pid : childPids) {
            sum += Math.max(0, processTicks(pid));
        }
        return sum;
    }

    /** Busy time of all CPUs (user, nice, system, irq, softirq, steal), in ticks; 0 when unknown. */
    static long machineBusyTicks() {
        try {
            String line = Files.readAllLines(Path.of("/proc/stat")).get(0);
            String[] f = line.trim().split("\\s+");
            long busy = 0;
            for (int i : new int[] {1, 2, 3, 6, 7, 8}) {
                busy += Long.parseLong(f[i]);
            }
            return busy;
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }
}
