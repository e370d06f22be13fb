package io.chordfs.node.aws;

import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * Puts a booting node into its group's ring, never making a second ring.
 *
 * <p>Each round lists the group's members (Pending or InService; Terminating and Standby
 * instances are not asked) and tries every other member's Chord port: the first that answers
 * and lets this node join wins. When none does, this node creates a new ring only if its
 * instance id is the lowest of the members and itself; otherwise it waits (backoff doubling up
 * to a bound) and tries again, forever. Instance ids compare as strings ({@code i-0abc...} ids
 * have a fixed width per account era, and a string order is what AWS users expect to read);
 * what matters is only that every node applies the same total order to the same ids. Two
 * instances booting together thus agree: the lower one creates, the other joins it. Pending
 * members count too, so two instances that are both still Pending do not each see themselves
 * as alone.
 *
 * <p>A member whose node answers but is in no ring yet refuses the join (its lookups fail), so
 * a node never joins through another booting node.
 */
public final class Discovery {
    /** How this node ended up in a ring. */
    public record Outcome(boolean created, InetSocketAddress via, int rounds) {}

    private final GroupMembers members;
    private final String self;
    private final RingEntry entry;
    private final int port;
    private final long firstBackoffMs;
    private final long maxBackoffMs;
    private final PrintStream log;

    public Discovery(GroupMembers members, String selfInstanceId, RingEntry entry, int port,
                     long firstBackoffMs, long maxBackoffMs, PrintStream log) {
        this.members = members;
        this.self = selfInstanceId;
        this.entry = entry;
        this.port = port;
        this.firstBackoffMs = firstBackoffMs;
        this.maxBackoffMs = maxBackoffMs;
        this.log = log;
    }

    /** Rounds until this node is in a ring; throws InterruptedException if interrupted first. */
    public Outcome run() throws InterruptedException {
        long backoff = firstBackoffMs;
        for (int round = 1; ; round++) {
            Optional<Outcome> done = round(round);
            if (done.isPresent()) {
                return done.get();
            }
            Thread.sleep(backoff);
            backoff = Math.min(maxBackoffMs, backoff * 2);
        }
    }

    /** One round: join through a member, or create when this node is the lowest, or nothing. */
    Optional<Outcome> round(int round) {
        List<Member> group;
        try {
            group = members.list().stream().filter(Member::isLiveOrStarting)
                    .sorted(Comparator.comparing(Member::instanceId)).toList();
        } catch (RuntimeException e) {
            log.println("discovery round " + round + ": cannot list the group: " + e.getMessage() + "; retrying");
            return Optional.empty();
        }
        for (Member m : group) {
            if (m.instanceId().equals(self) || m.address() == null) {
                continue;
            }
            InetSocketAddress peer = new InetSocketAddress(m.address(), port);
            if (!entry.answers(peer)) {
                continue;
            }
            try {
                entry.join(peer);
                log.println("joined the ring through " + m.instanceId() + " (" + m.address() + ":" + port + ")");
                return Optional.of(new Outcome(false, peer, round));
            } catch (IOException e) {
                log.println("discovery round " + round + ": " + m.instanceId() + " answers but " + e.getMessage());
            }
        }
        String lowest = group.stream().map(Member::instanceId).filter(id -> id.compareTo(self) < 0)
                .findFirst().orElse(self);
        if (lowest.equals(self)) {
            entry.create();
            log.println("no member of the group answered and " + self + " has the lowest instance id: started a new ring");
            return Optional.of(new Outcome(true, null, round));
        }
        log.println("discovery round " + round + ": no ring found among " + group.size() + " members; waiting for "
                + lowest + " (lowest instance id) to start one");
        return Optional.empty();
    }
}
