package io.chordfs.node.aws;

import java.util.Objects;
import java.util.Optional;

/**
 * Who this instance is, from instance metadata: id, addresses, region, and the Auto Scaling
 * group it belongs to.
 *
 * @param publicIp null when the instance has no public address
 */
public record InstanceIdentity(String instanceId, String privateIp, String publicIp, String region, String group) {
    /** The tag AWS puts on every instance of an Auto Scaling group. */
    public static final String GROUP_TAG = "aws:autoscaling:groupName";

    public InstanceIdentity {
        Objects.requireNonNull(instanceId, "instanceId");
        Objects.requireNonNull(privateIp, "privateIp");
        Objects.requireNonNull(region, "region");
        Objects.requireNonNull(group, "group");
    }

    /** Finds the group name from the instance's tags when metadata does not carry them. */
    @FunctionalInterface
    public interface GroupTagLookup {
        Optional<String> groupOf(String instanceId, String region);
    }

    /**
     * Reads the identity from IMDS. The group is {@code asg} when given, else the instance tag
     * {@value #GROUP_TAG}: from metadata when instance tags are enabled there, else from
     * {@code tags} (DescribeTags).
     */
    public static InstanceIdentity fetch(Imds imds, String asg, GroupTagLookup tags) {
        String id = imds.require("instance-id");
        String privateIp = imds.require("local-ipv4");
        String publicIp = imds.optional("public-ipv4").orElse(null);
        String region = imds.require("placement/region");
        String group = asg;
        if (group == null) {
            group = imds.optional("tags/instance/" + GROUP_TAG)
                    .or(() -> tags.groupOf(id, region))
                    .orElseThrow(() -> new IllegalStateException("instance " + id
                            + " is in no Auto Scaling group (no " + GROUP_TAG + " tag): give --asg NAME"));
        }
        return new InstanceIdentity(id, privateIp, publicIp, region, group);
    }

    /** The address peers reach this node on: {@code private} (within the VPC) or {@code public}. */
    public String address(AddressKind kind) {
        if (kind == AddressKind.PUBLIC) {
            if (publicIp == null) {
                throw new IllegalStateException("instance " + instanceId + " has no public IP address; use --address private");
            }
            return publicIp;
        }
        return privateIp;
    }
}
