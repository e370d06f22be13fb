package io.chordfs.node.http;

import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoField;
import java.util.Locale;
import java.util.OptionalLong;

/** HTTP dates: Last-Modified out, If-Modified-Since in, with the rules of Python's http.server. */
final class HttpDates {
    private static final DateTimeFormatter RFC_1123 =
            DateTimeFormatter.ofPattern("EEE, dd MMM yyyy HH:mm:ss 'GMT'", Locale.US).withZone(ZoneOffset.UTC);
    /** RFC 850: "Sunday, 06-Nov-94 08:49:37 GMT" (two-digit years are 19xx/20xx as email.utils does). */
    private static final DateTimeFormatter RFC_850 = new DateTimeFormatterBuilder()
            .parseCaseInsensitive()
            .appendPattern("EEEE, dd-MMM-")
            .appendValueReduced(ChronoField.YEAR, 2, 2, 1970)
            .appendPattern(" HH:mm:ss 'GMT'")
            .toFormatter(Locale.US);
    /** asctime: "Sun Nov  6 08:49:37 1994" (no zone: taken as UTC, as Python does). */
    private static final DateTimeFormatter ASCTIME = new DateTimeFormatterBuilder()
            .parseCaseInsensitive()
            .appendPattern("EEE MMM")
            .appendLiteral(' ')
            .optionalStart().appendLiteral(' ').optionalEnd()
            .appendPattern("d HH:mm:ss yyyy")
            .toFormatter(Locale.US);

    private HttpDates() {}

    /** "Sun, 06 Nov 1994 08:49:37 GMT", whole seconds (the fraction is dropped, as Python does). */
    static String format(long epochMillis) {
        return RFC_1123.format(Instant.ofEpochSecond(Math.floorDiv(epochMillis, 1000)));
    }

    /**
     * The epoch second of an If-Modified-Since value, or empty when it is ill-formed or not in UTC.
     * Python's send_head ignores ill-formed values and values with a non-UTC zone; so do we.
     */
    static OptionalLong parseEpochSecond(String value) {
        if (value == null) {
            return OptionalLong.empty();
        }
        String v = value.trim();
        try {
            ZonedDateTime t = ZonedDateTime.parse(v, DateTimeFormatter.RFC_1123_DATE_TIME);
            if (t.getOffset().getTotalSeconds() != 0) {
                return OptionalLong.empty();
            }
            return OptionalLong.of(t.toEpochSecond());
        } catch (DateTimeParseException ignored) {
            // try the obsolete forms
        }
        for (DateTimeFormatter f : new DateTimeFormatter[] {RFC_850, ASCTIME}) {
            try {
                return OptionalLong.of(LocalDateTime.parse(v, f).toEpochSecond(ZoneOffset.UTC));
            } catch (DateTimeParseException ignored) {
                // next form
            }
        }
        return OptionalLong.empty();
    }
}
