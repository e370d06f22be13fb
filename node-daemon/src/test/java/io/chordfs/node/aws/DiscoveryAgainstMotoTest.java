package io.chordfs.node.aws;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.chordfs.core.chord.ChordConfig;
import io.chordfs.core.ring.NodeRef;
import io.chordfs.node.daemon.NodeDaemon;
import io.chordfs.node.peer.PortLayout;
import io.chordfs.testsupport.MotoServer;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.autoscaling.AutoScalingClient;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.ec2.model.Instance;

/**
 * Discovery against moto through the real SDK: the group's members come from
 * DescribeAutoScalingGroups and DescribeInstances. moto's instance addresses are not reachable
 * here, so each instance id is mapped to a real node on a 127.x address (the only thing
 * injected); the ring decisions run against real nodes.
 */
class DiscoveryAgainstMotoTest {
    private static MotoServer moto;
    private static Ec2Client ec2;
    private static AutoScalingClient autoscaling;
    private static int groups;

    private final List<NodeDaemon> nodes = new ArrayList<>();
    private final ByteArrayOutputStream log = new ByteArrayOutputStream();
    private final PrintStream out = new PrintStream(log, true);

    @BeforeAll
    static void startMoto() throws Exception {
        moto = MotoServer.start();
        ec2 = moto.aim(Ec2Client.builder()).build();
        autoscaling = moto.aim(AutoScalingClient.builder()).build();
    }

    @AfterAll
    static void stopMoto() {
        if (ec2 != null) {
            ec2.close();
            autoscaling.close();
        }
        if (moto != null) {
            moto.close();
        }
    }

    @AfterEach
    void stopNodes() {
        nodes.forEach(NodeDaemon::halt);
    }

    /** A group of {@code n} InService instances in moto; returns its name. */
    private static String group(int n) {
        String name = "disc" + (++groups);
        ec2.createLaunchTemplate(r -> r.launchTemplateName(name + "-lt")
                .launchTemplateData(d -> d.imageId("ami-12c6146b").instanceType("t3.micro")));
        autoscaling.createAutoScalingGroup(r -> r.autoScalingGroupName(name)
                .launchTemplate(t -> t.launchTemplateName(name + "-lt").version("$Latest"))
                .minSize(0).maxSize(10).desiredCapacity(n).availabilityZones("us-east-1a"));
        return name;
    }

    private static List<String> sortedIds(List<Member> members) {
        return members.stream().map(Member::instanceId).sorted().toList();
    }

    private NodeDaemon node(Path dir, String ip) throws Exception {
        NodeDaemon d = NodeDaemon.start(NodeDaemon.Config.of(ip, dir.resolve(ip))
                .withChord(ChordConfig.defaults().withPeriods(50, 50)));
        nodes.add(d);
        return d;
    }

    private Discovery discovery(GroupMembers members, String self, NodeDaemon node) {
        return new Discovery(members, self, new NodeRingEntry(node, Duration.ofMillis(500), 5_000), PortLayout.CHORD,
                50, 400, out);
    }

    @Test
    void listsTheGroupsInstancesWithTheirAddresses() {
        String name = group(3);
        List<Member> members = new AwsGroupMembers(autoscaling, ec2, name, AddressKind.PRIVATE).list();
        assertEquals(3, members.size());
        Map<String, Instance> described = new HashMap<>();
        ec2.describeInstances(r -> r.instanceIds(sortedIds(members))).reservations()
                .forEach(res -> res.instances().forEach(i -> described.put(i.instanceId(), i)));
        for (Member m : members) {
            assertEquals("InService", m.lifecycleState());
            assertTrue(m.isLiveOrStarting());
            assertNotNull(m.address(), m.toString());
            assertEquals(described.get(m.instanceId()).privateIpAddress(), m.address());
        }
        for (Member m : new AwsGroupMembers(autoscaling, ec2, name, AddressKind.PUBLIC).list()) {
            assertEquals(described.get(m.instanceId()).publicIpAddress(), m.address());
        }
    }

    /** The group's members from moto, each address replaced by its stand-in node's. */
    private static GroupMembers mapped(String group, Map<String, String> addressOf) {
        AwsGroupMembers aws = new AwsGroupMembers(autoscaling, ec2, group, AddressKind.PRIVATE);
        return () -> aws.list().stream().map(m -> m.withAddress(addressOf.get(m.instanceId()))).toList();
    }

