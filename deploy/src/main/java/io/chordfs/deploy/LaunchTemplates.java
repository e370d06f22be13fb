package io.chordfs.deploy;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.ec2.model.LaunchTemplate;
import software.amazon.awssdk.services.ec2.model.LaunchTemplateHttpTokensState;
import software.amazon.awssdk.services.ec2.model.LaunchTemplateIamInstanceProfileSpecificationRequest;
import software.amazon.awssdk.services.ec2.model.LaunchTemplateInstanceMetadataEndpointState;
import software.amazon.awssdk.services.ec2.model.LaunchTemplateInstanceMetadataOptionsRequest;
import software.amazon.awssdk.services.ec2.model.LaunchTemplateVersion;
import software.amazon.awssdk.services.ec2.model.RequestLaunchTemplateData;
import software.amazon.awssdk.services.ec2.model.ResponseLaunchTemplateData;
import software.amazon.awssdk.services.ec2.model.ResourceType;
import software.amazon.awssdk.services.ec2.model.TagSpecification;

/** The launch template: AMI, type, instance profile, the security group, IMDSv2 only, the user data. */
public final class LaunchTemplates {
    /** What {@code up} asks for; the secret comes from the existing template when there is one. */
    public record Spec(String ami, String instanceType, String instanceProfile, String securityGroupId) {}

    private final Ec2Client ec2;
    private final Names names;
    private final PrintStream out;

    public LaunchTemplates(Ec2Client ec2, Names names, PrintStream out) {
        this.ec2 = ec2;
        this.names = names;
        this.out = out;
    }

    public Optional<LaunchTemplate> find() {
        return ec2.describeLaunchTemplates(r -> r.filters(
                        Network.filter("launch-template-name", names.launchTemplate())))
                .launchTemplates().stream().findFirst();
    }

    /** The newest version's data of the template found by {@link #find()}, if there is one. */
    private Optional<ResponseLaunchTemplateData> latest(Optional<LaunchTemplate> existing) {
        if (existing.isEmpty()) {
            return Optional.empty();
        }
        List<LaunchTemplateVersion> versions = ec2.describeLaunchTemplateVersions(
                r -> r.launchTemplateName(names.launchTemplate()).versions("$Latest")).launchTemplateVersions();
        return versions.stream().findFirst().map(LaunchTemplateVersion::launchTemplateData);
    }

    /** Creates the template, or adds a version (made the default) when what is wanted changed. */
    public void ensure(Spec spec) {
        Optional<LaunchTemplate> existing = find();
        Optional<ResponseLaunchTemplateData> current = latest(existing);
        String secret = current.map(d -> decode(d.userData())).flatMap(UserData::secretOf)
                .orElseGet(UserData::newSecret);
        RequestLaunchTemplateData data = data(spec, UserData.render(names.autoScalingGroup(), secret));
        if (existing.isEmpty()) {
            LaunchTemplate created = ec2.createLaunchTemplate(r -> r.launchTemplateName(names.launchTemplate())
                    .launchTemplateData(data)
                    .tagSpecifications(TagSpecification.builder().resourceType(ResourceType.LAUNCH_TEMPLATE)
                            .tags(SecurityGroups.tag(Names.TAG_KEY, names.name())).build()))
                    .launchTemplate();
            out.println("created launch template " + created.launchTemplateId() + " (" + names.launchTemplate()
                    + ", IMDSv2 required, cluster secret generated)");
            return;
        }
        if (same(current.orElse(null), data)) {
            out.println("launch template " + existing.get().launchTemplateId() + " unchanged");
            return;
        }
        Long version = ec2.createLaunchTemplateVersion(r -> r.launchTemplateName(names.launchTemplate())
                .launchTemplateData(data)).launchTemplateVersion().versionNumber();
        ec2.modifyLaunchTemplate(r -> r.launchTemplateName(names.launchTemplate()).defaultVersion(version.toString()));
        out.println("updated launch template " + existing.get().launchTemplateId() + " to version " + version
                + " (cluster secret kept)");
    }

    static RequestLaunchTemplateData data(Spec spec, String userData) {
        LaunchTemplateIamInstanceProfileSpecificationRequest profile = spec.instanceProfile().startsWith("arn:")
                ? LaunchTemplateIamInstanceProfileSpecificationRequest.builder().arn(spec.instanceProfile()).build()
                : LaunchTemplateIamInstanceProfileSpecificationRequest.builder().name(spec.instanceProfile()).build();
        return RequestLaunchTemplateData.builder()
                .imageId(spec.ami())
                .instanceType(spec.instanceType())
                .iamInstanceProfile(profile)
                .securityGroupIds(spec.securityGroupId())
                .metadataOptions(LaunchTemplateInstanceMetadataOptionsRequest.builder()
                        .httpTokens(LaunchTemplateHttpTokensState.REQUIRED)
                        .httpEndpoint(LaunchTemplateInstanceMetadataEndpointState.ENABLED)
                        .httpPutResponseHopLimit(1)
                        .build())
                // Instances get the deployment tag from the group (PropagateAtLaunch).
                .userData(Base64.getEncoder().encodeToString(userData.getBytes(StandardCharsets.UTF_8)))
                .build();
    }

    private static boolean same(ResponseLaunchTemplateData have, RequestLaunchTemplateData want) {
        if (have == null) {
            return false;
        }
        String haveProfile = have.iamInstanceProfile() == null ? null
                : have.iamInstanceProfile().arn() != null ? have.iamInstanceProfile().arn() : have.iamInstanceProfile().name();
        String wantProfile = want.iamInstanceProfile().arn() != null ? want.iamInstanceProfile().arn()
                : want.iamInstanceProfile().name();
        return Objects.equals(have.imageId(), want.imageId())
                && Objects.equals(have.instanceTypeAsString(), want.instanceTypeAsString())
                && Objects.equals(haveProfile, wantProfile)
                && Objects.equals(have.securityGroupIds(), want.securityGroupIds())
                && have.metadataOptions() != null
                && have.metadataOptions().httpTokens() == LaunchTemplateHttpTokensState.REQUIRED
                && Objects.equals(decode(have.userData()), decode(want.userData()));
    }

    static String decode(String base64) {
        return base64 == null ? "" : new String(Base64.getDecoder().decode(base64), StandardCharsets.UTF_8);
    }

    public boolean delete() {
        Optional<LaunchTemplate> existing = find();
        if (existing.isEmpty()) {
            return false;
        }
        ec2.deleteLaunchTemplate(r -> r.launchTemplateId(existing.get().launchTemplateId()));
        out.println("deleted launch template " + existing.get().launchTemplateId());
        return true;
    }
}
