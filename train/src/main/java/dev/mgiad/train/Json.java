package dev.mgiad.train;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A small JSON writer and a bounded reader for the files of a run folder (checkpoint metadata, metrics, the
 * safetensors header). Values are Map, List, String, Number (Long or Double), Boolean or null.
 *
 * <p>The reader treats its input as untrusted: a run folder may come from anywhere, so a document that nests deeper
 * than {@link #MAX_DEPTH}, or holds a string or number longer than its limit, is refused with a one-line
 * IllegalArgumentException instead of exhausting the stack or memory. The files this tool writes nest at most
 * four deep and stay far below every limit. (Hand-written rather than a library: the format needs ~200 lines, and
 * a library would be the project's only dependency outside the allowed list.)
 */
public final class Json {
    private Json() { }

    /** Deepest nesting of objects and arrays accepted. */
    public static final int MAX_DEPTH = 64;
    /** Longest string (key or value) accepted, in characters. */
    public static final int MAX_STRING = 1 << 20;
    /** Longest number literal accepted. */
    private static final int MAX_NUMBER = 64;
    /** Largest JSON file {@link #readFile} reads: state.json of a 400-epoch run is about 100 KB. */
    public static final long MAX_FILE_BYTES = 16L << 20;

    /**
     * Reads and parses a JSON file of at most {@link #MAX_FILE_BYTES}; a larger file is refused before it is read,
     * a malformed one gives an IllegalArgumentException (the caller names the file).
     */
    public static Object readFile(java.nio.file.Path file) throws java.io.IOException {
        long size = java.nio.file.Files.size(file);
        if (size > MAX_FILE_BYTES) {
            throw new IllegalArgumentException("it is " + size + " bytes, more than the " + MAX_FILE_BYTES
                    + " a JSON file of a run folder can be: not written by this tool");
        }
        return parse(java.nio.file.Files.readString(file));
    }

    public static String write(Object v) {
        StringBuilder sb = new StringBuilder();
        write(sb, v);
        return sb.toString();
    }

    private static void write(StringBuilder sb, Object v) {
        if (v == null) sb.append("null");
        else if (v instanceof String s) quote(sb, s);
        else if (v instanceof Double d) sb.append(Double.isFinite(d) ? d.toString() : "null");
        else if (v instanceof Float f) sb.append(Float.isFinite(f) ? Double.toString(f) : "null");
        else if (v instanceof Number || v instanceof Boolean) sb.append(v);
        else if (v instanceof Map<?, ?> m) {
            sb.append('{');
            boolean first = true;
            for (var e : m.entrySet()) {
                if (!first) sb.append(',');
                first = false;
                quote(sb, String.valueOf(e.getKey()));
                sb.append(':');
                write(sb, e.getValue());
            }
            sb.append('}');
        } else if (v instanceof List<?> l) {
            sb.append('[');
            for (int i = 0; i < l.size(); i++) {
                if (i > 0) sb.append(',');
                write(sb, l.get(i));
            }
            sb.append(']');
        } else if (v instanceof long[] a) {
            List<Object> l = new ArrayList<>();
            for (long x : a) l.add(x);
            write(sb, l);
        } else if (v instanceof int[] a) {
            List<Object> l = new ArrayList<>();
            for (int x : a) l.add((long) x);
            write(sb, l);
        } else throw new IllegalArgumentException("cannot write " + v.getClass() + " as JSON");
    }

    private static void quote(StringBuilder sb, String s) {
        sb.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                default -> {
                    if (c < 0x20) sb.append(String.format("\\u%04x", (int) c));
                    else sb.append(c);
                }
            }
        }
        sb.append('"');
    }

    /** Parses a JSON document; a malformed one gives an IllegalArgumentException naming the position. */
    public static Object parse(String s) {
        Parser p = new Parser(s);
        p.ws();
        Object v = p.value();
        p.ws();
        if (p.i != s.length()) throw p.error("trailing characters");
        return v;
    }

    private static final class Parser {
        final String s;
        int i;
        int depth;

        Parser(String s) { this.s = s; }

        IllegalArgumentException error(String what) { return new IllegalArgumentException("malformed JSON at offset " + i + ": " + what); }

        void ws() { while (i < s.length() && Character.isWhitespace(s.charAt(i))) i++; }

        Object value() {
            if (i >= s.length()) throw error("unexpected end");
            char c = s.charAt(i);
            if (c == '{' || c == '[') {
                if (++depth > MAX_DEPTH) throw error("nested deeper than " + MAX_DEPTH + " levels");
                Object v = c == '{' ? object() : array();
                depth--;
                return v;
            }
            if (c == '"') return string();
            if (s.startsWith("true", i)) { i += 4; return true; }
            if (s.startsWith("false", i)) { i += 5; return false; }
            if (s.startsWith("null", i)) { i += 4; return null; }
            return number();
        }

        Map<String, Object> object() {
            Map<String, Object> m = new LinkedHashMap<>();
            i++;
            ws();
            if (i < s.length() && s.charAt(i) == '}') { i++; return m; }
            while (true) {
                ws();
                if (i >= s.length() || s.charAt(i) != '"') throw error("expected a key");
                String k = string();
                ws();
                if (i >= s.length() || s.charAt(i) != ':') throw error("expected ':'");
                i++;
                ws();
                if (m.containsKey(k)) throw error("duplicate key '" + k + "'");
                m.put(k, value());
                ws();
                if (i >= s.length()) throw error("unexpected end in object");
                char c = s.charAt(i++);
                if (c == '}') return m;
                if (c != ',') throw error("expected ',' or '}'");
            }
        }

        List<Object> array() {
            List<Object> l = new ArrayList<>();
            i++;
            ws();
            if (i < s.length() && s.charAt(i) == ']') { i++; return l; }
            while (true) {
                ws();
                l.add(value());
                ws();
                if (i >= s.length()) throw error("unexpected end in array");
                char c = s.charAt(i++);
                if (c == ']') return l;
                if (c != ',') throw error("expected ',' or ']'");
            }
        }

        String string() {
            StringBuilder sb = new StringBuilder();
            i++;
            while (true) {
                if (i >= s.length()) throw error("unterminated string");
                char c = s.charAt(i++);
                if (c == '"') return sb.toString();
                if (sb.length() >= MAX_STRING) throw error("string longer than " + MAX_STRING + " characters");
                if (c == '\\') {
                    if (i >= s.length()) throw error("bad escape");
                    char e = s.charAt(i++);
                    switch (e) {
                        case 'n' -> sb.append('\n');
                        case 't' -> sb.append('\t');
                        case 'r' -> sb.append('\r');
                        case 'b' -> sb.append('\b');
                        case 'f' -> sb.append('\f');
                        case 'u' -> {
                            if (i + 4 > s.length()) throw error("bad unicode escape");
                            int code = 0;
                            for (int k = 0; k < 4; k++) {
                                int d = Character.digit(s.charAt(i + k), 16);
                                if (d < 0) throw error("bad unicode escape");
                                code = code * 16 + d;
                            }
                            sb.append((char) code);
                            i += 4;
                        }
                        default -> sb.append(e);
                    }
                } else sb.append(c);
            }
        }

        Number number() {
            int start = i;
            while (i < s.length() && "+-0123456789.eE".indexOf(s.charAt(i)) >= 0) i++;
            if (i - start > MAX_NUMBER) throw error("number longer than " + MAX_NUMBER + " characters");
            String t = s.substring(start, i);
            if (t.isEmpty()) throw error("unexpected character '" + s.charAt(start) + "'");
            try {
                if (t.contains(".") || t.contains("e") || t.contains("E")) return Double.parseDouble(t);
                return Long.parseLong(t);
            } catch (NumberFormatException ex) {
                throw error("bad number '" + t + "'");
            }
        }
    }
}
