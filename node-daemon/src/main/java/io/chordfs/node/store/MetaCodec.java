package io.chordfs.node.store;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The metadata file format: one small JSON object per object, hand-written so the store needs
 * no library. Example:
 * <pre>{"format":1,"name":"a.txt","key":607204990,"size":5,"sha256":"…","version":111542…,
 * "tombstone":false,"modified":1700000000000,"blockSize":1048576,"crc32c":[3394201157]}</pre>
 * Unknown fields are ignored when reading, so later versions can add some.
 */
final class MetaCodec {
    static final int FORMAT = 1;

    private MetaCodec() {}

    static byte[] encode(ObjectMeta m) {
        StringBuilder sb = new StringBuilder(160 + m.blockCrc32c().size() * 11);
        sb.append("{\"format\":").append(FORMAT);
        sb.append(",\"name\":");
        quote(sb, m.name());
        sb.append(",\"key\":").append(m.key());
        sb.append(",\"size\":").append(m.size());
        sb.append(",\"sha256\":");
        quote(sb, m.sha256());
        sb.append(",\"version\":").append(m.version());
        sb.append(",\"tombstone\":").append(m.tombstone());
        sb.append(",\"modified\":").append(m.modifiedMillis());
        sb.append(",\"blockSize\":").append(m.blockSize());
        sb.append(",\"crc32c\":[");
        List<Long> crcs = m.blockCrc32c();
        for (int i = 0; i < crcs.size(); i++) {
            if (i > 0) {
                sb.append(',');
            }
            sb.append(crcs.get(i).longValue());
        }
        sb.append("]}\n");
        return sb.toString().getBytes(StandardCharsets.UTF_8);
    }

    private static void quote(StringBuilder sb, String s) {
        sb.append('"');
        if (plain(s)) {
            sb.append(s).append('"');
            return;
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                default -> {
                    if (c < 0x20 || c == 0x7f) {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        sb.append('"');
    }

    /** True when no character of {@code s} needs escaping (the usual name and every checksum). */
    private static boolean plain(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x20 || c == 0x7f || c == '"' || c == '\\') {
                return false;
            }
        }
        return true;
    }

    /** Parses a metadata file; any defect is an IOException naming it. */
    static ObjectMeta decode(byte[] bytes) throws IOException {
        try {
            return new Parser(new String(bytes, StandardCharsets.UTF_8)).object();
        } catch (IllegalArgumentException | IndexOutOfBoundsException | NullPointerException e) {
            throw new IOException("unreadable metadata: " + e.getMessage(), e);
        }
    }

    private static final class Parser {
        private final String s;
        private int i;

        Parser(String s) {
            this.s = s;
        }

        ObjectMeta object() {
            String name = null;
            String sha = null;
            Long key = null;
            Long size = null;
            Long version = null;
            Boolean tomb = null;
            Long modified = null;
            Long blockSize = null;
            List<Long> crcs = null;
            Long format = null;
            skipWs();
            expect('{');
            skipWs();
            if (peek() != '}') {
                while (true) {
                    skipWs();
                    String field = string();
                    skipWs();
                    expect(':');
                    skipWs();
                    switch (field) {
                        case "format" -> format = number();
                        case "name" -> name = string();
                        case "key" -> key = number();
                        case "size" -> size = number();
                        case "sha256" -> sha = string();
                        case "version" -> version = number();
                        case "tombstone" -> tomb = bool();
                        case "modified" -> modified = number();
                        case "blockSize" -> blockSize = number();
                        case "crc32c" -> crcs = numbers();
                        default -> skipValue();
                    }
                    skipWs();
                    if (peek() == ',') {
                        i++;
                        continue;
                    }
                    break;
                }
            }
            expect('}');
            skipWs();
            if (i != s.length()) {
                throw new IllegalArgumentException("trailing characters at " + i);
            }
            if (format == null || format != FORMAT) {
                throw new IllegalArgumentException("unknown format " + format);
            }
            if (name == null || sha == null || key == null || size == null || version == null || tomb == null
                    || modified == null || blockSize == null || crcs == null) {
                throw new IllegalArgumentException("a field is missing");
            }
            if (size < 0 || blockSize <= 0 || blockSize > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("bad size or block size");
            }
            long blocks = tomb ? 0 : (size + blockSize - 1) / blockSize;
            if (crcs.size() != blocks) {
                throw new IllegalArgumentException(crcs.size() + " block checksums for " + blocks + " blocks");
            }
            return new ObjectMeta(name, key, size, sha, version, tomb, modified, (int) (long) blockSize, crcs);
        }

        private char peek() {
            return s.charAt(i);
        }

        private void expect(char c) {
            if (s.charAt(i) != c) {
                throw new IllegalArgumentException("expected '" + c + "' at " + i);
            }
            i++;
        }

        private void skipWs() {
            while (i < s.length() && Character.isWhitespace(s.charAt(i))) {
                i++;
            }
        }

        private String string() {
            expect('"');
            StringBuilder sb = new StringBuilder();
            while (true) {
                char c = s.charAt(i++);
                if (c == '"') {
                    return sb.toString();
                }
                if (c != '\\') {
                    sb.append(c);
                    continue;
                }
                char e = s.charAt(i++);
                switch (e) {
                    case '"', '\\', '/' -> sb.append(e);
                    case 'b' -> sb.append('\b');
                    case 'f' -> sb.append('\f');
                    case 'n' -> sb.append('\n');
                    case 'r' -> sb.append('\r');
                    case 't' -> sb.append('\t');
                    case 'u' -> {
                        sb.append((char) Integer.parseInt(s.substring(i, i + 4), 16));
                        i += 4;
                    }
                    default -> throw new IllegalArgumentException("bad escape at " + i);
                }
            }
        }

        private long number() {
            int start = i;
            if (peek() == '-') {
                i++;
            }
            while (i < s.length() && Character.isDigit(s.charAt(i))) {
                i++;
            }
            return Long.parseLong(s.substring(start, i));
        }

        private boolean bool() {
            if (s.startsWith("true", i)) {
                i += 4;
                return true;
            }
            if (s.startsWith("false", i)) {
                i += 5;
                return false;
            }
            throw new IllegalArgumentException("expected a boolean at " + i);
        }

        private List<Long> numbers() {
            List<Long> out = new ArrayList<>();
            expect('[');
            skipWs();
            if (peek() == ']') {
                i++;
                return out;
            }
            while (true) {
                skipWs();
                out.add(number());
                skipWs();
                if (peek() == ',') {
                    i++;
                    continue;
                }
                expect(']');
                return out;
            }
        }

        private void skipValue() {
            char c = peek();
            if (c == '"') {
                string();
            } else if (c == 't' || c == 'f') {
                bool();
            } else if (s.startsWith("null", i)) {
                i += 4;
            } else if (c == '[') {
                numbers();
            } else {
                number();
            }
        }
    }
}
