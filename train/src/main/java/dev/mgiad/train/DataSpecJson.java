package dev.mgiad.train;

import dev.mgiad.datasets.DataSpec;
import dev.mgiad.datasets.DatasetKind;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A run's {@link DataSpec} in state.json. A built-in data set is only its name ({@code "dataset": "cifar10"}, as
 * runs have always stored it); an image folder adds {@code "folder": {root, channels, height, width, classes, mean,
 * std}}, so that eval and predict normalise with the training split's statistics and name the classes without the
 * folder at hand.
 */
public final class DataSpecJson {
    private DataSpecJson() { }

    /** Adds the data description to an options map. */
    public static void write(DataSpec d, Map<String, Object> options) {
        options.put("dataset", d.cliName());
        if (!d.isFolder()) return;
        Map<String, Object> f = new LinkedHashMap<>();
        f.put("root", d.root().toString());
        f.put("channels", (long) d.channels());
        f.put("height", (long) d.height());
        f.put("width", (long) d.width());
        f.put("classes", d.classNames());
        f.put("mean", floats(d.mean()));
        f.put("std", floats(d.std()));
        options.put("folder", f);
    }

    /** The data description of stored options; errors name the key. */
    public static DataSpec read(JsonObject options) {
        String name = options.string("dataset");
        if (!name.equals(DataSpec.FOLDER)) return DataSpec.builtin(DatasetKind.fromCliName(name));
        JsonObject f = options.object("folder");
        List<String> classes = new ArrayList<>();
        for (Object o : f.list("classes")) {
            if (!(o instanceof String c)) throw new IllegalArgumentException("folder.classes holds a non-string: " + o);
            classes.add(c);
        }
        try {
            return new DataSpec(null, Path.of(f.string("root")), f.int32("channels"), f.int32("height"), f.int32("width"),
                    classes, floatArray(f, "mean"), floatArray(f, "std"));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("the image folder's description is invalid: " + e.getMessage(), e);
        }
    }

    private static List<Object> floats(float[] a) {
        List<Object> l = new ArrayList<>();
        for (float v : a) l.add((double) v);
        return l;
    }

    private static float[] floatArray(JsonObject m, String k) {
        List<?> l = m.list(k);
        float[] a = new float[l.size()];
        for (int i = 0; i < a.length; i++) {
            if (!(l.get(i) instanceof Number n)) throw new IllegalArgumentException("folder." + k + "[" + i + "] is not a number");
            a[i] = n.floatValue();
        }
        return a;
    }
}
