// Direct 2-d convolution in the batch-blocked layout [N/B][C][H][W][B] (B images innermost), weights PLAIN
// [C_OUT][IN_G][K][K], groups contiguous as in PyTorch. The B lanes of one pixel are consecutive work-items, so
// every load and store of a work-group is contiguous whatever the group size or spatial size.
//
// Kernels (all three directions share the shape arguments):
//   conv2d_fwd               y  = base + alpha * conv(x, w)        one work-item per (pixel, lane) x OCB out channels
//   conv2d_bwd_data          dx (+)= alpha * conv^T(dy, w)         one work-item per (pixel, lane) x ICB in channels,
//                                                                  a gather, so no two work-items write one element
//   conv2d_bwd_weights       dw (+)= alpha * sum x * dy            one work-group per OCBW out channels x 1 in channel,
//                                                                  all K*K taps; optionally split over image blocks
//   conv2d_bwd_weights_sum   adds the split partial sums in a fixed order (deterministic, no float atomics)
//
// Build options: B batch block, K kernel size, S stride, OCB / ICB / OCBW channels per work-item of the three
// directions (OCB and OCBW divide OUT_G, ICB divides IN_G),
// RWGW work-group size of the weight gradient (a power of two). Padding and sizes are arguments, so one build
// serves every layer of a model with the same K, S and channel blocking. Taps outside the input read a clamped
// address and select 0 instead of branching, so that the work-items of a group stay in step (PoCL then
// vectorises across them: 1.7x on the dense forward pass).

#define KK (K * K)

__kernel void conv2d_fwd(__global const float* x, __global const float* w, __global float* y,
                         __global const float* base, const int has_base, const float alpha,
                         const int C_IN, const int H, const int W, const int C_OUT, const int OH, const int OW,
                         const int IN_G, const int OUT_G, const int PAD) {
    const int e = get_global_id(0);
    const int pix = e / B, lane = e % B;
    if (pix >= OH * OW) return;
    const int oy = pix / OW, ox = pix % OW;
    const int blocks = OUT_G / OCB;
    const int g = get_global_id(1) / blocks;
    const int co0 = g * OUT_G + (get_global_id(1) % blocks) * OCB;
    const int nb = get_global_id(2);
    const int plane = H * W;

    float acc[OCB];
    for (int j = 0; j < OCB; j++) acc[j] = 0.0f;
    __global const float* xg = x + (nb * C_IN + g * IN_G) * plane * B + lane;
    __global const float* wg = w + co0 * IN_G * KK;
    const int iy0 = oy * S - PAD, ix0 = ox * S - PAD;
    for (int i = 0; i < IN_G; i++) {
        __global const float* xi = xg + i * plane * B;
        __global const float* wi = wg + i * KK;
#pragma unroll
        for (int ky = 0; ky < K; ky++) {
            const int iy = iy0 + ky;
            const bool oky = iy >= 0 && iy < H;
            const int iyc = clamp(iy, 0, H - 1);
#pragma unroll
            for (int kx = 0; kx < K; kx++) {
                const int ix = ix0 + kx;
                const bool ok = oky && ix >= 0 && ix < W;
                const float v = ok ? xi[(iyc * W + clamp(ix, 0, W - 1)) * B] : 0.0f;
#pragma unroll
                for (int j = 0; j < OCB; j++) acc[j] = fma(v, wi[j * IN_G * KK + ky * K + kx], acc[j]);
            }
        }
    }
    const int oplane = OH * OW * B;
    int o = ((nb * C_OUT + co0) * OH * OW + pix) * B + lane;
#pragma unroll
    for (int j = 0; j < OCB; j++, o += oplane) {
        // base may be y itself: each element is read before it is written, by the same work-item
        y[o] = has_base ? fma(alpha, acc[j], base[o]) : alpha * acc[j];
    }
}

__kernel void conv2d_bwd_data(__global const float* dy, __global const float* w, __global float* dx,
                              const int accumulate, const float alpha,
                              const int C_IN, const int H, const int W, const int C_OUT, const int OH, const int OW,
                              const int IN_G, const int OUT_G, const int PAD) {
    const int e = get_global_id(0);
    const int pix = e / B, lane = e % B;
    if (pix >= H * W) return;
    const int iy = pix / W, ix = pix % W;
    const int blocks = IN_G / ICB;
    const int g = get_global_id(1) / blocks;
    const int i0 = (get_global_id(1) % blocks) * ICB;
    const int nb = get_global_id(2);
    const int oplane = OH * OW;

    float acc[ICB];
    for (int j = 0; j < ICB; j++) acc[j] = 0.0f;
    __global const float* dyg = dy + (nb * C_OUT + g * OUT_G) * oplane * B + lane;
    __global const float* wg = w + (g * OUT_G * IN_G + i0) * KK;
    for (int o = 0; o < OUT_G; o++) {
        __global const float* dyo = dyg + o * oplane * B;
        __global const float* wo = wg + o * IN_G * KK;
#pragma unroll
        for (int ky = 0; ky < K; ky++) {
            const int ty = iy + PAD - ky;   // = oy * S for the output row that reads input row iy through tap ky
            const bool oky = ty >= 0 && ty % S == 0 && ty / S < OH;
            const int oy = clamp(ty / S, 0, OH - 1);
#pragma unroll
            for (int kx = 0; kx < K; kx++) {
                const int tx = ix + PAD - kx;
                const bool ok = oky && tx >= 0 && tx % S == 0 && tx / S < OW;
                const float d = ok ? dyo[(oy * OW + clamp(tx / S, 0, OW - 1)) * B] : 0.0f;
#pragma unroll
                for (int j = 0; j < ICB; j++) acc[j] = fma(d, wo[j * KK + ky * K + kx], acc[j]);
            }
        }
    }
    const int iplane = H * W * B;
    int o = ((nb * C_IN + g * IN_G + i0) * H * W + pix) * B + lane;
#pragma unroll
    for (int j = 0; j < ICB; j++, o += iplane) dx[o] = accumulate ? fma(alpha, acc[j], dx[o]) : alpha * acc[j];
}

