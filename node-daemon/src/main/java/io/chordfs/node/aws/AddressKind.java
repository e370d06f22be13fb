package io.chordfs.node.aws;

import java.util.Locale;

/** Which of an instance's addresses nodes use for each other: {@code --address private|public}. */
public enum AddressKind {
    PRIVATE, PUBLIC;

    public static AddressKind parse(String s) {
        try {
            return valueOf(s.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--address must be private or public, not " + s);
        }
    }
}
