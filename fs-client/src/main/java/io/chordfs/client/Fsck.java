package io.chordfs.client;

import io.chordfs.core.ring.ObjectNames;
import io.chordfs.core.ring.NodeRef;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The replication invariant, checked from outside: every object's newest version is on exactly
 * the first R distinct nodes from its owner, in ring order, and nowhere else.
 */
final class Fsck {
    private Fsck() {}

    /** Where one object stands. Node lists are "ip:port" of the file port. */
    record Health(String name, long key, long version, List<String> replicaSet, List<String> missing,
                  List<String> stale, List<String> extra) {
        boolean healthy() {
            return missing.isEmpty() && stale.isEmpty() && extra.isEmpty();
        }
    }

    static List<Health> check(RingClient ring, int replicas) throws ClientException {
        List<NodeRef> members = new ArrayList<>(ring.members());
        members.sort(Comparator.comparingLong(NodeRef::id));
        Map<String, Map<NodeRef, Long>> versions = new TreeMap<>();
        for (NodeRef n : members) {
            for (Admin.Entry e : Admin.listing(ring, n, true)) {
                versions.computeIfAbsent(e.name(), k -> new HashMap<>()).put(n, e.version());
            }
        }
        List<Health> out = new ArrayList<>();
        for (Map.Entry<String, Map<NodeRef, Long>> object : versions.entrySet()) {
            String name = object.getKey();
            Map<NodeRef, Long> held = object.getValue();
            long newest = held.values().stream().mapToLong(Long::longValue).max().orElseThrow();
            long key = ObjectNames.placementKey(name);
            List<NodeRef> set = replicaSet(members, key, replicas);
            List<String> missing = new ArrayList<>();
            List<String> stale = new ArrayList<>();
            List<String> extra = new ArrayList<>();
            for (NodeRef n : set) {
                Long v = held.get(n);
                if (v == null) {
                    missing.add(RingClient.where(n));
                } else if (v < newest) {
                    stale.add(RingClient.where(n));
                }
            }
            for (NodeRef n : held.keySet()) {
                if (!set.contains(n)) {
                    extra.add(RingClient.where(n));
                }
            }
            out.add(new Health(name, key, newest, set.stream().map(RingClient::where).toList(), missing, stale, extra));
        }
        return out;
    }

    /** The first {@code replicas} members from successor(key), members sorted by id. */
    static List<NodeRef> replicaSet(List<NodeRef> sorted, long key, int replicas) {
        int first = 0;
        while (first < sorted.size() && sorted.get(first).id() < key) {
            first++;
        }
        List<NodeRef> set = new ArrayList<>();
        for (int i = 0; i < Math.min(replicas, sorted.size()); i++) {
            set.add(sorted.get((first + i) % sorted.size()));
        }
        return set;
    }
}
