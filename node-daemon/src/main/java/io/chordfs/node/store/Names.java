package io.chordfs.node.store;

import java.nio.charset.StandardCharsets;

/**
 * The name rules of DESIGN.md: 1 to 255 UTF-8 bytes, no '/', no NUL or control characters, not
 * "." or "..", and not the store's own hidden folder. A name that passes can be used as a file
 * name directly under the data directory and never escapes it.
 */
public final class Names {
    public static final int MAX_BYTES = 255;
    /** The hidden folder beside the files that holds metadata and temp files. */
    public static final String RESERVED = ".chordfs";

    private Names() {}

    /** Returns the name, or throws {@link BadNameException} saying what is wrong with it. */
    public static String check(String name) {
        if (name == null || name.isEmpty()) {
            throw new BadNameException("a name must not be empty");
        }
        int bytes = name.getBytes(StandardCharsets.UTF_8).length;
        if (bytes > MAX_BYTES) {
            throw new BadNameException("a name is at most " + MAX_BYTES + " UTF-8 bytes, this one has " + bytes);
        }
        if (name.equals(".") || name.equals("..") || name.equals(RESERVED)) {
            throw new BadNameException("'" + name + "' is not a file name");
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c == '/' || c == '\\') {
                throw new BadNameException("a name must not contain '" + c + "'");
            }
            // C0, DEL and C1 (U+0080 to U+009F, e.g. %C2%9B, a terminal's CSI): all of Unicode's
            // control characters, so no name can drive the terminal of whoever lists the files.
            if (Character.isISOControl(c)) {
                throw new BadNameException("a name must not contain control characters");
            }
            if (Character.isSurrogate(c) && !(Character.isHighSurrogate(c) && i + 1 < name.length()
                    && Character.isLowSurrogate(name.charAt(++i)))) {
                throw new BadNameException("a name must be valid UTF-8");
            }
        }
        return name;
    }

    /** The base name of an uploaded file name, as uploadserver takes it (pathlib's {@code .name}). */
    public static String baseName(String filename) {
        String n = filename;
        while (n.endsWith("/")) {
            n = n.substring(0, n.length() - 1);
        }
        int slash = n.lastIndexOf('/');
        return slash >= 0 ? n.substring(slash + 1) : n;
    }
}
