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

    private static final java.util.regex.Pattern DESCRIPTOR =
            java.util.regex.Pattern.compile("g(\\d+)n(\\d+)ic(\\d+)ih(\\d+)iw(\\d+)oc(\\d+)k(\\d+)s(\\d+)p(\\d+)");

    /**
     * The problem a {@link #descriptor()} names, e.g. {@code g16n128ic64ih32iw32oc64k3s1p1}; a malformed descriptor
     * or an impossible problem is an {@link IllegalArgumentException} with one line naming it.
     */
    public static ConvParams parse(String descriptor) {
        String d = descriptor == null ? "" : descriptor.trim();
        java.util.regex.Matcher m = DESCRIPTOR.matcher(d);
        if (!m.matches()) {
            throw new IllegalArgumentException("bad convolution descriptor '" + d + "': expected gGROUPSnBATCHicCINihHiwW"
                    + "ocCOUTkKsSTRIDEpPAD, e.g. g16n128ic64ih32iw32oc64k3s1p1");
        }
        int[] v = new int[9];
        for (int i = 0; i < 9; i++) {
            try {
                v[i] = Integer.parseInt(m.group(i + 1));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("bad convolution descriptor '" + d + "': number " + m.group(i + 1)
                        + " is too large");
            }
        }
        return new ConvParams(v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8], v[0]);
    }

    /** Short problem descriptor in the style of oneDNN's benchdnn, for test names and reports. */
    public String descriptor() {
        return "g" + groups + "n" + n + "ic" + cin + "ih" + h + "iw" + w + "oc" + cout + "k" + k + "s" + stride + "p" + pad;
    }
}
