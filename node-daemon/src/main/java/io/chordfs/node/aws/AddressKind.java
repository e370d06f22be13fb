package io.chordfs.node.aws;

import java.util.Locale;

/** Which of an instance's addresses nodes use for each other: {@code --address private|public}. */
public enum AddressKind {
    PRIVATE, PUBLIC;

    /** The word on the command line, which picocli also reads back. */
    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT);
    }
}
