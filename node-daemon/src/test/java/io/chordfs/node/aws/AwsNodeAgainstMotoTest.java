package io.chordfs.node.aws;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.chordfs.core.chord.ChordConfig;
import io.chordfs.core.chord.ChordNode;
import io.chordfs.core.chord.Wire;
import io.chordfs.core.ring.Keys;
import io.chordfs.core.ring.NodeRef;
import io.chordfs.core.rpc.RpcClient;
import io.chordfs.core.rpc.RpcLimits;
import io.chordfs.node.daemon.NodeDaemon;
import io.chordfs.testsupport.MotoServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.autoscaling.AutoScalingClient;
import software.amazon.awssdk.services.cloudwatch.CloudWatchClient;
import software.amazon.awssdk.services.cloudwatch.model.Dimension;
import software.amazon.awssdk.services.ec2.Ec2Client;

/**
 * The whole {@code run --aws} path: a one-instance group in moto, identity from the local
 * IMDSv2 server, the node on a loopback address standing in for the instance's: discovery
 * creates the ring, the metric reaches moto's CloudWatch, and a Terminated target state drains
 * the node and completes the (recorded) lifecycle action, ending the run.
 */
class AwsNodeAgainstMotoTest {
    private static MotoServer moto;
    private static AwsClients aws;

    @BeforeAll
    static void startMoto() throws Exception {
        moto = MotoServer.start();
        aws = new AwsClients(moto.aim(Ec2Client.builder()).build(), moto.aim(AutoScalingClient.builder()).build(),
                moto.aim(CloudWatchClient.builder()).build());
    }

    @AfterAll
    static void stopMoto() {
        if (aws != null) {
            aws.close();
        }
        if (moto != null) {
            moto.close();
        }
    }

    private static String oneInstanceGroup(String name) {
        aws.ec2().createLaunchTemplate(r -> r.launchTemplateName(name + "-lt")
                .launchTemplateData(d -> d.imageId("ami-12c6146b").instanceType("t3.micro")));
        aws.autoscaling().createAutoScalingGroup(r -> r.autoScalingGroupName(name)
                .launchTemplate(t -> t.launchTemplateName(name + "-lt").version("$Latest"))
                .minSize(0).maxSize(3).desiredCapacity(1).availabilityZones("us-east-1a"));
        return aws.autoscaling().describeAutoScalingGroups(r -> r.autoScalingGroupNames(name)).autoScalingGroups()
                .get(0).instances().get(0).instanceId();
    }

    private static final AwsNode.Timing FAST = new AwsNode.Timing(300, 3_000, 50, 200, 200, 30, 50, 5_000);

    @Test
    void startsTheRingPublishesAndDrainsOnScaleIn(@TempDir Path dir) throws Exception {
        String id = oneInstanceGroup("wire");
        assertEquals("wire", Ec2GroupTag.groupOf(aws.ec2(), id).orElseThrow(), "the group tag via DescribeTags");
        LifecycleWatcherTest.Recording actions = new LifecycleWatcherTest.Recording();
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(log, true);
        String ip = "127.0.67.1";
        try (FakeImds server = new FakeImds()
                     .put("instance-id", id).put("local-ipv4", ip).put("placement/region", "us-east-1")
                     .put("tags/instance/aws:autoscaling:groupName", "wire")
                     .put(LifecycleWatcher.STATE_PATH, "InService");
             Imds imds = Imds.connect(server.endpoint());
             RpcClient rpc = new RpcClient(RpcLimits.defaults())) {
            InstanceIdentity me = AwsNode.identity(imds, null);
            assertEquals(new InstanceIdentity(id, ip, null, "us-east-1", "wire"), me);
            NodeDaemon.Config config = NodeDaemon.Config.of(ip, dir).withChord(ChordConfig.defaults().withPeriods(50, 50));
            ExecutorService pool = Executors.newSingleThreadExecutor();
            Future<Integer> run = pool.submit(() -> new AwsNode(aws, imds, actions, FAST)
                    .run(config, me, AddressKind.PRIVATE, out, out));
            pool.shutdown();

            // The metric arrives once discovery is done.
            Dimension instance = Dimension.builder().name("InstanceId").value(id).build();
            long deadline = System.currentTimeMillis() + 20_000;
            while (aws.cloudwatch().listMetrics(r -> r.namespace("ChordFS").metricName("disk_used_percent")
                    .dimensions(d -> d.name("InstanceId").value(id))).metrics().isEmpty()) {
                assertTrue(System.currentTimeMillis() < deadline, "no metric from the node: " + log);
                Thread.sleep(100);
            }
            assertTrue(log.toString().contains("has the lowest instance id: started a new ring"), log.toString());
            // In a ring: lookups are answered (a node in no ring refuses them).
            Object succ = rpc.callSync(new InetSocketAddress(ip, 5057), ChordNode.FIND_SUCCESSOR, List.of(12345L),
                    Duration.ofSeconds(2));
            assertTrue(succ.toString().contains(ip), String.valueOf(succ));
            assertTrue(actions.events.isEmpty(), actions.events.toString());

            server.put(LifecycleWatcher.STATE_PATH, "Terminated");
            assertEquals(0, run.get(20, TimeUnit.SECONDS), log.toString());
        }
        assertTrue(actions.events.contains("heartbeat"), actions.events.toString());
        assertEquals("complete", actions.events.get(actions.events.size() - 1), actions.events.toString());
        assertFalse(portOpen(ip, 5057), "the node has left and stopped");
        assertTrue(log.toString().contains("lifecycle action completed"), log.toString());
    }

