package io.chordfs.bench;

import io.chordfs.core.chord.ChordNode;
import io.chordfs.core.net.ChordService;
import io.chordfs.core.ring.Ring;
import io.chordfs.core.rpc.RpcClient;
import io.chordfs.core.rpc.RpcLimits;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/** find_successor on one node over loopback, each client with its own connection. */
final class RpcBench {
    private RpcBench() {}

    static void run(String[] args) throws Exception {
        int seconds = args.length > 0 ? Integer.parseInt(args[0]) : 5;
        try (ChordService node = ChordService.start(ChordService.Options.of("127.0.0.1", 0))) {
            node.create().get();
            System.out.printf(Locale.ROOT, "%8s %12s %10s %10s %10s%n", "clients", "calls/s", "p50 µs", "p99 µs", "calls");
            for (int clients : new int[] {1, 8}) {
                measure(node, clients, 1);
                Result r = measure(node, clients, seconds);
                System.out.printf(Locale.ROOT, "%8d %12.0f %10.1f %10.1f %10d%n",
                        clients, r.count / (double) seconds, r.p50 / 1e3, r.p99 / 1e3, r.count);
            }
        }
    }

    private record Result(long count, long p50, long p99) {}

    private static Result measure(ChordService node, int clients, int seconds) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        long end = System.nanoTime() + seconds * 1_000_000_000L;
        List<Future<long[]>> futures = new ArrayList<>();
        for (int c = 0; c < clients; c++) {
            int seed = c;
            futures.add(pool.submit(() -> {
                SplittableRandom random = new SplittableRandom(seed);
                long[] samples = new long[1 << 20];
                int n = 0;
                try (RpcClient client = new RpcClient(RpcLimits.defaults())) {
                    while (System.nanoTime() < end && n < samples.length) {
                        long t = System.nanoTime();
                        client.callSync(node.self().address(), ChordNode.FIND_SUCCESSOR, List.of(random.nextLong(Ring.SIZE)));
                        samples[n++] = System.nanoTime() - t;
                    }
                }
                return Arrays.copyOf(samples, n);
            }));
        }
        List<long[]> all = new ArrayList<>();
        for (Future<long[]> f : futures) {
            all.add(f.get());
        }
        pool.shutdown();
        long[] merged = all.stream().flatMapToLong(Arrays::stream).sorted().toArray();
        return new Result(merged.length, merged[merged.length / 2], merged[(int) (merged.length * 0.99)]);
    }
}
