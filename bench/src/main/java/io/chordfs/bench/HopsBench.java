package io.chordfs.bench;

import io.chordfs.core.chord.ChordConfig;
import io.chordfs.core.sim.SimRing;

import java.util.Locale;

/** Lookup path lengths in simulated rings built by the real protocol code. */
final class HopsBench {
    private static final int LOOKUPS_PER_NODE_BUDGET = 100_000;

    private HopsBench() {}

    static void run(String[] args) {
        int[] sizes = args.length == 0 ? new int[] {10, 100, 1000, 10000} : java.util.Arrays.stream(args).mapToInt(Integer::parseInt).toArray();
        System.out.printf(Locale.ROOT, "%8s %10s %10s %9s %9s %12s %10s%n",
                "N", "mean hops", "½·log2 N", "max hops", "correct", "messages", "wall s");
        for (int n : sizes) {
            long t0 = System.nanoTime();
            SimRing ring = SimRing.build(n, n, ChordConfig.defaults());
            ring.sim().runFor(60_000);
            int perNode = Math.max(1, Math.min(100, LOOKUPS_PER_NODE_BUDGET / n));
            SimRing.LookupStats s = ring.lookupFromEveryNode(perNode);
            double wall = (System.nanoTime() - t0) / 1e9;
            System.out.printf(Locale.ROOT, "%8d %10.2f %10.2f %9d %8.2f%% %12d %10.1f%n",
                    n, s.meanHops(), 0.5 * Math.log(n) / Math.log(2), s.maxHops(),
                    100.0 * s.correct() / s.total(), ring.sim().messages(), wall);
        }
    }
}
