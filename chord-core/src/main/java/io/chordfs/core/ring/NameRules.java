package io.chordfs.core.ring;

import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * The name rules of DESIGN.md, shared by the nodes (which refuse a bad name with 400) and the
 * client (which says so before sending anything). A name is a path of components separated by
 * '/', at most 1,024 UTF-8 bytes in all; each component is 1 to 255 UTF-8 bytes, no '\', no
 * control characters, no bidirectional controls or zero-width characters, valid UTF-8, not "." or
 * "..", and not a node's own hidden folder (so no hidden metadata, temp file or chunk object is
 * reachable by a name). A name without '/' follows exactly the old rule. A name that passes can be
 * used as a relative path under a data directory and never escapes it, and shows in a listing as
 * what it is.
 */
public final class NameRules {
    /** The most UTF-8 bytes in one component of a name. */
    public static final int MAX_BYTES = 255;
    /** The most UTF-8 bytes in a whole name, separators included. */
    public static final int MAX_PATH_BYTES = 1024;
    /** The hidden folder beside a node's files that holds metadata and temp files. */
    public static final String RESERVED = ".chordfs";

    private NameRules() {}

    /** What is wrong with {@code name}, or empty when it is a valid name. */
    public static Optional<String> problem(String name) {
        if (name == null || name.isEmpty()) {
            return Optional.of("a name must not be empty");
        }
        if (name.indexOf('/') < 0) {
            return componentProblem(name);
        }
        int bytes = name.getBytes(StandardCharsets.UTF_8).length;
        if (bytes > MAX_PATH_BYTES) {
            return Optional.of("a name is at most " + MAX_PATH_BYTES + " UTF-8 bytes, this one has " + bytes);
        }
        int start = 0;
        while (true) {
            int slash = name.indexOf('/', start);
            String component = name.substring(start, slash < 0 ? name.length() : slash);
            if (component.isEmpty()) {
                return Optional.of("'" + name + "' has an empty folder or file name (a leading, trailing or double '/')");
            }
            Optional<String> p = componentProblem(component);
            if (p.isPresent()) {
                return p;
            }
            if (slash < 0) {
                return Optional.empty();
            }
            start = slash + 1;
        }
    }

    private static Optional<String> componentProblem(String name) {
        int bytes = name.getBytes(StandardCharsets.UTF_8).length;
        if (bytes > MAX_BYTES) {
            return Optional.of("a name is at most " + MAX_BYTES + " UTF-8 bytes per folder or file name, this one has "
                    + bytes);
        }
        if (name.equals(".") || name.equals("..") || name.equals(RESERVED)) {
            return Optional.of("'" + name + "' is not a file name");
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c == '\\') {
                return Optional.of("a name must not contain '" + c + "'");
            }
            // C0, DEL and C1 (U+0080 to U+009F, e.g. %C2%9B, a terminal's CSI): all of Unicode's
            // control characters, so no name can drive the terminal of whoever lists the files.
            if (Character.isISOControl(c)) {
                return Optional.of("a name must not contain control characters");
            }
            if (spoofs(c)) {
                return Optional.of(String.format("a name must not contain U+%04X: bidirectional controls and "
                        + "zero-width characters can make a listing show another name", (int) c));
            }
            if (Character.isSurrogate(c) && !(Character.isHighSurrogate(c) && i + 1 < name.length()
                    && Character.isLowSurrogate(name.charAt(++i)))) {
                return Optional.of("a name must be valid UTF-8");
            }
        }
        return Optional.empty();
    }

    /**
     * Bidirectional embeddings, overrides and isolates (U+202A-U+202E, U+2066-U+2069) reorder what
     * follows them ("evil" U+202E "gnp.exe" shows as "evilexe.png"); zero-width spaces and joiners
     * (U+200B-U+200D) and U+FEFF show as nothing, so two names look alike.
     */
    private static boolean spoofs(char c) {
        return c >= 0x202A && c <= 0x202E || c >= 0x2066 && c <= 0x2069 || c >= 0x200B && c <= 0x200D || c == 0xFEFF;
    }
}
