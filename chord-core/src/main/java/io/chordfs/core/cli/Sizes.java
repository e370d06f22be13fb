package io.chordfs.core.cli;

import picocli.CommandLine;

import java.util.Locale;

/** Byte sizes as people write them: 4096, 64KiB, 8MiB, 1GiB, 10GB. */
public final class Sizes {
    private Sizes() {}

    public static long parse(String text) throws Args.UsageException {
        return Units.parse(text, new String[][] {{"kib", "1024"}, {"mib", "1048576"}, {"gib", "1073741824"},
                {"tib", "1099511627776"}, {"kb", "1000"}, {"mb", "1000000"}, {"gb", "1000000000"},
                {"tb", "1000000000000"}, {"k", "1024"}, {"m", "1048576"}, {"g", "1073741824"}, {"b", "1"}},
                "size", "4096, 64KiB, 8MiB, 1GiB");
    }

    /** {@code --capacity 64MiB}: a size option, in bytes. */
    public static final class Converter implements CommandLine.ITypeConverter<Long> {
        @Override
        public Long convert(String text) {
            try {
                return parse(text);
            } catch (Args.UsageException e) {
                throw new CommandLine.TypeConversionException(e.getMessage());
            }
        }
    }

    /** 1536 -> "1.5 KiB". */
    public static String format(long bytes) {
        String[] names = {"B", "KiB", "MiB", "GiB", "TiB"};
        double v = bytes;
        int i = 0;
        while (v >= 1024 && i < names.length - 1) {
            v /= 1024;
            i++;
        }
        return i == 0 ? bytes + " B" : String.format(Locale.ROOT, "%.1f %s", v, names[i]);
    }
}
