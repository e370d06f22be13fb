package io.chordfs.deploy;

import java.util.regex.Pattern;

/** The names and tags of everything one deployment creates, all derived from its NAME. */
public record Names(String name) {
    /** Tag key every resource carries, with the deployment's NAME as value. */
    public static final String TAG_KEY = "chordfs:deployment";
    /** CloudWatch namespace and metric the nodes publish and the scaling policy reads. */
    public static final String NAMESPACE = "ChordFS";
    public static final String METRIC = "disk_used_percent";
    public static final String ASG_DIMENSION = "AutoScalingGroupName";

    // ASG, launch template, security group and alarm names all accept this; it is also safe to
    // put in the user data script unquoted.
    private static final Pattern VALID = Pattern.compile("[A-Za-z][A-Za-z0-9-]{0,62}");

    public Names {
        if (!VALID.matcher(name).matches()) {
            throw new IllegalArgumentException("--name must be 1-63 letters, digits or '-', starting with a letter: " + name);
        }
    }

    public String securityGroup() { return name + "-chordfs"; }
    public String launchTemplate() { return name + "-chordfs"; }
    public String autoScalingGroup() { return name; }
    public String lifecycleHook() { return name + "-drain"; }
    public String stepPolicy() { return name + "-disk-step"; }
    public String targetPolicy() { return name + "-disk-target"; }
    public String alarm() { return name + "-disk-high"; }
}
