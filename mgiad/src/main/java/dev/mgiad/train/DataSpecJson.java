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
        options.put("dataset", d.name());
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

    /** The data description of an options map, with one-line errors for a damaged one. */
    public static DataSpec read(Map<?, ?> options) {
        if (!(options.get("dataset") instanceof String name)) throw new IllegalArgumentException("the checkpoint's options lack 'dataset'");
        if (!name.equals(DataSpec.FOLDER)) return DataSpec.builtin(DatasetKind.fromCliName(name));
        if (!(options.get("folder") instanceof Map<?, ?> f)) throw new IllegalArgumentException("the checkpoint's options lack the image folder's description");
        List<String> classes = new ArrayList<>();
        if (!(f.get("classes") instanceof List<?> cl)) throw new IllegalArgumentException("the checkpoint's image folder lacks 'classes'");
        for (Object o : cl) classes.add(String.valueOf(o));
        if (!(f.get("root") instanceof String root)) throw new IllegalArgumentException("the checkpoint's image folder lacks 'root'");
        try {
            return new DataSpec(null, Path.of(root), num(f, "channels"), num(f, "height"), num(f, "width"), classes,
                    floatArray(f, "mean"), floatArray(f, "std"));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("the checkpoint's image folder description is invalid: " + e.getMessage());
        }
    }

    private static List<Object> floats(float[] a) {
        List<Object> l = new ArrayList<>();
        for (float v : a) l.add((double) v);
        return l;
    }

    private static int num(Map<?, ?> m, String k) {
        if (!(m.get(k) instanceof Number n)) throw new IllegalArgumentException("the checkpoint's image folder lacks '" + k + "'");
        return n.intValue();
    }

    private static float[] floatArray(Map<?, ?> m, String k) {
        if (!(m.get(k) instanceof List<?> l)) throw new IllegalArgumentException("the checkpoint's image folder lacks '" + k + "'");
        float[] a = new float[l.size()];
        for (int i = 0; i < a.length; i++) {
            if (!(l.get(i) instanceof Number n)) throw new IllegalArgumentException("the checkpoint's image folder has a bad '" + k + "'");
            a[i] = n.floatValue();
        }
        return a;
    }
}
