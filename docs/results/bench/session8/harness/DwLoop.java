import jdk.incubator.vector.*;
/**
 * The direct weight gradient's inner loop (a copy of Conv3x3S1.dwRows, 4 channels x 3 taps, sliding a 3-vector x
 * window) alone, on synthetic arrays, one thread: GFLOP/s of the work it does. Session 8 (Zen 5, ~207 GFLOP/s per
 * core): 57-125 GFLOP/s whatever the row length or cache level, while FmaLoads' plain 12-FMA/4-load loop reaches
 * 188-202. Variants: -Dcond=false (unconditional window loads), -Du4=true (4-pixel rows unrolled), a third argument
 * (x copied into a zero-bordered panel); -Dnbk=N blocks, -Dhh=H rows. args: width channels [pad]
 */
public class DwLoop {
    static final VectorSpecies<Float> S = FloatVector.SPECIES_512;
    static final int L = 16; static final boolean U4 = Boolean.getBoolean("u4"); static final boolean COND = Boolean.getBoolean("cond");
    static FloatVector ld(float[] m, long off) { return FloatVector.fromArray(S, m, (int) off); }
    // same as engine dwRows, params flattened
    static void dwRows(int cin, int h, int wd, float[] x, float[] pan, int nb0, int nb1, int i, int ky,
                               int y0, int y1, int tile, int c0, float[] acc, int a) {
        final long plane = (long) h * wd * L, rowB = (long) wd * L;
        FloatVector z = FloatVector.zero(S);
        FloatVector a00 = ld(acc, a), a01 = ld(acc, a + L), a02 = ld(acc, a + 2 * L);
        FloatVector a10 = ld(acc, a + 3 * L), a11 = ld(acc, a + 4 * L), a12 = ld(acc, a + 5 * L);
        FloatVector a20 = ld(acc, a + 6 * L), a21 = ld(acc, a + 7 * L), a22 = ld(acc, a + 8 * L);
        FloatVector a30 = ld(acc, a + 9 * L), a31 = ld(acc, a + 10 * L), a32 = ld(acc, a + 11 * L);
        for (int nb = nb0; nb < nb1; nb++)
        for (int y = Math.max(y0, 1 - ky), ye = Math.min(y1, h + 1 - ky); y < ye; y++) {
            final long xChan = ((long) nb * cin + i) * plane;
            long xr = xChan + (y + ky - 1) * rowB;
            int d = (((nb - nb0) * (y1 - y0) + (y - y0)) * wd * tile + c0) * L;
            FloatVector l = z, c = ld(x, xr), r = wd > 1 ? ld(x, xr + L) : z;
            for (int xx = 0; xx < wd; xx++, d += tile * L) {
                FloatVector d0 = FloatVector.fromArray(S, pan, d), d1 = FloatVector.fromArray(S, pan, d + L);
                FloatVector d2 = FloatVector.fromArray(S, pan, d + 2 * L), d3 = FloatVector.fromArray(S, pan, d + 3 * L);
                a00 = d0.fma(l, a00); a01 = d0.fma(c, a01); a02 = d0.fma(r, a02);
                a10 = d1.fma(l, a10); a11 = d1.fma(c, a11); a12 = d1.fma(r, a12);
                a20 = d2.fma(l, a20); a21 = d2.fma(c, a21); a22 = d2.fma(r, a22);
                a30 = d3.fma(l, a30); a31 = d3.fma(c, a31); a32 = d3.fma(r, a32);
                l = c; c = r;
                r = COND ? (xx + 2 < wd ? ld(x, xr + (xx + 2) * L) : z) : ld(x, xr + (xx + 2) * L);
            }
        }
        a00.intoArray(acc, a); a01.intoArray(acc, a + L); a02.intoArray(acc, a + 2 * L);
        a10.intoArray(acc, a + 3 * L); a11.intoArray(acc, a + 4 * L); a12.intoArray(acc, a + 5 * L);
        a20.intoArray(acc, a + 6 * L); a21.intoArray(acc, a + 7 * L); a22.intoArray(acc, a + 8 * L);
        a30.intoArray(acc, a + 9 * L); a31.intoArray(acc, a + 10 * L); a32.intoArray(acc, a + 11 * L);
    }
    static void dwPad(int cin, int h, int wd, float[] xp, float[] pan, int nb0, int nb1, int i, int ky,
                               int y0, int y1, int tile, int c0, float[] acc, int a) {
        final int pw = (wd + 2) * L; final long plane = (long) (h + 2) * pw;
        FloatVector a00 = ld(acc, a), a01 = ld(acc, a + L), a02 = ld(acc, a + 2 * L);
        FloatVector a10 = ld(acc, a + 3 * L), a11 = ld(acc, a + 4 * L), a12 = ld(acc, a + 5 * L);
        FloatVector a20 = ld(acc, a + 6 * L), a21 = ld(acc, a + 7 * L), a22 = ld(acc, a + 8 * L);
        FloatVector a30 = ld(acc, a + 9 * L), a31 = ld(acc, a + 10 * L), a32 = ld(acc, a + 11 * L);
        for (int nb = nb0; nb < nb1; nb++)
        for (int y = Math.max(y0, 1 - ky), ye = Math.min(y1, h + 1 - ky); y < ye; y++) {
            int xr = (int) (((long) nb * cin + i) * plane + (y + ky) * pw);
            int d = (((nb - nb0) * (y1 - y0) + (y - y0)) * wd * tile + c0) * L;
            for (int xx = 0; xx < wd; xx++, d += tile * L, xr += L) {
                FloatVector l = FloatVector.fromArray(S, xp, xr), c = FloatVector.fromArray(S, xp, xr + L), r = FloatVector.fromArray(S, xp, xr + 2 * L);
                FloatVector d0 = FloatVector.fromArray(S, pan, d), d1 = FloatVector.fromArray(S, pan, d + L);
                FloatVector d2 = FloatVector.fromArray(S, pan, d + 2 * L), d3 = FloatVector.fromArray(S, pan, d + 3 * L);
                a00 = d0.fma(l, a00); a01 = d0.fma(c, a01); a02 = d0.fma(r, a02);
                a10 = d1.fma(l, a10); a11 = d1.fma(c, a11); a12 = d1.fma(r, a12);
                a20 = d2.fma(l, a20); a21 = d2.fma(c, a21); a22 = d2.fma(r, a22);
                a30 = d3.fma(l, a30); a31 = d3.fma(c, a31); a32 = d3.fma(r, a32);
            }
        }
        a00.intoArray(acc, a); a01.intoArray(acc, a + L); a02.intoArray(acc, a + 2 * L);
        a10.intoArray(acc, a + 3 * L); a11.intoArray(acc, a + 4 * L); a12.intoArray(acc, a + 5 * L);
        a20.intoArray(acc, a + 6 * L); a21.intoArray(acc, a + 7 * L); a22.intoArray(acc, a + 8 * L);
        a30.intoArray(acc, a + 9 * L); a31.intoArray(acc, a + 10 * L); a32.intoArray(acc, a + 11 * L);
    }
    // 4-wide rows fully unrolled: window x[-1..4] (6 vectors, the ends zero), 4 pixels x 4 channels x 3 taps
    static void dw4(int cin, int h, float[] x, float[] pan, int nb0, int nb1, int i, int ky,
                               int y0, int y1, int tile, int c0, float[] acc, int a) {
        final int wd = 4; final long plane = (long) h * wd * L, rowB = (long) wd * L;
        FloatVector z = FloatVector.zero(S);
        FloatVector a00 = ld(acc, a), a01 = ld(acc, a + L), a02 = ld(acc, a + 2 * L);
        FloatVector a10 = ld(acc, a + 3 * L), a11 = ld(acc, a + 4 * L), a12 = ld(acc, a + 5 * L);
        FloatVector a20 = ld(acc, a + 6 * L), a21 = ld(acc, a + 7 * L), a22 = ld(acc, a + 8 * L);
        FloatVector a30 = ld(acc, a + 9 * L), a31 = ld(acc, a + 10 * L), a32 = ld(acc, a + 11 * L);
        for (int nb = nb0; nb < nb1; nb++)
        for (int y = Math.max(y0, 1 - ky), ye = Math.min(y1, h + 1 - ky); y < ye; y++) {
            int xr = (int) (((long) nb * cin + i) * plane + (y + ky - 1) * rowB);
            int d = (((nb - nb0) * (y1 - y0) + (y - y0)) * wd * tile + c0) * L;
            FloatVector x0 = FloatVector.fromArray(S, x, xr), x1 = FloatVector.fromArray(S, x, xr + L);
            FloatVector x2 = FloatVector.fromArray(S, x, xr + 2 * L), x3 = FloatVector.fromArray(S, x, xr + 3 * L);
            for (int px = 0; px < 4; px++, d += tile * L) {
                FloatVector l = px == 0 ? z : px == 1 ? x0 : px == 2 ? x1 : x2;
                FloatVector c = px == 0 ? x0 : px == 1 ? x1 : px == 2 ? x2 : x3;
                FloatVector r = px == 0 ? x1 : px == 1 ? x2 : px == 2 ? x3 : z;
                FloatVector d0 = FloatVector.fromArray(S, pan, d), d1 = FloatVector.fromArray(S, pan, d + L);
                FloatVector d2 = FloatVector.fromArray(S, pan, d + 2 * L), d3 = FloatVector.fromArray(S, pan, d + 3 * L);
                a00 = d0.fma(l, a00); a01 = d0.fma(c, a01); a02 = d0.fma(r, a02);
                a10 = d1.fma(l, a10); a11 = d1.fma(c, a11); a12 = d1.fma(r, a12);
                a20 = d2.fma(l, a20); a21 = d2.fma(c, a21); a22 = d2.fma(r, a22);
                a30 = d3.fma(l, a30); a31 = d3.fma(c, a31); a32 = d3.fma(r, a32);
            }
        }
        a00.intoArray(acc, a); a01.intoArray(acc, a + L); a02.intoArray(acc, a + 2 * L);
        a10.intoArray(acc, a + 3 * L); a11.intoArray(acc, a + 4 * L); a12.intoArray(acc, a + 5 * L);
        a20.intoArray(acc, a + 6 * L); a21.intoArray(acc, a + 7 * L); a22.intoArray(acc, a + 8 * L);
        a30.intoArray(acc, a + 9 * L); a31.intoArray(acc, a + 10 * L); a32.intoArray(acc, a + 11 * L);
    }
    public static void main(String[] args) {
        int hw = Integer.parseInt(args[0]), cin = Integer.parseInt(args[1]), nbk = Integer.getInteger("nbk", 8), tile = 8, hh = Integer.getInteger("hh", hw);
        float[] x = new float[nbk * cin * hw * hw * L + 64], pan = new float[nbk * hw * hw * tile * L], acc = new float[3 * 24 * L];
        boolean pad = args.length > 2; float[] xp = new float[nbk * cin * (hw + 2) * (hw + 2) * L];
        java.util.Random r = new java.util.Random(1);
        for (int k = 0; k < x.length; k++) x[k] = r.nextFloat();
        for (int k = 0; k < pan.length; k++) pan[k] = r.nextFloat();
        for (int rep = 0; rep < 8; rep++) {
            long t0 = System.nanoTime();
            int tiles = 16;
            for (int t = 0; t < tiles; t++)
            for (int i = 0; i < cin; i++)
                for (int ky = 0; ky < 3; ky++) for (int c0 = 0; c0 < tile; c0 += 4) { if (U4) dw4(cin, hh, x, pan, 0, nbk, i, ky, 0, hh, tile, c0, acc, (ky * 24 + c0 * 3) * L); else if (pad) dwPad(cin, hw, hw, xp, pan, 0, nbk, i, ky, 0, hw, tile, c0, acc, (ky * 24 + c0 * 3) * L); else dwRows(cin, hh, hw, x, pan, 0, nbk, i, ky, 0, hh, tile, c0, acc, (ky * 24 + c0 * 3) * L);}
            long t = System.nanoTime() - t0;
            double flop = 2.0 * tiles * cin * tile * 3 * nbk * L * hw * (3 * hh - 2);
            System.out.printf("hw %d cin %d: %.0f GF/s (incl. border skips)%n", hw, cin, flop / t);
        }
    }
}
