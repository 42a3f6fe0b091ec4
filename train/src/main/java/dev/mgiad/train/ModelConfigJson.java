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

    /** The configuration a checkpoint describes, validated; a missing or wrong key names itself. */
    public static ModelConfig read(JsonObject m) {
        List<Integer> widths = new ArrayList<>();
        for (int w : m.ints("widths")) widths.add(w);
        try {
            return new ModelConfig(ModelConfig.Kind.parse(m.string("model")), m.int32("in_channels"), m.int32("classes"),
                    widths, m.int32("ck"), m.int32("gs"), m.int32("lambda"), m.int32("pre"), m.int32("post"), m.int32("nu"),
                    ModelConfig.Share.parse(m.string("share")), ModelConfig.Correction.parse(m.string("correction")),
                    m.int32("blocks")).validate();
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("the model it describes is invalid: " + e.getMessage());
        }
    }
}
