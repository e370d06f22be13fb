package io.chordfs.node.aws;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.services.autoscaling.AutoScalingClient;
import software.amazon.awssdk.services.autoscaling.model.AutoScalingGroup;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.ec2.model.Instance;

/** {@link GroupMembers} from DescribeAutoScalingGroups, with addresses from DescribeInstances. */
public final class AwsGroupMembers implements GroupMembers {
    private final AutoScalingClient autoscaling;
    private final Ec2Client ec2;
    private final String group;
    private final AddressKind kind;

    public AwsGroupMembers(AutoScalingClient autoscaling, Ec2Client ec2, String group, AddressKind kind) {
        this.autoscaling = autoscaling;
        this.ec2 = ec2;
        this.group = group;
        this.kind = kind;
    }

    @Override
    public List<Member> list() {
        List<AutoScalingGroup> groups = autoscaling.describeAutoScalingGroups(r -> r.autoScalingGroupNames(group))
                .autoScalingGroups();
        if (groups.isEmpty()) {
            throw new IllegalStateException("no Auto Scaling group named " + group);
        }
        Map<String, String> states = new HashMap<>();
        groups.get(0).instances().forEach(i -> states.put(i.instanceId(), i.lifecycleStateAsString()));
        if (states.isEmpty()) {
            return List.of();
        }
        Map<String, String> addresses = new HashMap<>();
        ec2.describeInstancesPaginator(r -> r.instanceIds(states.keySet())).reservations()
                .forEach(res -> res.instances().forEach(i -> addresses.put(i.instanceId(), addressOf(i))));
        List<Member> members = new ArrayList<>();
        states.forEach((id, state) -> members.add(new Member(id, state, addresses.get(id))));
        return members;
    }

    private String addressOf(Instance i) {
        return kind == AddressKind.PUBLIC ? i.publicIpAddress() : i.privateIpAddress();
    }
}
