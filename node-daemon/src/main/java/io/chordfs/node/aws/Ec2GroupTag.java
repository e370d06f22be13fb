package io.chordfs.node.aws;

import java.util.Optional;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.ec2.model.Filter;
import software.amazon.awssdk.services.ec2.model.TagDescription;

/** The group tag through EC2 DescribeTags, for instances whose metadata carries no tags. */
public final class Ec2GroupTag {
    private Ec2GroupTag() {}

    public static Optional<String> groupOf(Ec2Client ec2, String instanceId) {
        return ec2.describeTags(r -> r.filters(
                        Filter.builder().name("resource-id").values(instanceId).build(),
                        Filter.builder().name("key").values(InstanceIdentity.GROUP_TAG).build()))
                .tags().stream().map(TagDescription::value).findFirst();
    }
}
