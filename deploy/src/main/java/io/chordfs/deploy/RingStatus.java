package io.chordfs.deploy;

import io.chordfs.core.net.RingQuery;
import io.chordfs.core.ring.NodeRef;
import io.chordfs.core.rpc.RpcClient;
import io.chordfs.core.rpc.RpcLimits;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import software.amazon.awssdk.services.autoscaling.model.Instance;

/**
 * The ring as the nodes report it, the last part of {@code status}. The group's InService
 * instances are asked in turn on the Chord port until the ring can be walked from one of them
 * (chord-core's {@link RingQuery}); its members are then set beside the group: which instance
 * each one is, which InService instances are missing from it, and which members are no
 * instance of the group. Every call is bounded by {@link #TIMEOUT}.
 */
final class RingStatus {
    static final int CHORD_PORT = 5057;
    /** Per call, connecting included (the client connects within 2 s); a reachable node answers in milliseconds. */
    static final Duration TIMEOUT = Duration.ofSeconds(3);

    /** Which address of each instance to ask: the one its node announces ({@code run --aws --address}). */
    enum Address {
        PRIVATE, PUBLIC;

        String of(software.amazon.awssdk.services.ec2.model.Instance i) {
            return this == PUBLIC ? i.publicIpAddress() : i.privateIpAddress();
        }

        @Override
        public String toString() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** Where the nodes are asked: {@code --address} and {@code --port}. */
    record Target(Address address, int port) {}

    /**
     * One instance of the group.
     *
     * @param address its address of the kind asked for, or null when it has none
     */
    private record Member(String instanceId, String state, String address) {
        boolean inService() {
            return "InService".equals(state);
        }

        String label() {
            return inService() ? instanceId : instanceId + " (" + state + ")";
        }
    }

    private RingStatus() {}

    static void print(List<Instance> group, Map<String, software.amazon.awssdk.services.ec2.model.Instance> details,
                      Target target, PrintStream out) {
        List<Member> members = new ArrayList<>();
        Map<String, Member> byIp = new HashMap<>();
        for (Instance i : group) {
            var d = details.get(i.instanceId());
            Member m = new Member(i.instanceId(), i.lifecycleStateAsString(), d == null ? null : target.address().of(d));
            members.add(m);
            if (d != null) {
                // A member is recognised by either address: its node announces the one its run --address says.
                for (String ip : new String[] {d.privateIpAddress(), d.publicIpAddress()}) {
                    if (ip != null) {
                        byIp.put(ip, m);
                    }
                }
            }
        }
        List<Member> inService = members.stream().filter(Member::inService).toList();
        List<Member> entries = inService.stream().filter(m -> m.address() != null).toList();
        if (inService.isEmpty()) {
            out.println("ring: not asked: no instance is InService");
            return;
        }
        if (entries.isEmpty()) {
            out.println("ring: not asked: none of the " + inService.size() + " InService instances has a "
                    + target.address() + " address");
            return;
        }
        List<String> failures = new ArrayList<>();
        try (RpcClient rpc = new RpcClient(RpcLimits.defaults())) {
            RingQuery query = new RingQuery(rpc, TIMEOUT);
            for (Member entry : entries) {
                try {
                    List<NodeRef> ring = query.members(new InetSocketAddress(entry.address(), target.port()));
                    printRing(ring, inService, byIp, entry, target, out);
                    return;
                } catch (IOException e) {
                    failures.add(entry.instanceId() + ": " + e.getMessage());
                }
            }
        }
        out.println("ring: could not be walked from any of the " + entries.size() + " InService instances' "
                + target.address() + " addresses on port " + target.port() + ":");
        failures.forEach(f -> out.println("  " + f));
    }

    private static void printRing(List<NodeRef> ring, List<Member> inService, Map<String, Member> byIp, Member entry,
                                  Target target, PrintStream out) {
        Set<Member> found = new HashSet<>();
        int strangers = 0;
        for (NodeRef n : ring) {
            Member m = byIp.get(n.ip());
            if (m == null) {
                strangers++;
            } else {
                found.add(m);
            }
        }
        List<Member> missing = inService.stream().filter(m -> !found.contains(m)).toList();
        out.printf(Locale.ROOT, "ring: %d member%s, walked from %s:%d (%s, %s address); %d of %d InService instances"
                        + " in it%s%n", ring.size(), ring.size() == 1 ? "" : "s", entry.address(), target.port(),
                entry.instanceId(), target.address(), inService.size() - missing.size(), inService.size(),
                strangers == 0 ? "" : "; " + strangers + " not in the group");
        // Ring order from the lowest id: the same lines whichever member was asked.
        NodeRef lowest = ring.stream().min(Comparator.comparingLong(NodeRef::id)).orElseThrow();
        int start = ring.indexOf(lowest);
        for (int k = 0; k < ring.size(); k++) {
            NodeRef n = ring.get((start + k) % ring.size());
            Member m = byIp.get(n.ip());
            out.printf(Locale.ROOT, "  %-21s id %10d  %s%n", n.ip() + ":" + n.port(), n.id(),
                    m == null ? "NOT IN THE GROUP" : m.label());
        }
        for (Member m : missing) {
            out.println("  NOT IN THE RING: " + m.instanceId() + " (InService, "
                    + (m.address() == null ? "no " + target.address() + " address" : m.address()) + ")");
        }
    }
}
