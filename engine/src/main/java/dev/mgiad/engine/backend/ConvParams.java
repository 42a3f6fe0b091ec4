package dev.mgiad.engine.backend;

/**
 * A 2-d convolution problem without bias: input {@code [n, cin, h, w]}, weight {@code [cout, cin/groups, k, k]},
 * output {@code [n, cout, oh, ow]} with {@code oh = (h + 2*pad - k) / stride + 1}. Groups are contiguous, as in
 * PyTorch: group g maps input channels {@code g*cin/groups ..} to output channels {@code g*cout/groups ..}.
 * Dense is {@code groups = 1}; depthwise is {@code groups = cin} (with a channel multiplier {@code cout/cin}).
 */
public record ConvParams(int n, int cin, int h, int w, int cout, int k, int stride, int pad, int groups) {

    public ConvParams {
        String what = "conv2d(n=" + n + ", cin=" + cin + ", " + h + "x" + w + ", cout=" + cout + ", k=" + k
                + ", stride=" + stride + ", pad=" + pad + ", groups=" + groups + ")";
        if (n <= 0 || cin <= 0 || h <= 0 || w <= 0 || cout <= 0 || k <= 0 || stride <= 0 || pad < 0 || groups <= 0) {
            throw new IllegalArgumentException(what + ": sizes must be positive");
        }
        if (cin % groups != 0 || cout % groups != 0) {
            throw new IllegalArgumentException(what + ": groups=" + groups + " must divide both cin=" + cin
                    + " and cout=" + cout);
        }
        if (h + 2 * pad < k || w + 2 * pad < k) {
            throw new IllegalArgumentException(what + ": kernel larger than the padded input");
        }
    }

    /** The usual "same" convolution of the models: k x k, padding (k-1)/2. */
    public static ConvParams of(int n, int cin, int h, int w, int cout, int k, int stride, int groups) {
        return new ConvParams(n, cin, h, w, cout, k, stride, (k - 1) / 2, groups);
    }

    public int oh() { return (h + 2 * pad - k) / stride + 1; }
    public int ow() { return (w + 2 * pad - k) / stride + 1; }
    public int cinPerGroup() { return cin / groups; }
    public int coutPerGroup() { return cout / groups; }
    public int taps() { return k * k; }
    public long weightElements() { return (long) cout * cinPerGroup() * k * k; }

    /** Multiply-adds of the forward pass for the whole batch. */
    public long macs() { return (long) n * cout * oh() * ow() * cinPerGroup() * k * k; }

    public boolean depthwise() { return groups == cin; }

    /** Short problem descriptor in the style of oneDNN's benchdnn, for test names and reports. */
    public String descriptor() {
        return "g" + groups + "n" + n + "ic" + cin + "ih" + h + "iw" + w + "oc" + cout + "k" + k + "s" + stride + "p" + pad;
    }
}
