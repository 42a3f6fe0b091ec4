package dev.mgiad.train;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Typed, checked access to one parsed JSON object: every getter names the full key ({@code options.lr}) in its
 * error, so a state.json of {@code []}, {@code {}} or with a wrong type gives one clear line instead of a
 * ClassCastException or NullPointerException. Errors are IllegalArgumentExceptions; the file reader adds the file.
 */
public final class JsonObject {
    private final Map<?, ?> map;
    private final String path;

    private JsonObject(Map<?, ?> map, String path) {
        this.map = map;
        this.path = path;
    }

    /** {@code value} as an object; {@code what} names it in the error when it is something else. */
    public static JsonObject of(Object value, String what) {
        if (!(value instanceof Map<?, ?> m)) throw new IllegalArgumentException(what + " is not a JSON object");
        return new JsonObject(m, "");
    }

    private String key(String k) { return path + k; }

    private Object required(String k, String type) {
        Object v = map.get(k);
        if (v == null) throw new IllegalArgumentException("'" + key(k) + "' is missing");
        return v;
    }

    private IllegalArgumentException wrong(String k, String type, Object v) {
        String shown = String.valueOf(v);
        if (shown.length() > 40) shown = shown.substring(0, 40) + "...";
        return new IllegalArgumentException("'" + key(k) + "' must be " + type + ", not " + shown);
    }

    public boolean has(String k) { return map.get(k) != null; }

    /** The keys, in document order. */
    public List<String> keys() {
        List<String> r = new ArrayList<>(map.size());
        for (Object k : map.keySet()) r.add((String) k);
        return r;
    }

    public String string(String k) {
        Object v = required(k, "a string");
        if (!(v instanceof String s)) throw wrong(k, "a string", v);
        return s;
    }

    public String string(String k, String fallback) { return has(k) ? string(k) : fallback; }

    public boolean bool(String k) {
        Object v = required(k, "true or false");
        if (!(v instanceof Boolean b)) throw wrong(k, "true or false", v);
        return b;
    }

    public boolean bool(String k, boolean fallback) { return has(k) ? bool(k) : fallback; }

    public long integer(String k) {
        Object v = required(k, "an integer");
        if (!(v instanceof Long l)) throw wrong(k, "an integer", v);
        return l;
    }

    /** An integer that fits an int, for counts and sizes. */
    public int int32(String k) {
        long l = integer(k);
        if (l != (int) l) throw wrong(k, "an integer below 2^31", l);
        return (int) l;
    }

    public int int32(String k, int fallback) { return has(k) ? int32(k) : fallback; }

    public double number(String k) {
        Object v = required(k, "a number");
        if (!(v instanceof Number n)) throw wrong(k, "a number", v);
        return n.doubleValue();
    }

    /** A number, or NaN when absent or null (the writer stores non-finite numbers as null). */
    public double numberOrNaN(String k) { return has(k) ? number(k) : Double.NaN; }

    public JsonObject object(String k) {
        Object v = required(k, "an object");
        if (!(v instanceof Map<?, ?> m)) throw wrong(k, "an object", v);
        return new JsonObject(m, key(k) + ".");
    }

    public List<?> list(String k) {
        Object v = required(k, "a list");
        if (!(v instanceof List<?> l)) throw wrong(k, "a list", v);
        return l;
    }

    public List<JsonObject> objects(String k) {
        List<?> l = list(k);
        List<JsonObject> r = new ArrayList<>(l.size());
        for (int i = 0; i < l.size(); i++) {
            if (!(l.get(i) instanceof Map<?, ?> m)) throw wrong(k + "[" + i + "]", "an object", l.get(i));
            r.add(new JsonObject(m, key(k) + "[" + i + "]."));
        }
        return r;
    }

    public int[] ints(String k) {
        List<?> l = list(k);
        int[] r = new int[l.size()];
        for (int i = 0; i < r.length; i++) {
            if (!(l.get(i) instanceof Long x) || x != (int) (long) x) throw wrong(k + "[" + i + "]", "an integer", l.get(i));
            r[i] = (int) (long) x;
        }
        return r;
    }
}