    @Test
    void addressPublicAnnouncesThePublicIpAndListensOnThePrivateOne(@TempDir Path dir) throws Exception {
        String id = oneInstanceGroup("pub");
        LifecycleWatcherTest.Recording actions = new LifecycleWatcherTest.Recording();
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(log, true);
        // Two random loopback addresses stand in for the private and the public one. Nothing routes
        // the second to the first here (EC2 does): only what the node binds and says is checked.
        ThreadLocalRandom r = ThreadLocalRandom.current();
        String prefix = "127." + r.nextInt(100, 255) + "." + r.nextInt(0, 256) + ".";
        String privateIp = prefix + "10";
        String publicIp = prefix + "20";
        try (FakeImds server = new FakeImds()
                     .put("instance-id", id).put("local-ipv4", privateIp).put("public-ipv4", publicIp)
                     .put("placement/region", "us-east-1").put("tags/instance/aws:autoscaling:groupName", "pub")
                     .put(LifecycleWatcher.STATE_PATH, "InService");
             Imds imds = Imds.connect(server.endpoint());
             RpcClient rpc = new RpcClient(RpcLimits.defaults())) {
            InstanceIdentity me = AwsNode.identity(imds, null);
            assertEquals(publicIp, me.address(AddressKind.PUBLIC));
            // As run --aws --address public makes it: the node's address is the one it announces.
            NodeDaemon.Config config = NodeDaemon.Config.of(me.address(AddressKind.PUBLIC), dir)
                    .withChord(ChordConfig.defaults().withPeriods(50, 50));
            ExecutorService pool = Executors.newSingleThreadExecutor();
            Future<Integer> run = pool.submit(() -> new AwsNode(aws, imds, actions, FAST)
                    .run(config, me, AddressKind.PUBLIC, out, out));
            pool.shutdown();

            long deadline = System.currentTimeMillis() + 20_000;
            while (!log.toString().contains("started a new ring")) {
                assertTrue(System.currentTimeMillis() < deadline, "the node did not start its ring: " + log);
                Thread.sleep(50);
            }
            InetSocketAddress listening = new InetSocketAddress(privateIp, 5057);
            NodeRef announced = new NodeRef(publicIp, 5057, Keys.nodeId(publicIp, 5057));
            assertEquals(announced, Wire.parseNode("get_info", rpc.callSync(listening, ChordNode.GET_INFO, List.of(),
                    Duration.ofSeconds(2))));
            assertEquals(announced, Wire.parseNode("find_successor", rpc.callSync(listening, ChordNode.FIND_SUCCESSOR,
                    List.of(12345L), Duration.ofSeconds(2))), "its ring names it by the public address");
            for (int port : new int[] {5057, 5058, 5059}) {
                assertTrue(portOpen(privateIp, port), "listening on the private address, port " + port);
                assertFalse(portOpen(publicIp, port), "nothing bound to the public address, port " + port);
            }
            assertTrue(log.toString().contains("node " + announced + " listening on " + privateIp), log.toString());

            server.put(LifecycleWatcher.STATE_PATH, "Terminated");
            assertEquals(0, run.get(20, TimeUnit.SECONDS), log.toString());
        }
        assertFalse(portOpen(privateIp, 5057), "the node has left and stopped");
    }

    private static boolean portOpen(String ip, int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(ip, port), 300);
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
