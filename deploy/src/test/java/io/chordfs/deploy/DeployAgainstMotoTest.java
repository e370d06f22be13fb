package io.chordfs.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.chordfs.core.chord.ChordConfig;
import io.chordfs.core.net.ChordService;
import io.chordfs.core.net.RingQuery;
import io.chordfs.core.ring.Keys;
import io.chordfs.core.ring.NodeRef;
import io.chordfs.core.rpc.RpcClient;
import io.chordfs.core.rpc.RpcLimits;
import io.chordfs.testsupport.MotoServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.autoscaling.model.AutoScalingGroup;
import software.amazon.awssdk.services.autoscaling.model.LifecycleHook;
import software.amazon.awssdk.services.autoscaling.model.ScalingPolicy;
import software.amazon.awssdk.services.cloudwatch.model.ComparisonOperator;
import software.amazon.awssdk.services.cloudwatch.model.Dimension;
import software.amazon.awssdk.services.cloudwatch.model.MetricAlarm;
import software.amazon.awssdk.services.cloudwatch.model.Statistic;
import software.amazon.awssdk.services.ec2.model.Filter;
import software.amazon.awssdk.services.ec2.model.Instance;
import software.amazon.awssdk.services.ec2.model.IpPermission;
import software.amazon.awssdk.services.ec2.model.LaunchTemplateHttpTokensState;
import software.amazon.awssdk.services.ec2.model.LaunchTemplateVersion;
import software.amazon.awssdk.services.ec2.model.ResponseLaunchTemplateData;
import software.amazon.awssdk.services.ec2.model.SecurityGroup;
import software.amazon.awssdk.services.ec2.model.Subnet;

/**
 * deploy.jar's commands against moto's server mode, through the real AWS SDK. Every assertion
 * reads the emulator's state back with the SDK. Each test uses its own deployment NAME.
 */
class DeployAgainstMotoTest {
    static MotoServer moto;
    static Aws aws;
    static final Pattern SECRET = Pattern.compile("(?m)^CHORDFS_CLUSTER_SECRET=([0-9a-f]{64})$");

    record Result(int code, String out, String err) {}

    @BeforeAll
    static void startMoto() throws Exception {
        moto = MotoServer.start();
        // Fake credentials for the SDK's default chain (system properties come first in it).
        System.setProperty("aws.accessKeyId", "testing");
        System.setProperty("aws.secretAccessKey", "testing");
        aws = new Aws("us-east-1", moto.endpoint(), null);
    }

    @AfterAll
    static void stopMoto() {
        if (aws != null) aws.close();
        if (moto != null) moto.close();
    }

    static Result deploy(String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(List.of("--region", "us-east-1", "--endpoint-url", moto.endpoint()));
        return raw(all.toArray(String[]::new));
    }

