package io.chordfs.core.cli;

import java.util.Locale;

/** Durations as people write them: 500ms, 5s, 1m, 2h, or a plain number of milliseconds. */
public final class Durations {
    private Durations() {}

    /** The duration in milliseconds; a usage error for anything else, negative or overflowing. */
    public static long parseMillis(String text) throws Args.UsageException {
        String t = text.trim().toLowerCase(Locale.ROOT);
        long unit = 1;
        // "ms" before "m" and "s", so that 500ms is not read as 500m + "s".
        String[][] units = {{"ms", "1"}, {"s", "1000"}, {"m", "60000"}, {"h", "3600000"}};
        for (String[] u : units) {
            if (t.endsWith(u[0])) {
                unit = Long.parseLong(u[1]);
                t = t.substring(0, t.length() - u[0].length()).trim();
                break;
            }
        }
        try {
            long n = Long.parseLong(t);
            if (n < 0 || n > Long.MAX_VALUE / unit) {
                throw new Args.UsageException("duration out of range: '" + text + "'");
            }
            return n * unit;
        } catch (NumberFormatException e) {
            throw new Args.UsageException("not a duration: '" + text + "' (examples: 500ms, 5s, 1m, or milliseconds)");
        }
    }

    /** 500 -> "500 ms", 5000 -> "5 s", 90000 -> "90 s", 120000 -> "2 min". */
    public static String format(long ms) {
        if (ms % 60_000 == 0 && ms >= 120_000) {
            return ms / 60_000 + " min";
        }
        if (ms % 1000 == 0 && ms > 0) {
            return ms / 1000 + " s";
        }
        return ms + " ms";
    }
}
