package dev.mgiad.engine.cpu;

/**
 * A small batch of activations for inference, stored channel-major: {@code [C][N][H][W]}, so that one channel of all
 * images is one contiguous row of {@code N*H*W} floats.
 *
 * <p>The training layout puts 16 images in the SIMD lanes; with fewer images the other lanes compute zeros. Here
 * the lanes run over the pixels (of every image of the batch at once) instead, so one image fills them as well as
 * sixteen do. See {@link PlanarKernels}.
 *
 * @param data {@code c * n * h * w} floats; owned by the value, never shared between two values
 */
public record Planar(int n, int c, int h, int w, float[] data) {

    public Planar {
        if (n <= 0 || c <= 0 || h <= 0 || w <= 0) {
            throw new IllegalArgumentException("planar activation [" + n + ", " + c + ", " + h + ", " + w + "] has a size <= 0");
        }
        if ((long) n * c * h * w != data.length) {
            throw new IllegalArgumentException(data.length + " floats do not hold [" + n + ", " + c + ", " + h + ", " + w + "]");
        }
    }

    /** A zero activation. */
    public static Planar zeros(int n, int c, int h, int w) { return new Planar(n, c, h, w, new float[n * c * h * w]); }

    /** From images in NCHW order (what a batch loader produces). */
    public static Planar fromNchw(float[] nchw, int n, int c, int h, int w) {
        int hw = h * w;
        if (nchw.length < n * c * hw) throw new IllegalArgumentException(nchw.length + " floats do not hold " + n + " images of " + c + "x" + h + "x" + w);
        float[] d = new float[n * c * hw];
        for (int i = 0; i < n; i++) for (int ch = 0; ch < c; ch++) System.arraycopy(nchw, (i * c + ch) * hw, d, (ch * n + i) * hw, hw);
        return new Planar(n, c, h, w, d);
    }

    /** The values in NCHW order. */
    public float[] toNchw() {
        int hw = h * w;
        float[] out = new float[data.length];
        for (int i = 0; i < n; i++) for (int ch = 0; ch < c; ch++) System.arraycopy(data, (ch * n + i) * hw, out, (i * c + ch) * hw, hw);
        return out;
    }

    /** Floats of one channel row: {@code n * h * w}. */
    public int row() { return n * h * w; }
}
