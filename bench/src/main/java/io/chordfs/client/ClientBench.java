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
 * The fs-client benchmark: {@code java -jar bench/target/bench.jar client [--size 1GiB] [--files 10000]}
 * (in the package of the client it measures). Through a 3-node ring in this JVM (R as the nodes
 * configure it): one large file and many 4 KiB files, uploaded and downloaded with the client's
 * own code (no JVM start-up counted), compared with the machine's limits measured in the same run:
 * fsync'd disk write bandwidth ÷ R for uploads, loopback TCP for downloads.
 */
public final class ClientBench {
    static final int R = 3;

    private ClientBench() {}

    /** {@code bench.jar client [--size 1GiB] [--files 10000]}. */
    public static void run(String[] argv) throws Exception {
        io.chordfs.core.cli.Args args = io.chordfs.core.cli.Args.parse(argv, java.util.Set.of("--size", "--files", "--dir"), java.util.Set.of());
        long mib = io.chordfs.core.cli.Sizes.parse(args.get("--size", "1GiB")) >> 20;
        int files = args.getInt("--files", 10_000, 1, 1_000_000);
        Path dir = Files.createTempDirectory(Path.of(args.get("--dir", System.getProperty("java.io.tmpdir"))), "chordfs-client-bench");
        try {
            measure(dir, mib, files);
        } finally {
            try (var walk = Files.walk(dir)) {
                walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    private static void measure(Path dir, long mib, int files) throws Exception {
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
        Path big = dir.resolve("big.bin");
        byte[] block = new byte[1 << 20];
        try (OutputStream o = Files.newOutputStream(big)) {
            for (long i = 0; i < mib; i++) {
                new Random(i).nextBytes(block);
                o.write(block);
            }
        }
        try (io.chordfs.bench.BenchRing ring = io.chordfs.bench.BenchRing.start(dir.resolve("nodes"), 3,
                io.chordfs.node.daemon.NodeDaemon.DEFAULT_REPAIR_MS);
             RingClient client = new RingClient(ring.nodes().get(0).self().address())) {
            Progress none = new Progress(System.err, false, "", 0);
            long t0 = System.nanoTime();
            Transfers.upload(client, big, "big.bin", Commands.DEFAULT_CHUNK, 4, none);
            double up = mib * 1.048576 / secs(t0);
            t0 = System.nanoTime();
            Path got = dir.resolve("got.bin");
            Transfers.download(client, "big.bin", got, 4, none);
            double down = mib * 1.048576 / secs(t0);
            if (!Transfers.sha256(big).equals(Transfers.sha256(got))) {
                throw new IllegalStateException("the downloaded file differs from the uploaded one");
            }
            Files.delete(got);
            lines.add(String.format(Locale.ROOT, "%d MiB file (8 MiB chunks, 4 parallel): upload %.0f MB/s = %.2f of disk÷R; download %.0f MB/s = %.2f of loopback",
                    mib, up, up / (disk / R), down, down / tcp));

            Path small = dir.resolve("small");
            Files.createDirectory(small);
            byte[] four = new byte[4096];
            for (int i = 0; i < files; i++) {
                new Random(i).nextBytes(four);
                Files.write(small.resolve("s" + i), four);
            }
            ExecutorService pool = Executors.newFixedThreadPool(16);
            try {
                t0 = System.nanoTime();
                List<Future<?>> fs = new ArrayList<>();
                for (int i = 0; i < files; i++) {
                    int k = i;
                    fs.add(pool.submit(() -> Transfers.upload(client, small.resolve("s" + k), "s" + k, Commands.DEFAULT_CHUNK, 1, none)));
                }
                for (Future<?> f : fs) {
                    f.get();
                }
                double upS = secs(t0);
                Path out = Files.createDirectory(dir.resolve("out"));
                t0 = System.nanoTime();
                fs.clear();
                for (int i = 0; i < files; i++) {
                    int k = i;
                    fs.add(pool.submit(() -> Transfers.download(client, "s" + k, out.resolve("s" + k), 1, none)));
                }
                for (Future<?> f : fs) {
                    f.get();
                }
                double downS = secs(t0);
                lines.add(String.format(Locale.ROOT, "%d files of 4 KiB (16 in flight): upload %.0f files/s (%.1f MB/s = %.2f of disk÷R); download %.0f files/s (%.1f MB/s = %.3f of loopback)",
                        files, files / upS, files * 4096 / upS / 1e6, files * 4096 / upS / 1e6 / (disk / R),
                        files / downS, files * 4096 / downS / 1e6, files * 4096 / downS / 1e6 / tcp));
            } finally {
                pool.shutdownNow();
            }
        }
        System.out.println("== fs-client benchmark: 3 nodes in this JVM, R = 3 ==");
        lines.forEach(System.out::println);
        System.out.println("command: java -jar bench/target/bench.jar client --size " + mib + "MiB --files " + files);
    }

    static double secs(long t0) {
        return Math.max(1e-9, (System.nanoTime() - t0) / 1e9);
    }

    /** Sequential writes of 8 MiB, each fsync'd, as the store commits a chunk. */
    static double diskMBps(Path f, int mib) throws Exception {
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
