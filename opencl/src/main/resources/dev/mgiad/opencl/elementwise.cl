// Elementwise operators, pooling, bias, the option-A shortcut, the SGD step and the sum of squares.
// Activations are batch-blocked [N/B][C][H][W][B]; padding lanes (nb*B + lane >= N) hold zero and stay zero:
// the kernels below either map zero to zero (axpby, relu_bwd, pooling, shortcut) or mask (add_bias).
//
// Build options: B batch block, RWG work-group size of the reductions (a power of two).
// Elementwise kernels run over round_up(total, WG) work-items and return past the end.

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

// out = a*x + b*y (y ignored when !has_y), clamped at 0 when relu
__kernel void axpby(const float a, __global const float* x, const float b, __global const float* y,
                    const int has_y, const int relu, __global float* out, const int total) {
    const int e = get_global_id(0);
    if (e >= total) return;
    float v = a * x[e];
    if (has_y) v = fma(b, y[e], v);
    if (relu) v = max(v, 0.0f);
    out[e] = v;
}

// dx (+)= dy * (y > 0)
__kernel void relu_bwd(__global const float* y, __global const float* dy, __global float* dx,
                       const int accumulate, const int total) {
    const int e = get_global_id(0);
    if (e >= total) return;
    const float g = y[e] > 0.0f ? dy[e] : 0.0f;
    dx[e] = accumulate ? dx[e] + g : g;
}

// x [NB][C][HW][B] -> y [NB][C][1][1][B]; one work-item per (nb, c, lane): total = NB*C*B
__kernel void gap_fwd(__global const float* x, __global float* y, const int HW, const int total) {
    const int e = get_global_id(0);
    if (e >= total) return;
    const int it = e / B, lane = e % B;
    __global const float* p = x + it * HW * B + lane;
    float s = 0.0f;
    for (int q = 0; q < HW; q++) s += p[q * B];
    y[e] = s * (1.0f / HW);
}

// dx[nb,c,q,lane] (+)= dy[nb,c,lane] / HW; total = NB*C*HW*B
__kernel void gap_bwd(__global const float* dy, __global float* dx, const int accumulate, const int HW,
                      const int total) {
    const int e = get_global_id(0);
    if (e >= total) return;
    const int lane = e % B, it = e / (HW * B);
    const float g = dy[it * B + lane] * (1.0f / HW);
    dx[e] = accumulate ? dx[e] + g : g;
}

// y[n,c,h,w] += bias[c] on the real lanes only
__kernel void add_bias(__global float* y, __global const float* bias, const int C, const int HW, const int N,
                       const int total) {
    const int e = get_global_id(0);
    if (e >= total) return;
    const int lane = e % B, c = (e / (HW * B)) % C, nb = e / (C * HW * B);
    if (nb * B + lane < N) y[e] += bias[c];
}

// db[c] (+)= sum over n, h, w of dy; global (RWG, C), local (RWG, 1)
__kernel __attribute__((reqd_work_group_size(RWG, 1, 1)))
void bias_bwd(__global const float* dy, __global float* db, const int accumulate, const int C, const int HW,
              const int NB) {
    __local float red[RWG];
    const int lid = get_local_id(0), c = get_global_id(1);
    const int span = HW * B;
    float s = 0.0f;
    for (int nb = 0; nb < NB; nb++) {
        __global const float* p = dy + (nb * C + c) * span;
        for (int e = lid; e < span; e += RWG) s += p[e];
    }
    const float t = group_sum(s, red);
    if (lid == 0) db[c] = accumulate ? db[c] + t : t;
}

// y [NB][CO][OH][OW][B] = x[:, c - PADC, ::S, ::S], zero outside the input's channels
__kernel void shortcut_a_fwd(__global const float* x, __global float* y, const int S, const int CI, const int H,
                             const int W, const int CO, const int OH, const int OW, const int total) {
    const int e = get_global_id(0);
    if (e >= total) return;
    const int lane = e % B, pix = (e / B) % (OH * OW), c = (e / (OH * OW * B)) % CO, nb = e / (CO * OH * OW * B);
    const int src = c - (CO - CI) / 2;
    float v = 0.0f;
    if (src >= 0 && src < CI) {
        const int oy = pix / OW, ox = pix % OW;
        v = x[(((nb * CI + src) * H + oy * S) * W + ox * S) * B + lane];
    }
    y[e] = v;
}

// dx [NB][CI][H][W][B] (+)= dy at the subsampled positions, 0 elsewhere
__kernel void shortcut_a_bwd(__global const float* dy, __global float* dx, const int accumulate, const int S,
                             const int CI, const int H, const int W, const int CO, const int OH, const int OW,
                             const int total) {
    const int e = get_global_id(0);
    if (e >= total) return;
    const int lane = e % B, pix = (e / B) % (H * W), c = (e / (H * W * B)) % CI, nb = e / (CI * H * W * B);
    const int iy = pix / W, ix = pix % W;
    float g = 0.0f;
    if (iy % S == 0 && ix % S == 0 && iy / S < OH && ix / S < OW) {
        g = dy[(((nb * CO + c + (CO - CI) / 2) * OH + iy / S) * OW + ix / S) * B + lane];
    }
    dx[e] = accumulate ? dx[e] + g : g;
}

// PyTorch SGD: g = grad + wd*p; v = momentum*v + g; p -= lr * (nesterov ? g + momentum*v : v)
__kernel void sgd_step(__global float* p, __global const float* grad, const int has_grad, __global float* v,
                       const float lr, const float momentum, const float wd, const int nesterov, const int total) {
    const int e = get_global_id(0);
    if (e >= total) return;
    const float pe = p[e];
    const float g = (has_grad ? grad[e] : 0.0f) + wd * pe;
    const float ve = momentum * v[e] + g;
    v[e] = ve;
    p[e] = pe - lr * (nesterov ? g + momentum * ve : ve);
}

// part[group] = sum of squares of the group's grid-stride share; global (RWG * groups), local (RWG)
__kernel __attribute__((reqd_work_group_size(RWG, 1, 1)))
void sum_sq(__global const float* x, __global float* part, const int total) {
    __local float red[RWG];
    float s = 0.0f;
    for (int e = get_global_id(0); e < total; e += get_global_size(0)) s = fma(x[e], x[e], s);
    const float t = group_sum(s, red);
    if (get_local_id(0) == 0) part[get_group_id(0)] = t;
}
