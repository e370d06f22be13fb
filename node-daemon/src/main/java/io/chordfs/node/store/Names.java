package io.chordfs.node.store;

import io.chordfs.core.ring.NameRules;
import io.chordfs.core.ring.ObjectNames;

import java.util.Optional;

/** The name rules ({@link NameRules}) as the store applies them, and uploadserver's base names. */
public final class Names {
    private Names() {}

    /** Returns the name, or throws {@link BadNameException} saying what is wrong with it. */
    public static String check(String name) {
        Optional<String> problem = NameRules.problem(name);
        if (problem.isPresent()) {
            throw new BadNameException(problem.get());
        }
        return name;
    }

    /**
     * Checks the name of a stored object: a user's name (then empty) or a chunk object's (then
     * its parts); anything else is a {@link BadNameException}.
     */
    public static Optional<ObjectNames.ChunkObject> checkObject(String name) {
        if (name != null && ObjectNames.isInternal(name)) {
            return Optional.of(ObjectNames.parse(name)
                    .orElseThrow(() -> new BadNameException("'" + name + "' is not the name of a chunk object")));
        }
        check(name);
        return Optional.empty();
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
