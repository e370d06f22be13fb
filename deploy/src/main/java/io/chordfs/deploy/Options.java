package io.chordfs.deploy;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/** {@code --key value} options of one command; anything wrong is a {@link UsageException}. */
public final class Options {
    /** Bad command line: one line to stderr and exit 2. */
    public static final class UsageException extends Exception {
        private static final long serialVersionUID = 1L;
        public UsageException(String message) { super(message); }
    }

    private final Map<String, String> values;

    private Options(Map<String, String> values) { this.values = values; }

    /** Parses {@code --key value} and {@code --key=value} pairs; only keys in {@code allowed}. */
    public static Options parse(String[] args, int from, Set<String> allowed) throws UsageException {
        Map<String, String> values = new LinkedHashMap<>();
        for (int i = from; i < args.length; i++) {
            String arg = args[i];
            if (!arg.startsWith("--") || arg.length() == 2) {
                throw new UsageException("unexpected argument '" + arg + "'");
            }
            String key = arg.substring(2);
            String value;
            int eq = key.indexOf('=');
            if (eq >= 0) {
                value = key.substring(eq + 1);
                key = key.substring(0, eq);
            } else if (i + 1 < args.length && !args[i + 1].startsWith("--")) {
                value = args[++i];
            } else {
                throw new UsageException("option --" + key + " needs a value");
            }
            if (!allowed.contains(key)) {
                throw new UsageException("unknown option --" + key);
            }
            if (values.put(key, value) != null) {
                throw new UsageException("option --" + key + " given twice");
            }
        }
        return new Options(values);
    }

    public boolean has(String key) { return values.containsKey(key); }

    public String get(String key) { return values.get(key); }

    public String get(String key, String otherwise) { return values.getOrDefault(key, otherwise); }

    public String required(String key) throws UsageException {
        String v = values.get(key);
        if (v == null || v.isEmpty()) {
            throw new UsageException("missing required option --" + key);
        }
        return v;
    }

    public int integer(String key, int otherwise, int min, int max) throws UsageException {
        String v = values.get(key);
        if (v == null) {
            return otherwise;
        }
        try {
            int n = Integer.parseInt(v);
            if (n < min || n > max) {
                throw new UsageException("--" + key + " must be between " + min + " and " + max + ": " + v);
            }
            return n;
        } catch (NumberFormatException e) {
            throw new UsageException("--" + key + " must be a whole number: " + v);
        }
    }
}
