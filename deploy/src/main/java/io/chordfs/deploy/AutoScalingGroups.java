package io.chordfs.deploy;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import software.amazon.awssdk.services.autoscaling.AutoScalingClient;
import software.amazon.awssdk.services.autoscaling.model.AutoScalingGroup;
import software.amazon.awssdk.services.autoscaling.model.LaunchTemplateSpecification;
import software.amazon.awssdk.services.autoscaling.model.Tag;

/** The Auto Scaling group, running the launch template's latest version in the chosen subnets. */
public final class AutoScalingGroups {
    /** Sizes; {@code desired} is null when not given, so a re-run does not undo scaling. */
    public record Size(int min, int max, Integer desired) {}

    private final AutoScalingClient autoscaling;
    private final Names names;
    private final PrintStream out;

    public AutoScalingGroups(AutoScalingClient autoscaling, Names names, PrintStream out) {
        this.autoscaling = autoscaling;
        this.names = names;
        this.out = out;
    }

    public Optional<AutoScalingGroup> find() {
        return autoscaling.describeAutoScalingGroups(r -> r.autoScalingGroupNames(names.autoScalingGroup()))
                .autoScalingGroups().stream()
                .filter(g -> g.status() == null || !g.status().startsWith("Delete"))
                .findFirst();
    }

    public void ensure(Size size, List<String> subnets) {
        String zones = String.join(",", subnets);
        LaunchTemplateSpecification template = LaunchTemplateSpecification.builder()
                .launchTemplateName(names.launchTemplate()).version("$Latest").build();
        Optional<AutoScalingGroup> existing = find();
        if (existing.isEmpty()) {
            int desired = size.desired() == null ? size.min() : size.desired();
            autoscaling.createAutoScalingGroup(r -> r.autoScalingGroupName(names.autoScalingGroup())
                    .launchTemplate(template)
                    .minSize(size.min()).maxSize(size.max()).desiredCapacity(desired)
                    .vpcZoneIdentifier(zones)
                    .healthCheckGracePeriod(300)
                    .tags(tag(Names.TAG_KEY, names.name()), tag("Name", "chordfs-" + names.name())));
            out.println("created auto scaling group " + names.autoScalingGroup() + " (min " + size.min()
                    + ", max " + size.max() + ", desired " + desired + ", subnets " + zones + ")");
            return;
        }
        AutoScalingGroup g = existing.get();
        List<String> changes = new ArrayList<>();
        if (g.minSize() != size.min()) changes.add("min " + g.minSize() + " -> " + size.min());
        if (g.maxSize() != size.max()) changes.add("max " + g.maxSize() + " -> " + size.max());
        if (size.desired() != null && g.desiredCapacity() != size.desired().intValue()) {
            changes.add("desired " + g.desiredCapacity() + " -> " + size.desired());
        }
        if (!sameSubnets(g.vpcZoneIdentifier(), subnets)) changes.add("subnets -> " + zones);
        LaunchTemplateSpecification used = g.launchTemplate();
        if (used == null || !names.launchTemplate().equals(used.launchTemplateName())
                || !"$Latest".equals(used.version())) {
            changes.add("launch template -> " + names.launchTemplate() + " $Latest");
        }
        if (changes.isEmpty()) {
            out.println("auto scaling group " + names.autoScalingGroup() + " unchanged");
            return;
        }
        autoscaling.updateAutoScalingGroup(r -> r.autoScalingGroupName(names.autoScalingGroup())
                .launchTemplate(template).minSize(size.min()).maxSize(size.max())
                .desiredCapacity(size.desired()).vpcZoneIdentifier(zones));
        out.println("updated auto scaling group " + names.autoScalingGroup() + ": " + String.join(", ", changes));
    }

    private static boolean sameSubnets(String have, List<String> want) {
        List<String> h = have == null ? List.of() : List.of(have.split(",")).stream().map(String::trim).sorted().toList();
        return Objects.equals(h, want.stream().sorted().toList());
    }

    private Tag tag(String key, String value) {
        return Tag.builder().resourceId(names.autoScalingGroup()).resourceType("auto-scaling-group")
                .key(key).value(value).propagateAtLaunch(true).build();
    }

    /** Force-deletes the group (terminating its instances) and waits until it is gone. */
    public boolean delete(long timeoutMillis) {
        if (find().isEmpty()) {
            return false;
        }
        autoscaling.deleteAutoScalingGroup(r -> r.autoScalingGroupName(names.autoScalingGroup()).forceDelete(true));
        out.println("deleting auto scaling group " + names.autoScalingGroup() + " (force: its instances terminate)");
        boolean gone = Waits.until(() -> autoscaling.describeAutoScalingGroups(
                r -> r.autoScalingGroupNames(names.autoScalingGroup())).autoScalingGroups().isEmpty(),
                timeoutMillis, 10_000);
        out.println(gone ? "deleted auto scaling group " + names.autoScalingGroup()
                : "auto scaling group " + names.autoScalingGroup() + " is still being deleted");
        return gone;
    }
}
