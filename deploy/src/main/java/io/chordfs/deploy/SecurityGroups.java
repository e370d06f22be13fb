package io.chordfs.deploy;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.ec2.model.Ec2Exception;
import software.amazon.awssdk.services.ec2.model.IpPermission;
import software.amazon.awssdk.services.ec2.model.IpRange;
import software.amazon.awssdk.services.ec2.model.ResourceType;
import software.amazon.awssdk.services.ec2.model.SecurityGroup;
import software.amazon.awssdk.services.ec2.model.Tag;
import software.amazon.awssdk.services.ec2.model.TagSpecification;
import software.amazon.awssdk.services.ec2.model.UserIdGroupPair;

/**
 * The node's security group: 5057-5059 (Chord RPC, files, migration) from the group itself;
 * 5057 and 5058 from the client CIDR when one is given; nothing else inbound (no ssh).
 */
public final class SecurityGroups {
    /** One inbound TCP rule: a port range from a security group or a CIDR. */
    record Rule(int from, int to, String group, String cidr) {
        IpPermission toPermission() {
            IpPermission.Builder b = IpPermission.builder().ipProtocol("tcp").fromPort(from).toPort(to);
            return group != null
                    ? b.userIdGroupPairs(UserIdGroupPair.builder().groupId(group).build()).build()
                    : b.ipRanges(IpRange.builder().cidrIp(cidr).build()).build();
        }

        @Override
        public String toString() {
            return "tcp " + (from == to ? from : from + "-" + to) + " from " + (group != null ? group : cidr);
        }
    }

    private final Ec2Client ec2;
    private final Names names;
    private final PrintStream out;

    public SecurityGroups(Ec2Client ec2, Names names, PrintStream out) {
        this.ec2 = ec2;
        this.names = names;
        this.out = out;
    }

    public Optional<SecurityGroup> find() {
        return ec2.describeSecurityGroups(r -> r.filters(
                        Network.filter("group-name", names.securityGroup()),
                        Network.filter("tag:" + Names.TAG_KEY, names.name())))
                .securityGroups().stream().findFirst();
    }

    /** Creates the group if missing and makes its inbound rules exactly the wanted ones. */
    public String ensure(String vpcId, String clientCidr) {
        SecurityGroup group = find().orElse(null);
        String id;
        if (group == null) {
            id = ec2.createSecurityGroup(r -> r.groupName(names.securityGroup()).vpcId(vpcId)
                    .description("ChordFS nodes of " + names.name())
                    .tagSpecifications(TagSpecification.builder().resourceType(ResourceType.SECURITY_GROUP)
                            .tags(tag(Names.TAG_KEY, names.name()), tag("Name", names.securityGroup())).build()))
                    .groupId();
            out.println("created security group " + id + " (" + names.securityGroup() + ")");
        } else {
            id = group.groupId();
            if (!vpcId.equals(group.vpcId())) {
                throw new DeployException("security group " + id + " is in " + group.vpcId()
                        + ", not in the subnets' VPC " + vpcId + "; run down first");
            }
        }
        Set<Rule> want = wanted(id, clientCidr);
        Set<Rule> have = group == null ? Set.of() : current(group);
        List<Rule> add = new ArrayList<>(want);
        add.removeAll(have);
        List<Rule> remove = new ArrayList<>(have);
        remove.removeAll(want);
        if (!add.isEmpty()) {
            ec2.authorizeSecurityGroupIngress(r -> r.groupId(id)
                    .ipPermissions(add.stream().map(Rule::toPermission).toList()));
            add.forEach(rule -> out.println("  allowed " + rule));
        }
        if (!remove.isEmpty()) {
            ec2.revokeSecurityGroupIngress(r -> r.groupId(id)
                    .ipPermissions(remove.stream().map(Rule::toPermission).toList()));
            remove.forEach(rule -> out.println("  revoked " + rule));
        }
        if (group != null && add.isEmpty() && remove.isEmpty()) {
            out.println("security group " + id + " unchanged");
        }
        return id;
    }

    static Set<Rule> wanted(String groupId, String clientCidr) {
        Set<Rule> rules = new LinkedHashSet<>();
        rules.add(new Rule(5057, 5059, groupId, null));
        if (clientCidr != null) {
            rules.add(new Rule(5057, 5057, null, clientCidr));
            rules.add(new Rule(5058, 5058, null, clientCidr));
        }
        return rules;
    }

    static Set<Rule> current(SecurityGroup group) {
        Set<Rule> rules = new LinkedHashSet<>();
        for (IpPermission p : group.ipPermissions()) {
            int from = p.fromPort() == null ? -1 : p.fromPort();
            int to = p.toPort() == null ? -1 : p.toPort();
            for (UserIdGroupPair pair : p.userIdGroupPairs()) {
                rules.add(new Rule(from, to, pair.groupId(), null));
            }
            for (IpRange range : p.ipRanges()) {
                rules.add(new Rule(from, to, null, range.cidrIp()));
            }
        }
        return rules;
    }

    /**
     * Deletes the group. On AWS the terminated instances' network interfaces may hold it for a
     * while after the group is gone, so a DependencyViolation is retried until the deadline.
     */
    public boolean delete(long deadlineMillis) {
        Optional<SecurityGroup> group = find();
        if (group.isEmpty()) {
            return false;
        }
        String id = group.get().groupId();
        while (true) {
            try {
                ec2.deleteSecurityGroup(r -> r.groupId(id));
                out.println("deleted security group " + id);
                return true;
            } catch (Ec2Exception e) {
                String code = e.awsErrorDetails() == null ? "" : e.awsErrorDetails().errorCode();
                if (!"DependencyViolation".equals(code) || System.currentTimeMillis() > deadlineMillis) {
                    out.println("could not delete security group " + id + ": " + e.getMessage());
                    return false;
                }
                Waits.sleep(5_000);
            }
        }
    }

    static Tag tag(String key, String value) {
        return Tag.builder().key(key).value(value).build();
    }
}
