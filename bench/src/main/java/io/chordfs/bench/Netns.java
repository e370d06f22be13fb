package io.chordfs.bench;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A real network partition for the fault suite: a network namespace joined to the host by a veth
 * pair, on a /24 of 198.18.0.0/15 (the range reserved for network benchmarks). Nodes in the host
 * namespace bind addresses added to the host end; a node started inside the namespace binds its
 * own. {@link #cut} drops everything the namespace sends to that /24 (a blackhole rule), so
 * peers' connections to the node time out as they would across a broken link, while the node
 * still reaches itself; {@link #heal} removes the rule. Needs root and iproute2.
 */
final class Netns implements AutoCloseable {
    private static final int RULE_PRIORITY = 100;

    private final String name;
    private final String hostLink;
    private final String guestLink;
    private final String prefix;
    private int nextGuest = 200;

    private Netns(String tag, String prefix) {
        this.name = "cfs-" + tag;
        this.hostLink = "cfsh-" + tag;
        this.guestLink = "cfsg-" + tag;
        this.prefix = prefix;
    }

    /** Sets one up, or explains why not (not root, no iproute2, no namespaces). */
    static Netns create() throws IOException {
        ThreadLocalRandom r = ThreadLocalRandom.current();
        String tag = Integer.toHexString(r.nextInt(0x10000, 0x100000));
        Netns n = new Netns(tag, "198." + r.nextInt(18, 20) + "." + r.nextInt(0, 256) + ".");
        try {
            ip("netns", "add", n.name);
            ip("link", "add", n.hostLink, "type", "veth", "peer", "name", n.guestLink, "netns", n.name);
            ip("addr", "add", n.prefix + "1/24", "dev", n.hostLink);
            ip("link", "set", n.hostLink, "up");
            ip("-n", n.name, "link", "set", "lo", "up");
            ip("-n", n.name, "link", "set", n.guestLink, "up");
        } catch (IOException e) {
            n.close();
            throw e;
        }
        return n;
    }

    /** The first three octets and a dot: host-side nodes take addresses {@code prefix + 11..199}. */
    String prefix() {
        return prefix;
    }

    /** Makes {@code ip} (in this /24) an address of the host namespace. */
    void addHostAddress(String ip) throws IOException {
        ip("addr", "add", ip + "/32", "dev", hostLink);
    }

    /** A fresh address inside the namespace, for one more node that runs there. */
    String newGuestAddress() throws IOException {
        String ip = prefix + nextGuest++;
        ip("-n", name, "addr", "add", ip + "/24", "dev", guestLink);
        return ip;
    }

    /** The command prefix that runs a program inside the namespace. */
    List<String> exec() {
        return List.of("ip", "netns", "exec", name);
    }

    void cut() throws IOException {
        ip("-n", name, "rule", "add", "to", prefix + "0/24", "prio", Integer.toString(RULE_PRIORITY), "blackhole");
    }

    void heal() throws IOException {
        ip("-n", name, "rule", "del", "prio", Integer.toString(RULE_PRIORITY));
    }

    String describe() {
        return "namespace " + name + ", " + prefix + "0/24";
    }

    /** Deletes the namespace and the veth pair; call once no process runs inside any more. */
    @Override
    public void close() {
        for (String[] cmd : new String[][] {{"netns", "del", name}, {"link", "del", hostLink}}) {
            try {
                ip(cmd);
            } catch (IOException ignored) {
                // already gone with the namespace, or never made
            }
        }
    }

    private static void ip(String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of("ip"));
        cmd.addAll(List.of(args));
        Shell.run(cmd);
    }
}
