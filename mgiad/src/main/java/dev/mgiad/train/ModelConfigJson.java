package dev.mgiad.train;

import dev.mgiad.model.ModelConfig;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** A model configuration as checkpoint JSON, so that resume and eval rebuild exactly the trained architecture. */
public final class ModelConfigJson {
    private ModelConfigJson() { }

    public static Map<String, Object> write(ModelConfig c) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("model", c.kind().cliName);
        m.put("in_channels", (long) c.inChannels());
        m.put("classes", (long) c.classes());
        List<Object> w = new ArrayList<>();
        for (int x : c.widths()) w.add((long) x);
        m.put("widths", w);
        m.put("ck", (long) c.ck());
        m.put("gs", (long) c.gs());
        m.put("lambda", (long) c.lambda());
        m.put("pre", (long) c.pre());
        m.put("post", (long) c.post());
        m.put("nu", (long) c.nu());
        m.put("share", c.share().cliName());
        m.put("correction", c.correction().cliName());
        m.put("blocks", (long) c.blocks());
        return m;
    }

    public static ModelConfig read(Map<?, ?> m) {
        try {
            List<Integer> widths = new ArrayList<>();
            for (Object o : (List<?>) m.get("widths")) widths.add(((Number) o).intValue());
            return new ModelConfig(ModelConfig.Kind.parse((String) m.get("model")), i(m, "in_channels"), i(m, "classes"),
                    widths, i(m, "ck"), i(m, "gs"), i(m, "lambda"), i(m, "pre"), i(m, "post"), i(m, "nu"),
                    ModelConfig.Share.parse((String) m.get("share")), ModelConfig.Correction.parse((String) m.get("correction")),
                    i(m, "blocks")).validate();
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("the checkpoint's model description is incomplete or invalid: " + e.getMessage());
        }
    }

    private static int i(Map<?, ?> m, String k) {
        Object v = m.get(k);
        if (!(v instanceof Number n)) throw new IllegalArgumentException("missing '" + k + "'");
        return n.intValue();
    }
}
