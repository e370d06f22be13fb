package io.chordfs.client;


import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;


/**
 * The fs-client benchmark: {@code java -jar bench/target/bench.jar client [--size 1GiB] [--files 10000]
 * [--rounds 3]} (in the package of the client it measures). Through a 3-node ring in this JVM (R
 * as the nodes configure it): one large file and many 4 KiB files, uploaded and downloaded with
 * the client's own code (no JVM start-up counted), compared with the machine's limits measured in
 * the same run: fsync'd disk write bandwidth ÷ R for uploads, loopback TCP for downloads.
 *
 * <p>A warm-up round first moves a 64 MiB file and a few hundred small files up and down, so the
 * JIT has compiled the client's and the nodes' code, as in a ring that has been running; then the
 * large file goes up and down {@code --rounds} times, and the best round counts (every round is
 * printed): one try lasts seconds, and a slow moment of this shared machine moves it a lot.
 */
public final class ClientBench {
    static final int R = 3;
    private static final long WARM_MIB = 64;
    private static final int WARM_FILES = 300;
    private static final Progress QUIET = new Progress(System.err, false, "", 0);

    private ClientBench() {}

    /** {@code bench.jar client [--size 1GiB] [--files 10000] [--rounds 3]}. */
    public static void run(String[] argv) throws Exception {
        io.chordfs.core.cli.Args args = io.chordfs.core.cli.Args.parse(argv, java.util.Set.of("--size", "--files", "--dir", "--rounds"),
                java.util.Set.of());
        long mib = io.chordfs.core.cli.Sizes.parse(args.get("--size", "1GiB")) >> 20;
        int files = args.getInt("--files", 10_000, 1, 1_000_000);
        int rounds = args.getInt("--rounds", 3, 1, 100);
        Path dir = Files.createTempDirectory(Path.of(args.get("--dir", System.getProperty("java.io.tmpdir"))), "chordfs-client-bench");
        try {
            measure(dir, mib, files, rounds);
        } finally {
            try (var walk = Files.walk(dir)) {
                walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    private static void measure(Path dir, long mib, int files, int rounds) throws Exception {
        double disk = diskMBps(dir.resolve("disk.tmp"), 512);
        double tcp = loopbackMBps(2048);
        double sha = sha256MBps(1024);
        List<String> lines = new ArrayList<>();
        lines.add(String.format(Locale.ROOT, "machine: fsync'd disk writes %.0f MB/s (÷ R=%d: %.0f MB/s), loopback TCP %.0f MB/s,"
                        + " SHA-256 on one core %.0f MB/s, %d cores",
                disk, R, disk / R, tcp, sha, Runtime.getRuntime().availableProcessors()));
        // A download is hashed whole in file order (one core) and lands on the disk with fsync, so
        // neither can be outrun whatever the network does.
        lines.add(String.format(Locale.ROOT, "ceiling of a verified, durable download here: min(disk, SHA-256) = %.0f MB/s = %.2f of loopback",
                Math.min(disk, sha), Math.min(disk, sha) / tcp));
        Path big = randomFile(dir.resolve("big.bin"), mib);
        Path warm = randomFile(dir.resolve("warm.bin"), WARM_MIB);
        try (io.chordfs.bench.BenchRing ring = io.chordfs.bench.BenchRing.start(dir.resolve("nodes"), 3,
                io.chordfs.node.daemon.NodeDaemon.DEFAULT_REPAIR_MS);
             RingClient client = new RingClient(ring.nodes().get(0).self().address())) {
            ExecutorService pool = Executors.newFixedThreadPool(16);
            try {
                roundTrip(client, warm, "warm.bin", dir.resolve("got.bin"));
                Path warmSmall = smallFiles(dir.resolve("warm-small"), WARM_FILES);
                smallUploads(pool, client, warmSmall, "w", WARM_FILES);
                smallDownloads(pool, client, "w", WARM_FILES, Files.createDirectory(dir.resolve("warm-out")));

                double bestUp = 0;
                double bestDown = 0;
                List<String> tries = new ArrayList<>();
                for (int r = 1; r <= rounds; r++) {
                    double[] t = roundTrip(client, big, "big-" + r + ".bin", dir.resolve("got.bin"));
                    Admin.rm(client, "big-" + r + ".bin"); // each round on the same disk space
                    double up = mib * 1.048576 / t[0];
                    double down = mib * 1.048576 / t[1];
                    tries.add(String.format(Locale.ROOT, "%.0f / %.0f", up, down));
                    bestUp = Math.max(bestUp, up);
                    bestDown = Math.max(bestDown, down);
                }
                lines.add(String.format(Locale.ROOT, "%d MiB file (8 MiB chunks, 4 parallel), best of %d: upload %.0f MB/s = %.2f of disk÷R;"
                        + " download %.0f MB/s = %.2f of loopback", mib, rounds, bestUp, bestUp / (disk / R), bestDown, bestDown / tcp));
                lines.add("every round, upload / download MB/s: " + String.join(", ", tries));

                Path small = smallFiles(dir.resolve("small"), files);
                double upS = smallUploads(pool, client, small, "s", files);
                double downS = smallDownloads(pool, client, "s", files, Files.createDirectory(dir.resolve("out")));
                lines.add(String.format(Locale.ROOT, "%d files of 4 KiB (16 in flight): upload %.0f files/s (%.1f MB/s = %.2f of disk÷R); download %.0f files/s (%.1f MB/s = %.3f of loopback)",
                        files, files / upS, files * 4096 / upS / 1e6, files * 4096 / upS / 1e6 / (disk / R),
                        files / downS, files * 4096 / downS / 1e6, files * 4096 / downS / 1e6 / tcp));
            } finally {
                pool.shutdownNow();
            }
        }
        System.out.println("== fs-client benchmark: 3 nodes in this JVM, R = 3 ==");
        lines.forEach(System.out::println);
        System.out.println("command: java -jar bench/target/bench.jar client --size " + mib + "MiB --files " + files
                + " --rounds " + rounds);
    }

    private static Path randomFile(Path f, long mib) throws Exception {
        byte[] block = new byte[1 << 20];
        try (OutputStream o = Files.newOutputStream(f)) {
            for (long i = 0; i < mib; i++) {
                new Random(i).nextBytes(block);
                o.write(block);
            }
        }
        return f;
    }

    /** Uploads {@code file} as {@code name}, downloads it to {@code got} and compares; seconds for each. */
    private static double[] roundTrip(RingClient client, Path file, String name, Path got) throws Exception {
        long t0 = System.nanoTime();
        Transfers.upload(client, file, name, Commands.DEFAULT_CHUNK, 4, QUIET);
        double up = secs(t0);
        t0 = System.nanoTime();
        Transfers.download(client, name, got, 4, QUIET);
        double down = secs(t0);
        if (!Transfers.sha256(file).equals(Transfers.sha256(got))) {
            throw new IllegalStateException("the downloaded " + name + " differs from the uploaded one");
        }
        Files.delete(got);
        return new double[] {up, down};
    }

    private static Path smallFiles(Path dir, int files) throws Exception {
        Files.createDirectory(dir);
        byte[] four = new byte[4096];
        for (int i = 0; i < files; i++) {
            new Random(i).nextBytes(four);
            Files.write(dir.resolve("s" + i), four);
        }
        return dir;
    }

    /** Uploads {@code dir/s<i>} as {@code <prefix><i>}, 16 at a time; seconds. */
    private static double smallUploads(ExecutorService pool, RingClient client, Path dir, String prefix, int files) throws Exception {
        long t0 = System.nanoTime();
        List<Future<?>> fs = new ArrayList<>();
        for (int i = 0; i < files; i++) {
            int k = i;
            fs.add(pool.submit(() -> Transfers.upload(client, dir.resolve("s" + k), prefix + k, Commands.DEFAULT_CHUNK, 1, QUIET)));
        }
        for (Future<?> f : fs) {
            f.get();
        }
        return secs(t0);
    }

    /** Downloads {@code <prefix><i>} into {@code out}, 16 at a time; seconds. */
    private static double smallDownloads(ExecutorService pool, RingClient client, String prefix, int files, Path out) throws Exception {
        long t0 = System.nanoTime();
        List<Future<?>> fs = new ArrayList<>();
        for (int i = 0; i < files; i++) {
            int k = i;
            fs.add(pool.submit(() -> Transfers.download(client, prefix + k, out.resolve(prefix + k), 1, QUIET)));
        }
        for (Future<?> f : fs) {
            f.get();
        }
        return secs(t0);
    }

    static double secs(long t0) {
        return Math.max(1e-9, (System.nanoTime() - t0) / 1e9);
    }

    /** Sequential writes of 8 MiB, each fsync'd, as the store commits a chunk. */
    public static double diskMBps(Path f, int mib) throws Exception {
        ByteBuffer b = ByteBuffer.allocateDirect(8 << 20);
        long t0 = System.nanoTime();
        try (FileChannel ch = FileChannel.open(f, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
            for (int i = 0; i < mib / 8; i++) {
                b.clear();
                while (b.hasRemaining()) {
                    ch.write(b);
                }
                ch.force(true);
            }
        }
        double r = mib * 1.048576 / secs(t0);
        Files.delete(f);
        return r;
    }

    /** One thread hashing a 1 MiB buffer over and over, after a first pass that warms the JIT. */
    static double sha256MBps(int mib) throws Exception {
        java.security.MessageDigest md = java.security.MessageDigest.getInstance("SHA-256");
        byte[] buf = new byte[1 << 20];
        new Random(1).nextBytes(buf);
        for (int i = 0; i < 64; i++) {
            md.update(buf);
        }
        md.digest();
        long t0 = System.nanoTime();
        for (int i = 0; i < mib; i++) {
            md.update(buf);
        }
        md.digest();
        return mib * 1.048576 / secs(t0);
    }

    static double loopbackMBps(int mib) throws Exception {
        try (ServerSocket ss = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            Thread w = new Thread(() -> {
                try (Socket s = new Socket(InetAddress.getLoopbackAddress(), ss.getLocalPort()); OutputStream o = s.getOutputStream()) {
                    byte[] buf = new byte[256 * 1024];
                    for (long n = 0; n < (long) mib << 20; n += buf.length) {
                        o.write(buf);
                    }
                } catch (Exception e) {
                    throw new RuntimeException(e);
                }
            });
            long t0 = System.nanoTime();
            w.start();
            try (Socket s = ss.accept(); InputStream in = s.getInputStream()) {
                in.transferTo(OutputStream.nullOutputStream());
            }
            w.join();
            return mib * 1.048576 / secs(t0);
        }
    }
}
