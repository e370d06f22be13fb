package io.chordfs.core.cli;

import picocli.CommandLine;

/** Durations as people write them: 500ms, 5s, 1m, 2h, or a plain number of milliseconds. */
public final class Durations {
    private Durations() {}

    /** The duration in milliseconds; a usage error for anything else, negative or overflowing. */
    public static long parseMillis(String text) throws Args.UsageException {
        // "ms" before "m" and "s", so that 500ms is not read as 500m + "s".
        return Units.parse(text, new String[][] {{"ms", "1"}, {"s", "1000"}, {"m", "60000"}, {"h", "3600000"}},
                "duration", "500ms, 5s, 1m, or milliseconds");
    }

    /** {@code --period 5s}: a duration option, in milliseconds. */
    public static final class Converter implements CommandLine.ITypeConverter<Long> {
        @Override
        public Long convert(String text) {
            try {
                return parseMillis(text);
            } catch (Args.UsageException e) {
                throw new CommandLine.TypeConversionException(e.getMessage());
            }
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
