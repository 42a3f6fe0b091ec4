// Batch norm over (N, H, W) per channel in the batch-blocked layout [N/B][C][HW][B], with the models' ReLU and
// residual add fused into the output: y = residual + act(gamma * xhat + beta). N real images; the lanes
// nb*B + lane >= N are padding, hold zero, and stay zero.
//
//   bnorm_stats      one work-group per channel: mean, then the sum of squared deviations (two passes, so an
//                    offset mean costs no precision), invstd, running-statistics update (unbiased variance)
//   bnorm_apply      one work-item per element, train (saved mean, invstd) or eval (running statistics)
//   bnorm_bwd_reduce one work-group per channel: sum(dz), sum(dz * xhat) -> dbeta, dgamma and the two means for
//   bnorm_bwd_data   one work-item per element: dx = gamma*invstd * (dz - mean(dz) - xhat * mean(dz*xhat))
// with dz = dy masked by the ReLU (z = gamma*xhat + beta > 0).
//
// Build options: B batch block, RWG work-group size of the per-channel reductions (a power of two), WG the
// work-group size of the elementwise kernels.

static float group_sum(float v, __local float* red) {
    const int lid = get_local_id(0);
    red[lid] = v;
    barrier(CLK_LOCAL_MEM_FENCE);
    for (int h = RWG / 2; h > 0; h >>= 1) {
        if (lid < h) red[lid] += red[lid + h];
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    const float r = red[0];
    barrier(CLK_LOCAL_MEM_FENCE);
    return r;
}

// global (RWG, C), local (RWG, 1)
__kernel __attribute__((reqd_work_group_size(RWG, 1, 1)))
void bnorm_stats(__global const float* x, __global float* save_mean, __global float* save_invstd,
                 __global float* running_mean, __global float* running_var, const float momentum,
                 const float eps, const int C, const int HW, const int NB, const int N) {
    __local float red[RWG];
    const int lid = get_local_id(0), c = get_global_id(1);
    const int span = HW * B;
    float s = 0.0f;
    for (int nb = 0; nb < NB; nb++) {
        __global const float* p = x + (nb * C + c) * span;
        for (int e = lid; e < span; e += RWG) s += p[e];
    }
    const float count = (float) N * HW;
    const float mean = group_sum(s, red) / count;
    float ss = 0.0f;
    for (int nb = 0; nb < NB; nb++) {
        __global const float* p = x + (nb * C + c) * span;
        const int real = min(B, N - nb * B);
        for (int e = lid; e < span; e += RWG) {
            const float d = p[e] - mean;
            if (e % B < real) ss = fma(d, d, ss);
        }
    }
    const float var = max(0.0f, group_sum(ss, red) / count);
    if (lid == 0) {
        save_mean[c] = mean;
        save_invstd[c] = 1.0f / sqrt(var + eps);
        const float unbiased = count > 1.0f ? var * count / (count - 1.0f) : var;
        running_mean[c] = (1.0f - momentum) * running_mean[c] + momentum * mean;
        running_var[c] = (1.0f - momentum) * running_var[c] + momentum * unbiased;
    }
}

// global (round_up(total, WG)); eval != 0 takes mean = running_mean and stat = running_var, else stat = invstd
__kernel void bnorm_apply(__global const float* x, __global const float* gamma, __global const float* beta,
                          __global const float* mean, __global const float* stat, const int eval, const float eps,
                          const int relu, __global const float* residual, const int has_residual,
                          __global float* y, const int C, const int HW, const int N, const int total) {
    const int e = get_global_id(0);
    if (e >= total) return;
    const int lane = e % B, c = (e / (HW * B)) % C, nb = e / (C * HW * B);
    if (nb * B + lane >= N) {
        y[e] = 0.0f;
        return;
    }
    const float scale = eval ? gamma[c] / sqrt(stat[c] + eps) : gamma[c] * stat[c];
    const float shift = beta[c] - mean[c] * scale;
    float v = fma(x[e], scale, shift);
    if (relu) v = max(v, 0.0f);
    if (has_residual) v += residual[e];
    y[e] = v;
}

// global (RWG, C), local (RWG, 1). sums[2c] = sum(dz), sums[2c+1] = sum(dz * xhat), kept for bnorm_bwd_data.
__kernel __attribute__((reqd_work_group_size(RWG, 1, 1)))
void bnorm_bwd_reduce(__global const float* x, __global const float* gamma, __global const float* beta,
                      __global const float* save_mean, __global const float* save_invstd, const int relu,
                      __global const float* dy, __global float* dgamma, __global float* dbeta,
                      const int accumulate, __global float* sums, const int C, const int HW, const int NB) {
    __local float red[RWG];
    const int lid = get_local_id(0), c = get_global_id(1);
    const int span = HW * B;
    const float mean = save_mean[c], invstd = save_invstd[c], g = gamma[c], b = beta[c];
    float sdz = 0.0f, sdzx = 0.0f;
    for (int nb = 0; nb < NB; nb++) {
        const int off = (nb * C + c) * span;
        for (int e = lid; e < span; e += RWG) {
            const float xh = (x[off + e] - mean) * invstd;
            float dz = dy[off + e];             // 0 on padding lanes
            if (relu && !(fma(xh, g, b) > 0.0f)) dz = 0.0f;
            sdz += dz;
            sdzx = fma(dz, xh, sdzx);
        }
    }
    const float tdz = group_sum(sdz, red);
    const float tdzx = group_sum(sdzx, red);
    if (lid == 0) {
        dgamma[c] = accumulate ? dgamma[c] + tdzx : tdzx;
        dbeta[c] = accumulate ? dbeta[c] + tdz : tdz;
        sums[2 * c] = tdz;
        sums[2 * c + 1] = tdzx;
    }
}

// global (round_up(total, WG))
__kernel void bnorm_bwd_data(__global const float* x, __global const float* gamma, __global const float* beta,
                             __global const float* save_mean, __global const float* save_invstd, const int relu,
                             __global const float* dy, __global float* dx, const int accumulate,
                             __global const float* sums, const int C, const int HW, const int N, const int total) {
    const int e = get_global_id(0);
    if (e >= total) return;
    const int lane = e % B, c = (e / (HW * B)) % C, nb = e / (C * HW * B);
    float v = 0.0f;
    if (nb * B + lane < N) {
        const float count = (float) N * HW;
        const float invstd = save_invstd[c], g = gamma[c];
        const float xh = (x[e] - save_mean[c]) * invstd;
        float dz = dy[e];
        if (relu && !(fma(xh, g, beta[c]) > 0.0f)) dz = 0.0f;
        v = g * invstd * (dz - sums[2 * c] / count - xh * (sums[2 * c + 1] / count));
    }
    dx[e] = accumulate ? dx[e] + v : v;
}
