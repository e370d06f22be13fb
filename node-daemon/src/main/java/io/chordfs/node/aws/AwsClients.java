package io.chordfs.node.aws;

import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.autoscaling.AutoScalingClient;
import software.amazon.awssdk.services.cloudwatch.CloudWatchClient;
import software.amazon.awssdk.services.ec2.Ec2Client;

/** The three SDK clients a node uses; credentials from the SDK's default chain (the instance profile). */
public record AwsClients(Ec2Client ec2, AutoScalingClient autoscaling, CloudWatchClient cloudwatch) implements AutoCloseable {
    public static AwsClients forRegion(String region) {
        Region r = Region.of(region);
        return new AwsClients(Ec2Client.builder().region(r).build(), AutoScalingClient.builder().region(r).build(),
                CloudWatchClient.builder().region(r).build());
    }

    @Override
    public void close() {
        ec2.close();
        autoscaling.close();
        cloudwatch.close();
    }
}
