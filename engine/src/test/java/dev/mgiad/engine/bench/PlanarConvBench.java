package dev.mgiad.engine.bench;

import dev.mgiad.engine.backend.ConvParams;
import dev.mgiad.engine.cpu.CpuBackend;
import dev.mgiad.engine.cpu.Planar;
import dev.mgiad.engine.cpu.PlanarKernels;
import dev.mgiad.engine.tensor.Layout;
import dev.mgiad.engine.tensor.Shape;
import dev.mgiad.engine.tensor.Tensor;

/**
 * Developer entry point (not a test): one convolution on 1 image through {@code PlanarKernels} against 16 images through
 * {@code CpuBackend}, alternating, minimum of 50 calls. Run from the repository root after {@code ./mvnw -q test-compile -pl engine}:
 * {@code java --add-modules jdk.incubator.vector -cp engine/target/classes:engine/target/test-classes dev.mgiad.engine.bench.PlanarConvBench}
 */
public final class PlanarConvBench {
    public static void main(String[] a) {
        CpuBackend be = new CpuBackend(1);
        PlanarKernels k = new PlanarKernels(1);
        // {C, H, groupSize}
        int[][] cases = {{64,32,64},{16,32,16},{64,32,4},{128,16,4},{256,8,256}};
        for (int[] c : cases) {
            ConvParams p = ConvParams.of(16, c[0], c[1], c[1], c[0], 3, 1, c[0]/c[2]);
            ConvParams q = ConvParams.of(1, c[0], c[1], c[1], c[0], 3, 1, c[0]/c[2]);
            Tensor x = be.allocate(Shape.of(16,c[0],c[1],c[1]), Layout.BATCH_BLOCKED), y = be.allocate(Shape.of(16,c[0],c[1],c[1]), Layout.BATCH_BLOCKED);
            Tensor w = be.allocate(Shape.of(c[0],c[2],3,3), Layout.PLAIN);
            Planar px = Planar.zeros(1, c[0], c[1], c[1]);
            float[] wf = new float[(int)q.weightElements()];
            double mb = 1e9, mp = 1e9;
            for (int r = 0; r < 60; r++) {
                long t0=System.nanoTime(); be.convForward(p, x, w, y, null, 1f); long t1=System.nanoTime();
                k.conv(q, px, wf, null, 1f); long t2=System.nanoTime();
                if (r >= 10) { mb = Math.min(mb, (t1-t0)/1e6); mp = Math.min(mp, (t2-t1)/1e6); }
            }
            System.out.printf("C=%d %dx%d gs=%d: batched16 min %.3f ms (%.1f GF/s), planar1 min %.3f ms (%.1f GF/s); 1 image: planar %.1fx faster than padded batch; per image planar/batched %.2f%n",
                c[0], c[1], c[1], c[2], mb, 2.0*p.macs()/mb/1e6, mp, 2.0*q.macs()/mp/1e6, mb/mp, mp/(mb/16));
        }
        k.close(); be.close();
    }
}
