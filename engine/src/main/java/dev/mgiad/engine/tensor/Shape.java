package dev.mgiad.engine.tensor;

import java.util.Arrays;

/**
 * Dimensions of a tensor. Activations are always 4-d {@code [N, C, H, W]} (a matrix is {@code [N, F, 1, 1]});
 * parameters have any rank, in PyTorch order (a convolution weight is {@code [C_out, C_in/groups, k, k]}).
 */
public record Shape(int... dims) {
    public Shape {
        dims = dims.clone();
        for (int d : dims) {
            if (d <= 0) throw new IllegalArgumentException("shape " + Arrays.toString(dims) + " has a dimension <= 0");
        }
    }

    public static Shape of(int... dims) { return new Shape(dims); }

    public int rank() { return dims.length; }

    public int dim(int i) { return dims[i]; }

    public long elements() {
        long n = 1;
        for (int d : dims) n *= d;
        return n;
    }

    /** N, C, H, W of a 4-d activation shape. */
    public int n() { return dims[0]; }
    public int c() { return dims[1]; }
    public int h() { return dims[2]; }
    public int w() { return dims[3]; }

    @Override public int[] dims() { return dims.clone(); }

    @Override public boolean equals(Object o) { return o instanceof Shape s && Arrays.equals(dims, s.dims); }

    @Override public int hashCode() { return Arrays.hashCode(dims); }

    @Override public String toString() { return Arrays.toString(dims); }
}