    @Test
    void instancesBootingTogetherMakeOneRingCreatedByTheLowestId(@TempDir Path dir) throws Exception {
        String name = group(3);
        List<String> ids = sortedIds(new AwsGroupMembers(autoscaling, ec2, name, AddressKind.PRIVATE).list());
        // Addresses deliberately not in id order.
        Map<String, String> addressOf = Map.of(ids.get(0), "127.0.62.3", ids.get(1), "127.0.62.1", ids.get(2), "127.0.62.2");
        GroupMembers members = mapped(name, addressOf);
        Map<String, NodeDaemon> byId = new HashMap<>();
        for (String id : ids) {
            byId.put(id, node(dir, addressOf.get(id)));
        }
        ExecutorService pool = Executors.newFixedThreadPool(3);
        Map<String, Future<Discovery.Outcome>> outcomes = new HashMap<>();
        for (String id : List.of(ids.get(2), ids.get(1), ids.get(0))) {
            outcomes.put(id, pool.submit(() -> discovery(members, id, byId.get(id)).run()));
        }
        pool.shutdown();
        Map<String, Discovery.Outcome> done = new HashMap<>();
        for (String id : ids) {
            done.put(id, outcomes.get(id).get(45, TimeUnit.SECONDS));
        }
        assertTrue(done.get(ids.get(0)).created(), "the lowest id creates: " + done + "\n" + log);
        assertFalse(done.get(ids.get(1)).created(), log.toString());
        assertFalse(done.get(ids.get(2)).created(), log.toString());
        awaitOneRing(byId.values());
    }

    @Test
    void othersWaitForTheLowestThenJoinIt(@TempDir Path dir) throws Exception {
        String name = group(3);
        List<String> ids = sortedIds(new AwsGroupMembers(autoscaling, ec2, name, AddressKind.PRIVATE).list());
        Map<String, String> addressOf = Map.of(ids.get(0), "127.0.63.1", ids.get(1), "127.0.63.2", ids.get(2), "127.0.63.3");
        GroupMembers members = mapped(name, addressOf);
        NodeDaemon second = node(dir, "127.0.63.2");
        NodeDaemon third = node(dir, "127.0.63.3");
        // The lowest instance's node is not up yet: nobody may start a ring.
        for (int round = 1; round <= 2; round++) {
            assertTrue(discovery(members, ids.get(1), second).round(round).isEmpty());
            assertTrue(discovery(members, ids.get(2), third).round(round).isEmpty());
        }
        assertFalse(second.chord().node().inRing());
        assertFalse(third.chord().node().inRing());
        assertTrue(log.toString().contains("waiting for " + ids.get(0)), log.toString());

        NodeDaemon first = node(dir, "127.0.63.1");
        Discovery.Outcome lowest = discovery(members, ids.get(0), first).run();
        assertTrue(lowest.created(), log.toString());
        Discovery.Outcome o2 = discovery(members, ids.get(1), second).run();
        Discovery.Outcome o3 = discovery(members, ids.get(2), third).run();
        assertFalse(o2.created());
        assertFalse(o3.created());
        assertEquals("127.0.63.1", o2.via().getHostString(), "the only ring member then is the lowest");
        awaitOneRing(List.of(first, second, third));
    }

    @Test
    void membersOnStandbyDoNotCountForTheLowestId(@TempDir Path dir) throws Exception {
        String name = group(2);
        List<String> ids = sortedIds(new AwsGroupMembers(autoscaling, ec2, name, AddressKind.PRIVATE).list());
        autoscaling.enterStandby(r -> r.autoScalingGroupName(name).instanceIds(ids.get(0))
                .shouldDecrementDesiredCapacity(true));
        List<Member> now = new AwsGroupMembers(autoscaling, ec2, name, AddressKind.PRIVATE).list();
        assertTrue(now.stream().anyMatch(m -> m.instanceId().equals(ids.get(0)) && !m.isLiveOrStarting()), now.toString());
        NodeDaemon higher = node(dir, "127.0.64.2");
        Discovery.Outcome o = discovery(mapped(name, Map.of(ids.get(0), "127.0.64.1", ids.get(1), "127.0.64.2")),
                ids.get(1), higher).run();
        assertTrue(o.created(), "the lowest live member creates: " + log);
        assertEquals(1, o.rounds());
    }

    /** Waits until the nodes' successor pointers form one cycle through all of them. */
    private static void awaitOneRing(java.util.Collection<NodeDaemon> all) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 20_000;
        Set<NodeRef> members = new HashSet<>();
        all.forEach(n -> members.add(n.self()));
        String last = "";
        while (System.currentTimeMillis() < deadline) {
            Map<NodeRef, NodeRef> next = new HashMap<>();
            all.forEach(n -> next.put(n.self(), n.chord().node().successor()));
            Set<NodeRef> seen = new HashSet<>();
            NodeRef at = all.iterator().next().self();
            for (int i = 0; i < members.size() && at != null; i++) {
                seen.add(at);
                at = next.get(at);
            }
            if (seen.equals(members) && at != null && at.equals(all.iterator().next().self())
                    && all.stream().allMatch(n -> n.chord().node().inRing())) {
                return;
            }
            last = next.toString();
            Thread.sleep(50);
        }
        throw new AssertionError("no single ring of " + members + ": successors " + last);
    }
}
