package dev.mgiad.predict;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.IntStream;

/**
 * The class probabilities of one image (softmax of the logits).
 *
 * @param source where the image came from (a file name), or empty
 */
public record Prediction(String source, float[] probabilities, List<String> classNames) {

    /** One class with its probability. */
    public record Scored(int index, String name, double probability) { }

    public Prediction {
        if (probabilities.length != classNames.size()) {
            throw new IllegalArgumentException(probabilities.length + " probabilities for " + classNames.size() + " classes");
        }
        probabilities = probabilities.clone();
        classNames = List.copyOf(classNames);
    }

    /** A copy of the probabilities, indexed by class. */
    @Override public float[] probabilities() { return probabilities.clone(); }

    public double probability(int index) { return probabilities[index]; }

    /** The {@code k} most probable classes, most probable first (ties: lower index first). */
    public List<Scored> top(int k) {
        if (k < 1) throw new IllegalArgumentException("top-k needs k >= 1, got " + k);
        List<Scored> out = new ArrayList<>();
        IntStream.range(0, probabilities.length).boxed()
                .sorted(Comparator.<Integer>comparingDouble(i -> -probabilities[i]).thenComparingInt(i -> i))
                .limit(k).forEach(i -> out.add(new Scored(i, classNames.get(i), probabilities[i])));
        return out;
    }

    /** The most probable class. */
    public Scored best() { return top(1).getFirst(); }

    /** Numerically safe softmax of {@code k} logits at {@code z[off..off+k)}, in double precision. */
    static float[] softmax(float[] z, int off, int k) {
        double max = Double.NEGATIVE_INFINITY;
        for (int j = 0; j < k; j++) max = Math.max(max, z[off + j]);
        double sum = 0;
        double[] e = new double[k];
        for (int j = 0; j < k; j++) sum += e[j] = Math.exp(z[off + j] - max);
        float[] p = new float[k];
        for (int j = 0; j < k; j++) p[j] = (float) (e[j] / sum);
        return p;
    }
}
