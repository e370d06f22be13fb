package io.chordfs.node.http;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A header value with parameters, {@code form-data; name="files"; filename="a b.txt"}, parsed as
 * Python's {@code cgi.parse_header} does (which is what uploadserver's multipart parsing uses):
 * split on ';' outside double quotes, parameter names lower-cased, a quoted value unquoted with
 * {@code \\} and {@code \"} unescaped, and a later duplicate parameter wins.
 */
record HeaderParams(String value, Map<String, String> params) {

    static HeaderParams parse(String line) {
        List<String> parts = split(line == null ? "" : line);
        String key = parts.isEmpty() ? "" : parts.get(0);
        Map<String, String> params = new LinkedHashMap<>();
        for (int i = 1; i < parts.size(); i++) {
            String p = parts.get(i);
            int eq = p.indexOf('=');
            if (eq < 0) {
                continue;
            }
            String name = p.substring(0, eq).strip().toLowerCase(Locale.ROOT);
            String v = p.substring(eq + 1).strip();
            if (v.length() >= 2 && v.charAt(0) == '"' && v.charAt(v.length() - 1) == '"') {
                v = v.substring(1, v.length() - 1).replace("\\\\", "\\").replace("\\\"", "\"");
            }
            params.put(name, v);
        }
        return new HeaderParams(key, params);
    }

    String param(String name) {
        return params.get(name);
    }

    /**
     * cgi._parseparam: a ';' ends a part unless an odd number of unescaped quotes precede it in
     * the part (a ';' first in a part always ends it). One pass that keeps the parity as it goes:
     * cgi recounts the quotes from the part's start at every ';', which costs seconds of CPU on a
     * 64 KiB header made of quotes and semicolons.
     */
    private static List<String> split(String line) {
        List<String> out = new ArrayList<>();
        int start = 0;
        boolean oddQuotes = false;
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (c == ';' && (i == start || !oddQuotes)) {
                out.add(line.substring(start, i).strip());
                start = i + 1;
                oddQuotes = false;
            } else if (c == '"' && (i == start || line.charAt(i - 1) != '\\')) {
                oddQuotes = !oddQuotes;
            }
        }
        out.add(line.substring(start).strip());
        return out;
    }
}
