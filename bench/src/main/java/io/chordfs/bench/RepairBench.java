package io.chordfs.bench;

import io.chordfs.core.cli.Args;
import io.chordfs.core.cli.Sizes;
import io.chordfs.core.ring.Keys;
import io.chordfs.core.ring.Ring;
import io.chordfs.node.daemon.NodeDaemon;
import io.chordfs.node.peer.PortLayout;
import io.chordfs.node.store.ObjectMeta;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Repair speed: a ring holding --size of data in --object-sized objects (R = 3); one node dies
 * abruptly, then a new node joins, while a reader keeps reading. Prints the time until every
 * object is on exactly its replica set again and the bytes moved per second.
 */
final class RepairBench {
    private static final long REPAIR_MS = 1_000;

    private RepairBench() {}

    static void run(String[] argv) throws Exception {
        Args args = Args.parse(argv, Set.of("--size", "--object", "--nodes", "--dir"), Set.of());
        long size = Sizes.parse(args.get("--size", "1GiB"));
        int objectSize = (int) Sizes.parse(args.get("--object", "8MiB"));
        int n = args.getInt("--nodes", 5, 4, 32);
        Path root = Files.createTempDirectory(Path.of(args.get("--dir", System.getProperty("java.io.tmpdir"))), "chordfs-repair");
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        try (BenchRing ring = BenchRing.start(root, n, REPAIR_MS)) {
            List<NodeDaemon> nodes = ring.nodes();
            int count = (int) Math.max(1, size / objectSize);
            List<String> names = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                names.add("obj-" + i);
            }
            long t0 = System.nanoTime();
            ExecutorService pool = Executors.newFixedThreadPool(4);
            List<Future<?>> puts = new ArrayList<>();
            for (String name : names) {
                puts.add(pool.submit(() -> {
                    byte[] data = new byte[objectSize];
                    new SplittableRandom(name.hashCode()).nextBytes(data);
                    NodeDaemon via = nodes.get(Math.floorMod(name.hashCode(), nodes.size()));
                    HttpResponse<Void> resp = http.send(HttpRequest.newBuilder(url(via, name))
                            .PUT(HttpRequest.BodyPublishers.ofByteArray(data)).build(), HttpResponse.BodyHandlers.discarding());
                    if (resp.statusCode() / 100 != 2) {
                        throw new IllegalStateException("upload of " + name + " answered " + resp.statusCode());
                    }
                    return null;
                }));
            }
            for (Future<?> f : puts) {
                f.get();
            }
            double loadSeconds = (System.nanoTime() - t0) / 1e9;
            System.out.printf(Locale.ROOT, "loaded %s in %d objects on %d nodes (R = 3) in %.1f s: %.0f MB/s of client data%n",
                    Sizes.format((long) count * objectSize), count, n, loadSeconds, (double) count * objectSize / loadSeconds / 1e6);

            AtomicBoolean reading = new AtomicBoolean(true);
            AtomicLong reads = new AtomicLong();
            AtomicLong failedReads = new AtomicLong();
            Future<?> reader = pool.submit(() -> {
                SplittableRandom random = new SplittableRandom(7);
                while (reading.get()) {
                    String name = names.get(random.nextInt(names.size()));
                    List<NodeDaemon> live = List.copyOf(nodes);
                    try {
                        int code = http.send(HttpRequest.newBuilder(url(live.get(random.nextInt(live.size())), name)).build(),
                                HttpResponse.BodyHandlers.discarding()).statusCode();
                        (code == 200 ? reads : failedReads).incrementAndGet();
                    } catch (Exception e) {
                        failedReads.incrementAndGet();
                    }
                }
                return null;
            });

            NodeDaemon victim = nodes.get(1);
            long lost = names.stream().filter(name -> replicaSet(nodes, name).contains(victim)).count();
            nodes.remove(victim);
            long t1 = System.nanoTime();
            victim.halt();
            await(nodes, names, false);
            double repairSeconds = (System.nanoTime() - t1) / 1e9;
            await(nodes, names, true);
            System.out.printf(Locale.ROOT, "abrupt death of %s: %d objects (%s) back to R copies in %.1f s: %.0f MB/s"
                            + " (extra copies gone after %.1f s)%n", victim.self().ip(), lost, Sizes.format(lost * objectSize),
                    repairSeconds, lost * objectSize / repairSeconds / 1e6, (System.nanoTime() - t1) / 1e9);

            long t2 = System.nanoTime();
            NodeDaemon joiner = ring.add(middleOfLargestGap(nodes), REPAIR_MS);
            long moved = names.stream().filter(name -> replicaSet(nodes, name).contains(joiner)).count();
            await(nodes, names, false);
            double joinSeconds = (System.nanoTime() - t2) / 1e9;
            System.out.printf(Locale.ROOT, "join of %s: %d objects (%s) moved to it in %.1f s: %.0f MB/s%n",
                    joiner.self().ip(), moved, Sizes.format(moved * objectSize), joinSeconds, moved * objectSize / joinSeconds / 1e6);
            reading.set(false);
            reader.get();
            pool.shutdown();
            System.out.printf(Locale.ROOT, "reads while repairing: %d served, %d failed%n", reads.get(), failedReads.get());
            System.out.println("command: java -jar bench/target/bench.jar repair " + String.join(" ", argv));
        } finally {
            try (var walk = Files.walk(root)) {
                walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    private static URI url(NodeDaemon d, String name) {
        return URI.create("http://" + d.self().ip() + ":" + PortLayout.http(d.self().port()) + "/" + name);
    }

    private static List<NodeDaemon> replicaSet(List<NodeDaemon> nodes, String name) {
        List<NodeDaemon> sorted = new ArrayList<>(nodes);
        sorted.sort(Comparator.comparingLong(d -> d.self().id()));
        long key = Keys.key(name);
        int first = 0;
        while (first < sorted.size() && sorted.get(first).self().id() < key) {
            first++;
        }
        List<NodeDaemon> set = new ArrayList<>();
        for (int i = 0; i < Math.min(3, sorted.size()); i++) {
            set.add(sorted.get((first + i) % sorted.size()));
        }
        return set;
    }

    private static long middleOfLargestGap(List<NodeDaemon> nodes) {
        List<Long> ids = nodes.stream().map(d -> d.self().id()).sorted().toList();
        long best = 0;
        long bestGap = -1;
        for (int i = 0; i < ids.size(); i++) {
            long gap = Ring.distance(ids.get(i), ids.get((i + 1) % ids.size()));
            if (gap > bestGap) {
                bestGap = gap;
                best = Ring.add(ids.get(i), gap / 2);
            }
        }
        return best;
    }

    /** Until every object's replica set holds it (and, when {@code exact}, no other node does). */
    private static void await(List<NodeDaemon> nodes, List<String> names, boolean exact) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 30 * 60_000;
        while (!names.stream().allMatch(name -> settled(nodes, name, exact))) {
            if (System.currentTimeMillis() > deadline) {
                throw new IllegalStateException("replication did not settle within 30 minutes");
            }
            Thread.sleep(100);
        }
    }

    private static boolean settled(List<NodeDaemon> nodes, String name, boolean exact) {
        List<NodeDaemon> set = replicaSet(nodes, name);
        for (NodeDaemon d : nodes) {
            Optional<ObjectMeta> m = d.store().meta(name);
            boolean holds = m.isPresent() && !m.get().tombstone();
            if (set.contains(d) ? !holds : exact && holds) {
                return false;
            }
        }
        return true;
    }
}
