package io.chordfs.core.cli;

import java.util.Locale;

/** A number with an optional unit suffix, as sizes and durations are written on command lines. */
final class Units {
    private Units() {}

    /**
     * @param units suffix and multiplier pairs, longest-first where one suffix ends another
     *              ("ms" before "s"), so the first match is the right one
     */
    static long parse(String text, String[][] units, String what, String examples) throws Args.UsageException {
        String t = text.trim().toLowerCase(Locale.ROOT);
        long unit = 1;
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
                throw new Args.UsageException(what + " out of range: '" + text + "'");
            }
            return n * unit;
        } catch (NumberFormatException e) {
            throw new Args.UsageException("not a " + what + ": '" + text + "' (examples: " + examples + ")");
        }
    }
}
