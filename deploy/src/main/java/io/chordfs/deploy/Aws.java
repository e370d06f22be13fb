package io.chordfs.deploy;

import java.net.URI;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.ProfileCredentialsProvider;
import software.amazon.awssdk.awscore.client.builder.AwsClientBuilder;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.regions.providers.DefaultAwsRegionProviderChain;
import software.amazon.awssdk.services.autoscaling.AutoScalingClient;
import software.amazon.awssdk.services.cloudwatch.CloudWatchClient;
import software.amazon.awssdk.services.ec2.Ec2Client;

/**
 * The three SDK clients, configured as the AWS CLI would be: {@code --region}, {@code --endpoint-url}
 * and {@code --profile}, else the SDK's default region and credential chains.
 */
public final class Aws implements AutoCloseable {
    public final Ec2Client ec2;
    public final AutoScalingClient autoscaling;
    public final CloudWatchClient cloudwatch;

    public Aws(String region, String endpointUrl, String profile) {
        AwsCredentialsProvider credentials = profile == null
                ? DefaultCredentialsProvider.builder().build()
                : ProfileCredentialsProvider.create(profile);
        Region resolved = resolveRegion(region, profile);
        URI endpoint = endpointUrl == null ? null : URI.create(endpointUrl);
        this.ec2 = configure(Ec2Client.builder(), credentials, resolved, endpoint).build();
        this.autoscaling = configure(AutoScalingClient.builder(), credentials, resolved, endpoint).build();
        this.cloudwatch = configure(CloudWatchClient.builder(), credentials, resolved, endpoint).build();
    }

    private static Region resolveRegion(String region, String profile) {
        if (region != null) {
            return Region.of(region);
        }
        try {
            return profile != null ? DefaultAwsRegionProviderChain.builder().profileName(profile).build().getRegion()
                    : new DefaultAwsRegionProviderChain().getRegion();
        } catch (SdkClientException e) {
            throw new DeployException("no AWS region: give --region, set AWS_REGION, or set one in the profile");
        }
    }

    private static <B extends AwsClientBuilder<B, ?>> B configure(
            B builder, AwsCredentialsProvider credentials, Region region, URI endpoint) {
        builder.credentialsProvider(credentials).region(region);
        if (endpoint != null) {
            builder.endpointOverride(endpoint);
        }
        return builder;
    }

    @Override
    public void close() {
        ec2.close();
        autoscaling.close();
        cloudwatch.close();
    }
}
