package io.chordfs.deploy;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The launch template's user data: userdata/cloud-init.sh with the group name and secret filled in. */
public final class UserData {
    static final String ASG_PLACEHOLDER = "__CHORDFS_ASG_NAME__";
    static final String SECRET_PLACEHOLDER = "__CHORDFS_CLUSTER_SECRET__";
    private static final Pattern SECRET_LINE = Pattern.compile("(?m)^CHORDFS_CLUSTER_SECRET=([0-9a-f]{64})$");

    private UserData() {}

    /** A fresh 256-bit cluster secret, as hex. It is written into the user data and never printed. */
    public static String newSecret() {
        byte[] bytes = new byte[32];
        new SecureRandom().nextBytes(bytes);
        return HexFormat.of().formatHex(bytes);
    }

    public static String render(String asgName, String secret) {
        return template().replace(ASG_PLACEHOLDER, asgName).replace(SECRET_PLACEHOLDER, secret);
    }

    /** The secret inside user data written by an earlier {@code up}, so a re-run keeps the cluster's secret. */
    public static Optional<String> secretOf(String userData) {
        Matcher m = SECRET_LINE.matcher(userData);
        return m.find() ? Optional.of(m.group(1)) : Optional.empty();
    }

    static String template() {
        try (InputStream in = UserData.class.getResourceAsStream("/userdata/cloud-init.sh")) {
            if (in == null) {
                throw new IllegalStateException("userdata/cloud-init.sh is not bundled in deploy.jar");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
