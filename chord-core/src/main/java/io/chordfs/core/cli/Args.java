package io.chordfs.core.cli;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Command-line arguments: {@code --name value}, {@code --name=value}, boolean {@code --flag}s and
 * positional words. Anything unknown is a {@link UsageException}, so a typo never passes silently.
 */
public final class Args {
    private final Map<String, String> values = new HashMap<>();
    private final List<String> positional = new ArrayList<>();

    private Args() {}

    /**
     * @param withValue options that take a value, e.g. {@code "--ip"}
     * @param flags     options that take none, e.g. {@code "--quiet"}
     */
    public static Args parse(String[] argv, Set<String> withValue, Set<String> flags) throws UsageException {
        Args a = new Args();
        for (int i = 0; i < argv.length; i++) {
            String word = argv[i];
            if (!word.startsWith("--")) {
                a.positional.add(word);
                continue;
            }
            int eq = word.indexOf('=');
            String name = eq < 0 ? word : word.substring(0, eq);
            if (flags.contains(name) && eq < 0) {
                a.values.put(name, "true");
            } else if (withValue.contains(name)) {
                String value;
                if (eq >= 0) {
                    value = word.substring(eq + 1);
                } else if (i + 1 < argv.length) {
                    value = argv[++i];
                } else {
                    throw new UsageException(name + " needs a value");
                }
                if (a.values.put(name, value) != null) {
                    throw new UsageException(name + " given twice");
                }
            } else {
                throw new UsageException("unknown option " + name);
            }
        }
        return a;
    }

    public List<String> positional() {
        return positional;
    }

    /** For commands that take options only: any positional word is a usage error. */
    public Args withoutPositional() throws UsageException {
        if (!positional.isEmpty()) {
            throw new UsageException("unexpected argument '" + positional.get(0) + "'");
        }
        return this;
    }

    public boolean has(String name) {
        return values.containsKey(name);
    }

    public String get(String name, String fallback) {
        return values.getOrDefault(name, fallback);
    }

    public String require(String name) throws UsageException {
        String v = values.get(name);
        if (v == null) {
            throw new UsageException(name + " is required");
        }
        return v;
    }

    public int getInt(String name, int fallback, int min, int max) throws UsageException {
        String v = values.get(name);
        if (v == null) {
            return fallback;
        }
        try {
            int n = Integer.parseInt(v);
            if (n < min || n > max) {
                throw new UsageException(name + " must be between " + min + " and " + max + ", got " + v);
            }
            return n;
        } catch (NumberFormatException e) {
            throw new UsageException(name + " must be a whole number, got '" + v + "'");
        }
    }

    /** Wrong usage: reported as one line and exit code 2. */
    public static final class UsageException extends Exception {
        public UsageException(String message) {
            super(message, null, false, false);
        }
    }
}