    /** {@code deploy} exactly as given: no --region or --endpoint-url added. */
    static Result raw(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = Main.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    static Result up(String name, String... extra) {
        List<String> args = new ArrayList<>(List.of("up", "--name", name, "--ami", "ami-12c6146b",
                "--instance-profile", "chordfs-node"));
        args.addAll(List.of(extra));
        Result r = deploy(args.toArray(String[]::new));
        assertEquals(0, r.code(), () -> "up failed: " + r);
        return r;
    }

    // ---- the emulator's state, read with the SDK -------------------------------------------

    static List<SecurityGroup> securityGroups(String name) {
        return aws.ec2.describeSecurityGroups(r -> r.filters(f("group-name", name + "-chordfs"))).securityGroups();
    }

    static List<LaunchTemplateVersion> templateVersions(String name) {
        return aws.ec2.describeLaunchTemplates(r -> r.filters(f("launch-template-name", name + "-chordfs")))
                .launchTemplates().isEmpty() ? List.of()
                : aws.ec2.describeLaunchTemplateVersions(r -> r.launchTemplateName(name + "-chordfs"))
                        .launchTemplateVersions();
    }

    static ResponseLaunchTemplateData defaultTemplateData(String name) {
        return aws.ec2.describeLaunchTemplateVersions(r -> r.launchTemplateName(name + "-chordfs").versions("$Default"))
                .launchTemplateVersions().get(0).launchTemplateData();
    }

    static List<AutoScalingGroup> groups(String name) {
        return aws.autoscaling.describeAutoScalingGroups(r -> r.autoScalingGroupNames(name)).autoScalingGroups();
    }

    static List<LifecycleHook> hooks(String name) {
        return aws.autoscaling.describeLifecycleHooks(r -> r.autoScalingGroupName(name)).lifecycleHooks();
    }

    static List<ScalingPolicy> policies(String name) {
        return aws.autoscaling.describePolicies(r -> r.autoScalingGroupName(name)).scalingPolicies();
    }

    static List<MetricAlarm> alarms(String name) {
        return aws.cloudwatch.describeAlarms(r -> r.alarmNamePrefix(name + "-")).metricAlarms();
    }

    static List<Instance> instances(String name, String... states) {
        return aws.ec2.describeInstances(r -> r.filters(f("tag:chordfs:deployment", name),
                        f("instance-state-name", states)))
                .reservations().stream().flatMap(res -> res.instances().stream()).toList();
    }

    static List<String> defaultSubnets() {
        String vpc = aws.ec2.describeVpcs(r -> r.filters(f("isDefault", "true"))).vpcs().get(0).vpcId();
        return aws.ec2.describeSubnets(r -> r.filters(f("vpc-id", vpc))).subnets().stream()
                .map(Subnet::subnetId).sorted().toList();
    }

    static String userData(ResponseLaunchTemplateData data) {
        return new String(Base64.getDecoder().decode(data.userData()), StandardCharsets.UTF_8);
    }

    static String secretIn(ResponseLaunchTemplateData data) {
        Matcher m = SECRET.matcher(userData(data));
        assertTrue(m.find(), "user data has no CHORDFS_CLUSTER_SECRET line");
        return m.group(1);
    }

    static Set<String> rules(SecurityGroup g) {
        Set<String> rules = new java.util.TreeSet<>();
        for (IpPermission p : g.ipPermissions()) {
            p.userIdGroupPairs().forEach(u -> rules.add(p.ipProtocol() + " " + p.fromPort() + "-" + p.toPort() + " " + u.groupId()));
            p.ipRanges().forEach(c -> rules.add(p.ipProtocol() + " " + p.fromPort() + "-" + p.toPort() + " " + c.cidrIp()));
        }
        return rules;
    }

    static Filter f(String name, String... values) {
        return Filter.builder().name(name).values(values).build();
    }

    static void assertNothingLeft(String name) {
        assertTrue(groups(name).isEmpty(), "auto scaling group left");
        assertTrue(hooks(name).isEmpty(), "lifecycle hook left");
        assertTrue(policies(name).isEmpty(), "scaling policy left");
        assertTrue(alarms(name).isEmpty(), "alarm left");
        assertTrue(templateVersions(name).isEmpty(), "launch template left");
        assertTrue(securityGroups(name).isEmpty(), "security group left");
        assertTrue(instances(name, "pending", "running", "shutting-down", "stopping", "stopped").isEmpty(),
                "instance not terminated");
    }

    /**
     * A subnet whose addresses are loopback addresses here: moto gives each instance a private IP
     * out of its subnet's CIDR, so nodes in this JVM can listen on the instances' own addresses.
     * The /16 is random, so runs side by side do not meet on the same addresses.
     */
    static String loopbackSubnet() {
        int b = 1 + ThreadLocalRandom.current().nextInt(254);
        String vpc = aws.ec2.createVpc(r -> r.cidrBlock("127." + b + ".0.0/16")).vpc().vpcId();
        return aws.ec2.createSubnet(r -> r.vpcId(vpc).cidrBlock("127." + b + ".7.0/24").availabilityZone("us-east-1a"))
                .subnet().subnetId();
    }

    static String privateIp(String instanceId) {
        return aws.ec2.describeInstances(r -> r.instanceIds(instanceId)).reservations().get(0).instances().get(0)
                .privateIpAddress();
    }

    /** A Chord node on {@code ip}; port 0 takes a free one. */
    static ChordService node(String ip, int port) throws IOException {
        return ChordService.start(ChordService.Options.of(ip, port).withChord(ChordConfig.defaults().withPeriods(50, 50)));
    }

    /** Waits until a walk from {@code entry} meets exactly {@code byId}, in id order. */
    static void awaitRing(NodeRef entry, List<NodeRef> byId) throws Exception {
        try (RpcClient rpc = new RpcClient(RpcLimits.defaults())) {
            RingQuery query = new RingQuery(rpc, Duration.ofSeconds(2));
            long deadline = System.currentTimeMillis() + 20_000;
            List<NodeRef> walked = query.members(entry.address());
            while (!walked.equals(rotated(byId, entry))) {
                assertTrue(System.currentTimeMillis() < deadline, "the ring did not settle: " + walked);
                Thread.sleep(50);
                walked = query.members(entry.address());
            }
        }
    }

    private static List<NodeRef> rotated(List<NodeRef> byId, NodeRef first) {
        int at = byId.indexOf(first);
        List<NodeRef> out = new ArrayList<>(byId.subList(at, byId.size()));
        out.addAll(byId.subList(0, at));
        return out;
    }

    // ---- tests -----------------------------------------------------------------------------

    @Test
    void upCreatesEveryResourceAndDownLeavesNothing() {
        String name = "full";
        List<String> subnets = defaultSubnets().subList(0, 2);
        Result r = up(name, "--client-cidr", "203.0.113.0/24", "--subnets", String.join(",", subnets),
                "--min", "1", "--max", "4", "--desired", "2", "--threshold", "30");

        // Security group: 5057-5059 from itself, 5057 and 5058 from the client CIDR, nothing else.
        List<SecurityGroup> sgs = securityGroups(name);
        assertEquals(1, sgs.size());
        SecurityGroup sg = sgs.get(0);
        assertEquals(Set.of("tcp 5057-5059 " + sg.groupId(), "tcp 5057-5057 203.0.113.0/24",
                "tcp 5058-5058 203.0.113.0/24"), rules(sg));
        assertTrue(sg.tags().stream().anyMatch(t -> t.key().equals("chordfs:deployment") && t.value().equals(name)));

        // Launch template: IMDSv2 required, the group, the unit in the user data, a secret not printed.
        ResponseLaunchTemplateData lt = defaultTemplateData(name);
        assertEquals(LaunchTemplateHttpTokensState.REQUIRED, lt.metadataOptions().httpTokens());
        assertEquals("ami-12c6146b", lt.imageId());
        assertEquals("t3.micro", lt.instanceTypeAsString());
        assertEquals("chordfs-node", lt.iamInstanceProfile().name());
        assertEquals(List.of(sg.groupId()), lt.securityGroupIds());
        String ud = userData(lt);
        assertTrue(ud.contains("java -jar $JAR run --aws --asg $ASG_NAME --data-dir $DATA_DIR"), ud);
        assertTrue(ud.contains("ASG_NAME='" + name + "'"), ud);
        assertTrue(ud.contains("Restart=on-failure"));
        assertTrue(ud.contains("EnvironmentFile=/etc/chordfs/chordfs.env"));
        assertTrue(ud.contains("TimeoutStopSec=180"));
        assertFalse(ud.contains("__CHORDFS_"), "a placeholder was left in the user data");
        String secret = secretIn(lt);
        assertFalse(r.out().contains(secret) || r.err().contains(secret), "the cluster secret was printed");

        // The group: sizes, subnets, launch template, tag.
        AutoScalingGroup g = groups(name).get(0);
        assertEquals(1, g.minSize());
        assertEquals(4, g.maxSize());
        assertEquals(2, g.desiredCapacity());
        assertEquals(Set.copyOf(subnets), Set.of(g.vpcZoneIdentifier().split(",")));
        assertEquals(name + "-chordfs", g.launchTemplate().launchTemplateName());
        assertTrue(g.tags().stream().anyMatch(t -> t.key().equals("chordfs:deployment") && t.value().equals(name)
                && t.propagateAtLaunch()));
        assertEquals(2, instances(name, "pending", "running").size(), "the group's instances carry the tag");

        // Termination lifecycle hook (moto stores hooks; it does not run lifecycle actions).
        LifecycleHook hook = hooks(name).get(0);
        assertEquals("full-drain", hook.lifecycleHookName());
        assertEquals("autoscaling:EC2_INSTANCE_TERMINATING", hook.lifecycleTransition());
        assertEquals(300, hook.heartbeatTimeout());

        // Step policy (found with DescribePolicies: moto's PutScalingPolicy answer has no ARN).
        List<ScalingPolicy> ps = policies(name);
        assertEquals(1, ps.size());
        ScalingPolicy p = ps.get(0);
        assertEquals("StepScaling", p.policyType());
        assertEquals("ChangeInCapacity", p.adjustmentType());
        assertEquals(180, p.estimatedInstanceWarmup());
        assertEquals(1, p.stepAdjustments().get(0).scalingAdjustment());
        assertNotNull(p.policyARN());

        // The alarm: group-average disk_used_percent > 30 for 2 x 60 s, acting on the policy.
        List<MetricAlarm> as = alarms(name);
        assertEquals(1, as.size());
        MetricAlarm a = as.get(0);
        assertEquals("ChordFS", a.namespace());
        assertEquals("disk_used_percent", a.metricName());
        assertEquals(List.of(Dimension.builder().name("AutoScalingGroupName").value(name).build()), a.dimensions());
        assertEquals(Statistic.AVERAGE, a.statistic());
        assertEquals(30.0, a.threshold());
        assertEquals(60, a.period());
        assertEquals(2, a.evaluationPeriods());
        assertEquals(ComparisonOperator.GREATER_THAN_THRESHOLD, a.comparisonOperator());
        assertEquals(List.of(p.policyARN()), a.alarmActions());

        Result down = deploy("down", "--name", name);
        assertEquals(0, down.code(), down.toString());
        assertTrue(down.out().contains("down: nothing left of full"), down.out());
        assertNothingLeft(name);
        assertEquals(2, instances(name, "terminated").size(), "force delete terminated the instances");
    }

    @Test
    void secondUpChangesNothingAndKeepsTheSecret() {
        String name = "again";
        up(name, "--client-cidr", "198.51.100.0/24");
        String secret = secretIn(defaultTemplateData(name));
        String sg = securityGroups(name).get(0).groupId();
        String alarmArn = alarms(name).get(0).alarmArn();

        Result again = up(name, "--client-cidr", "198.51.100.0/24");
        for (String what : List.of("security group " + sg + " unchanged", "launch template", "auto scaling group again unchanged",
                "lifecycle hook again-drain unchanged", "step scaling policy again-disk-step unchanged",
                "alarm again-disk-high unchanged")) {
            assertTrue(again.out().contains(what), what + " in:\n" + again.out());
        }
        assertFalse(again.out().contains("created"), again.out());
        assertEquals(1, securityGroups(name).size());
        assertEquals(1, templateVersions(name).size(), "no new launch template version");
        assertEquals(1, groups(name).size());
        assertEquals(1, hooks(name).size());
        assertEquals(1, policies(name).size());
        assertEquals(List.of(alarmArn), alarms(name).stream().map(MetricAlarm::alarmArn).toList());
        assertEquals(secret, secretIn(defaultTemplateData(name)));
        assertEquals(1, instances(name, "pending", "running").size());

        assertEquals(0, deploy("down", "--name", name).code());
        assertNothingLeft(name);
    }

    @Test
    void upUpdatesInPlaceAndDoesNotUndoScaling() {
        String name = "update";
        up(name, "--client-cidr", "198.51.100.0/24");
        String secret = secretIn(defaultTemplateData(name));

        // moto neither evaluates alarms nor executes step policies (its ExecutePolicy only applies
        // a simple policy's ScalingAdjustment; a step policy has none and it answers 500). So do
        // what the alarm would make the policy do: desired + the step's adjustment.
        int step = policies(name).get(0).stepAdjustments().get(0).scalingAdjustment();
        aws.autoscaling.setDesiredCapacity(r -> r.autoScalingGroupName(name).desiredCapacity(1 + step));
        assertEquals(2, groups(name).get(0).desiredCapacity());

        Result r = up(name, "--instance-type", "t3.small", "--max", "6");
        assertTrue(r.out().contains("updated launch template"), r.out());
        assertTrue(r.out().contains("revoked tcp 5057 from 198.51.100.0/24"), r.out());
        ResponseLaunchTemplateData lt = defaultTemplateData(name);
        assertEquals("t3.small", lt.instanceTypeAsString());
        assertEquals(2, templateVersions(name).size());
        assertEquals(secret, secretIn(lt), "a re-run keeps the cluster's secret");
        AutoScalingGroup g = groups(name).get(0);
        assertEquals(6, g.maxSize());
        assertEquals(2, g.desiredCapacity(), "re-running up without --desired keeps the scaled-out size");
        assertEquals(Set.of("tcp 5057-5059 " + securityGroups(name).get(0).groupId()), rules(securityGroups(name).get(0)));

        assertEquals(0, deploy("down", "--name", name).code());
        assertNothingLeft(name);
    }

    @Test
    void statusPrintsInstancesAndAlarmAndAnUnreachableRingInBoundedTime() throws Exception {
        String name = "stat";
        up(name, "--desired", "2", "--max", "3", "--subnets", loopbackSubnet());
        List<String> ids = groups(name).get(0).instances().stream()
                .map(software.amazon.awssdk.services.autoscaling.model.Instance::instanceId).toList();
        assertEquals(2, ids.size());
        String silentIp = privateIp(ids.get(0));
        String refusingIp = privateIp(ids.get(1));
        // No node anywhere: the first instance's address accepts connections and never answers (only
        // the call timeout ends that wait), the second's refuses them.
        Result s;
        long ms;
        try (ServerSocket silent = new ServerSocket(0, 8, InetAddress.getByName(silentIp))) {
            int port = silent.getLocalPort();
            long start = System.nanoTime();
            s = deploy("status", "--name", name, "--port", Integer.toString(port));
            ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertTrue(s.out().contains("ring: could not be walked from any of the 2 InService instances' private"
                    + " addresses on port " + port + ":\n"
                    + "  " + ids.get(0) + ": node " + silentIp + ":" + port + " did not answer get_info\n"
                    + "  " + ids.get(1) + ": cannot reach node " + refusingIp + ":" + port + " ("), s.out());
        }
        assertEquals(0, s.code(), s.toString());
        assertEquals("", s.err());
        assertTrue(ms < 3 * RingStatus.TIMEOUT.toMillis(), "status took " + ms + " ms");
        for (String id : ids) {
            assertTrue(Pattern.compile("(?m)^  " + id + "\\s+InService\\s+Healthy").matcher(s.out()).find(), s.out());
        }
        assertTrue(s.out().contains("min 1, max 3, desired 2"), s.out());
        String state = alarms(name).get(0).stateValueAsString();
        assertTrue(s.out().contains("alarm stat-disk-high: " + state), s.out());
        assertTrue(s.out().contains("policy stat-disk-step: StepScaling"), s.out());

        // moto gives instances in a subnet of our own VPC no public address.
        Result pub = deploy("status", "--name", name, "--address", "public");
        assertTrue(pub.out().contains("ring: not asked: none of the 2 InService instances has a public address"),
                pub.out());

        assertEquals(0, deploy("down", "--name", name).code());
        assertNothingLeft(name);
        Result gone = deploy("status", "--name", name);
        assertEquals(1, gone.code());
        assertTrue(gone.out().contains("no auto scaling group stat"), gone.out());
    }

    @Test
    void profileGivesTheCredentialsAndTheRegion(@TempDir Path dir) throws Exception {
        Path credentials = Files.writeString(dir.resolve("credentials"),
                "[chordfs-test]\naws_access_key_id = testing\naws_secret_access_key = testing\n");
        Path config = Files.writeString(dir.resolve("config"), "[profile chordfs-test]\nregion = us-east-1\n");
        System.setProperty("aws.sharedCredentialsFile", credentials.toString());
        System.setProperty("aws.configFile", config.toString());
        try {
            // No --region: it comes from the profile; the call reaches the emulator and finds nothing.
            Result found = raw("status", "--name", "absent", "--profile", "chordfs-test", "--endpoint-url", moto.endpoint());
            assertEquals(1, found.code(), found.toString());
            assertTrue(found.out().contains("no auto scaling group absent"), found.toString());

            Result missing = raw("status", "--name", "absent", "--profile", "nobody", "--region", "us-east-1",
                    "--endpoint-url", moto.endpoint());
            assertEquals(1, missing.code(), missing.toString());
            assertTrue(missing.err().startsWith("deploy status: ") && missing.err().contains("nobody")
                    && missing.err().strip().lines().count() == 1, missing.toString());
        } finally {
            System.clearProperty("aws.sharedCredentialsFile");
            System.clearProperty("aws.configFile");
        }
    }

    @Test
    void statusShowsTheRingAsTheNodesReportIt() throws Exception {
        String name = "ringed";
        up(name, "--desired", "4", "--max", "5", "--subnets", loopbackSubnet());
        List<String> ids = groups(name).get(0).instances().stream()
                .map(software.amazon.awssdk.services.autoscaling.model.Instance::instanceId).toList();
        assertEquals(4, ids.size());
        String noNode = ids.get(2);
        String standby = ids.get(3);
        aws.autoscaling.enterStandby(r -> r.autoScalingGroupName(name).instanceIds(standby)
                .shouldDecrementDesiredCapacity(true));
        // Nodes at three instances' addresses (one of them on Standby) and at an address no instance
        // has, all on the port of the first, as a deployment's nodes share one port.
        List<ChordService> nodes = new ArrayList<>();
        try {
            Map<String, String> instanceAt = new HashMap<>();
            int port = 0;
            for (String id : List.of(ids.get(0), ids.get(1), standby)) {
                ChordService n = node(privateIp(id), port);
                nodes.add(n);
                instanceAt.put(n.self().ip(), id + (id.equals(standby) ? " (Standby)" : ""));
                port = n.self().port();
            }
            String stranger = privateIp(ids.get(0)).replaceAll("\\.\\d+$", ".250");
            nodes.add(node(stranger, port));
            instanceAt.put(stranger, "NOT IN THE GROUP");
            nodes.get(0).create().get(5, TimeUnit.SECONDS);
            for (ChordService n : nodes.subList(1, nodes.size())) {
                n.join(nodes.get(0).self().address()).get(10, TimeUnit.SECONDS);
            }
            List<NodeRef> byId = nodes.stream().map(ChordService::self).sorted(Comparator.comparingLong(NodeRef::id))
                    .toList();
            awaitRing(nodes.get(0).self(), byId);

            Result s = deploy("status", "--name", name, "--port", Integer.toString(port));
            assertEquals(0, s.code(), s.toString());
            String expected = "ring: 4 members, walked from " + privateIp(ids.get(0)) + ":" + port + " (" + ids.get(0)
                    + ", private address); 2 of 3 InService instances in it; 1 not in the group\n";
            for (NodeRef n : byId) {
                expected += String.format(Locale.ROOT, "  %-21s id %10d  %s%n", n.ip() + ":" + port,
                        Keys.nodeId(n.ip(), port), instanceAt.get(n.ip()));
            }
            expected += "  NOT IN THE RING: " + noNode + " (InService, " + privateIp(noNode) + ")\n";
            assertTrue(s.out().endsWith(expected), "expected the ring as\n" + expected + "in\n" + s.out());
        } finally {
            nodes.forEach(ChordService::close);
        }
        // moto's forced delete terminates only InService instances (AWS terminates them all).
        aws.autoscaling.exitStandby(r -> r.autoScalingGroupName(name).instanceIds(standby));
        assertEquals(0, deploy("down", "--name", name).code());
        assertNothingLeft(name);
    }

    @Test
    void targetTrackingVariantAndSwitchingBack() {
        String name = "track";
        up(name, "--policy", "target-tracking", "--threshold", "40");
        List<ScalingPolicy> ps = policies(name);
        assertEquals(1, ps.size());
        ScalingPolicy p = ps.get(0);
        assertEquals("track-disk-target", p.policyName());
        assertEquals("TargetTrackingScaling", p.policyType());
        assertEquals(180, p.estimatedInstanceWarmup());
        var metric = p.targetTrackingConfiguration().customizedMetricSpecification();
        assertEquals("ChordFS", metric.namespace());
        assertEquals("disk_used_percent", metric.metricName());
        assertEquals("AutoScalingGroupName", metric.dimensions().get(0).name());
        assertEquals(name, metric.dimensions().get(0).value());
        assertEquals(40.0, p.targetTrackingConfiguration().targetValue());
        assertTrue(alarms(name).stream().noneMatch(a -> a.alarmName().equals("track-disk-high")),
                "no step alarm with target tracking");
        assertTrue(up(name, "--policy", "target-tracking", "--threshold", "40").out()
                .contains("target tracking policy track-disk-target unchanged"));

        // Switching to the step policy replaces the target-tracking one.
        up(name);
        assertEquals(List.of("track-disk-step"), policies(name).stream().map(ScalingPolicy::policyName).toList());
        assertEquals(List.of("track-disk-high"), alarms(name).stream().map(MetricAlarm::alarmName).toList());

        up(name, "--policy", "target-tracking");
        assertEquals(List.of("track-disk-target"), policies(name).stream().map(ScalingPolicy::policyName).toList());
        assertTrue(alarms(name).isEmpty());

        assertEquals(0, deploy("down", "--name", name).code());
        assertNothingLeft(name);
    }

    @Test
    void downOfNothingSaysSoAndSucceeds() {
        Result r = deploy("down", "--name", "never");
        assertEquals(0, r.code(), r.toString());
        assertEquals("down: nothing left of never\n", r.out());
    }
}