#define T (OCBW * KK)                // accumulators per work-item
#define TC (T < 36 ? T : 36)         // of which one tree pass reduces TC (TC <= RWGW)

// global (RWGW * (C_OUT / OCBW) * IN_G, 1, SPLIT), local (RWGW, 1, 1): the many work-groups go along dimension 0,
// whose group count is not capped at 65535 on some GPUs. Work-group (cb, i, s) sums over the image blocks
// [s*NB/SPLIT, (s+1)*NB/SPLIT) for output channels co0 .. co0+OCBW-1 and input channel i of their group; its
// work-items stride over the (pixel, lane) pairs and their partial sums meet in a tree in local memory.
// SPLIT == 1 writes dw directly; otherwise raw partial sums go to part[s][C_OUT*IN_G*KK] for conv2d_bwd_weights_sum.
__kernel __attribute__((reqd_work_group_size(RWGW, 1, 1)))
void conv2d_bwd_weights(__global const float* x, __global const float* dy, __global float* dw,
                        __global float* part, const int accumulate, const float alpha,
                        const int C_IN, const int H, const int W, const int C_OUT, const int OH, const int OW,
                        const int IN_G, const int OUT_G, const int PAD, const int NB) {
    __local float red[TC * RWGW];
    const int lid = get_local_id(0);
    const int i = get_group_id(0) % IN_G;
    const int cb = get_group_id(0) / IN_G;
    const int blocks = OUT_G / OCBW;
    const int g = cb / blocks;
    const int co0 = g * OUT_G + (cb % blocks) * OCBW;
    const int split = get_global_size(2), s = get_global_id(2);
    const int nb0 = s * NB / split, nb1 = (s + 1) * NB / split;
    const int plane = H * W, oplane = OH * OW;

    float acc[T];
    for (int t = 0; t < T; t++) acc[t] = 0.0f;
    for (int nb = nb0; nb < nb1; nb++) {
        __global const float* xi = x + (nb * C_IN + g * IN_G + i) * plane * B;
        __global const float* dyo = dy + (nb * C_OUT + co0) * oplane * B;
        for (int e = lid; e < oplane * B; e += RWGW) {
            const int pix = e / B, lane = e % B;
            const int oy = pix / OW, ox = pix % OW;
            float d[OCBW];
#pragma unroll
            for (int j = 0; j < OCBW; j++) d[j] = dyo[j * oplane * B + e];
#pragma unroll
            for (int ky = 0; ky < K; ky++) {
                const int iy = oy * S - PAD + ky;
                const bool oky = iy >= 0 && iy < H;
                const int iyc = clamp(iy, 0, H - 1);
#pragma unroll
                for (int kx = 0; kx < K; kx++) {
                    const int ix = ox * S - PAD + kx;
                    const bool ok = oky && ix >= 0 && ix < W;
                    const float v = ok ? xi[(iyc * W + clamp(ix, 0, W - 1)) * B + lane] : 0.0f;
#pragma unroll
                    for (int j = 0; j < OCBW; j++) acc[j * KK + ky * K + kx] = fma(d[j], v, acc[j * KK + ky * K + kx]);
                }
            }
        }
    }
    // all T partial sums of the work-group meet in one tree, TC at a time (one pass for K <= 6, where T <= 36);
    // unrolled, so that acc is indexed with constants and stays in registers
#pragma unroll
    for (int c0 = 0; c0 < T; c0 += TC) {
#pragma unroll
        for (int t = 0; t < TC; t++) red[t * RWGW + lid] = c0 + t < T ? acc[c0 + t] : 0.0f;
        barrier(CLK_LOCAL_MEM_FENCE);
        for (int h = RWGW / 2; h > 0; h >>= 1) {
            for (int q = lid; q < TC * h; q += RWGW) red[(q / h) * RWGW + q % h] += red[(q / h) * RWGW + q % h + h];
            barrier(CLK_LOCAL_MEM_FENCE);
        }
        const int t = c0 + lid;
        if (lid < TC && t < T) {
            const int j = t / KK, tap = t % KK;
            const int idx = ((co0 + j) * IN_G + i) * KK + tap;
            const float sum = red[lid * RWGW];
            if (split == 1) dw[idx] = accumulate ? fma(alpha, sum, dw[idx]) : alpha * sum;
            else part[s * C_OUT * IN_G * KK + idx] = sum;
        }
        barrier(CLK_LOCAL_MEM_FENCE);
    }
}

// global (round_up(ELEMS, 64)), local (64): dw (+)= alpha * sum over s of part[s][idx], in order s = 0, 1, ...
__kernel void conv2d_bwd_weights_sum(__global const float* part, __global float* dw, const int accumulate,
                                     const float alpha, const int ELEMS, const int SPLIT) {
    const int idx = get_global_id(0);
    if (idx >= ELEMS) return;
    float sum = 0.0f;
    for (int s = 0; s < SPLIT; s++) sum += part[s * ELEMS + idx];
    dw[idx] = accumulate ? fma(alpha, sum, dw[idx]) : alpha * sum;
}
