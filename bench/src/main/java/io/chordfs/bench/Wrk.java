package io.chordfs.bench;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** wrk (Debian's {@code wrk}): many keep-alive GETs of one URL, its rate and latency percentiles. */
final class Wrk {
    private final Path binary;

    private Wrk(Path binary) {
        this.binary = binary;
    }

    /** wrk, or null (with a line saying why) when it is not installed and cannot be. */
    static Wrk orNull() {
        Path p = Tools.require("wrk", "wrk", "the 4 KiB GETs with wrk");
        return p == null ? null : new Wrk(p);
    }

    /** One run: requests/s, latency p50 and p99 in ms, and the requests that failed (socket errors, non-2xx). */
    record Result(double perSecond, double p50Ms, double p99Ms, long requests, long errors, String output) {
        @Override
        public String toString() {
            return String.format(Locale.ROOT, "%.0f requests/s, p50 %.2f ms, p99 %.2f ms, %d requests%s", perSecond, p50Ms, p99Ms,
                    requests, errors == 0 ? "" : ", " + errors + " FAILED");
        }
    }

    Result run(URI url, int threads, int connections, int seconds) throws IOException {
        return parse(Shell.output(seconds + 30L, List.of(binary.toString(), "-t", Integer.toString(threads), "-c",
                Integer.toString(connections), "-d", seconds + "s", "--timeout", "10s", "--latency", url.toString())));
    }

    /** wrk's report (with --latency) as a Result. */
    static Result parse(String out) throws IOException {
        double rate = number(out, "Requests/sec:\\s+([0-9.]+)");
        long requests = (long) number(out, "([0-9]+) requests in");
        long errors = 0;
        Matcher socket = Pattern.compile("Socket errors: connect (\\d+), read (\\d+), write (\\d+), timeout (\\d+)").matcher(out);
        if (socket.find()) {
            for (int i = 1; i <= 4; i++) {
                errors += Long.parseLong(socket.group(i));
            }
        }
        Matcher non2xx = Pattern.compile("Non-2xx or 3xx responses: (\\d+)").matcher(out);
        if (non2xx.find()) {
            errors += Long.parseLong(non2xx.group(1));
        }
        return new Result(rate, latencyMs(out, "50%"), latencyMs(out, "99%"), requests, errors, out);
    }

    private static double number(String out, String regex) throws IOException {
        Matcher m = Pattern.compile(regex).matcher(out);
        if (!m.find()) {
            throw new IOException("wrk: unexpected output: " + out.strip());
        }
        return Double.parseDouble(m.group(1));
    }

    /** A line of wrk's latency distribution, e.g. "99%    1.23ms", in ms. */
    private static double latencyMs(String out, String percentile) throws IOException {
        Matcher m = Pattern.compile("\\s" + Pattern.quote(percentile) + "\\s+([0-9.]+)(us|ms|s|m)\\b").matcher(out);
        if (!m.find()) {
            return Double.NaN;
        }
        double v = Double.parseDouble(m.group(1));
        return switch (m.group(2)) {
            case "us" -> v / 1000;
            case "ms" -> v;
            case "s" -> v * 1000;
            default -> v * 60_000;
        };
    }
}
