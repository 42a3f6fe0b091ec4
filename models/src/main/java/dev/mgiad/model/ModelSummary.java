package dev.mgiad.model;

import dev.mgiad.engine.nn.Parameter;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Weights and forward MACs of a model split by part: the stem, each resolution level (with its channel hierarchy)
 * and the classifier. The parts add up to the totals; a parameter outside them is reported as {@code other}.
 *
 * @param rows   stem, levels.1 .. levels.L, fc (and other, if any)
 * @param inputH the input height the MACs are counted on
 * @param inputW the input width
 */
public record ModelSummary(List<Row> rows, long weights, long macs, int inputH, int inputW) {

    /**
     * One part of the model.
     *
     * @param part       {@code stem}, {@code levels.l} or {@code fc}
     * @param h          spatial size of the part's activations
     * @param w          spatial size of the part's activations
     * @param channels   channel hierarchy (empty for stem and fc)
     * @param groupSizes channels per group at each channel level (empty for stem and fc)
     */
    public record Row(String part, int h, int w, List<Integer> channels, List<Integer> groupSizes, long weights, long macs) { }

    public static ModelSummary of(Model model, int h, int w) {
        MacCounter mc = MacCounter.run(model, h, w);
        Map<String, Parameter> params = model.root().namedParameters();
        List<Row> rows = new ArrayList<>();
        rows.add(new Row("stem", h, w, List.of(), List.of(), weights(params, "stem"), mc.macs("stem")));
        for (Model.LevelInfo li : model.levels()) {
            int scale = 1 << (li.level() - 1);
            rows.add(new Row(li.prefix(), (h - 1) / scale + 1, (w - 1) / scale + 1, li.channels(), li.groupSizes(),
                    weights(params, li.prefix()), mc.macs(li.prefix())));
        }
        rows.add(new Row("fc", 1, 1, List.of(), List.of(), weights(params, "fc"), mc.macs("fc")));
        long total = model.weightCount();
        long listedW = rows.stream().mapToLong(Row::weights).sum(), listedM = rows.stream().mapToLong(Row::macs).sum();
        if (listedW != total || listedM != mc.total()) {
            rows.add(new Row("other", 0, 0, List.of(), List.of(), total - listedW, mc.total() - listedM));
        }
        return new ModelSummary(List.copyOf(rows), total, mc.total(), h, w);
    }

    private static long weights(Map<String, Parameter> params, String prefix) {
        long n = 0;
        for (var e : params.entrySet()) if (e.getKey().startsWith(prefix + ".")) n += e.getValue().elements();
        return n;
    }
}
