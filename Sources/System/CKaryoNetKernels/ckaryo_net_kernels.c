#include "ckaryo_net_kernels.h"

// One channel per block (plain NCHW): four independent double accumulators, so the additions
// pipeline without reassociation.
static double plane_sum(const float *p, long count) {
    double a0 = 0, a1 = 0, a2 = 0, a3 = 0;
    long i = 0;
    for (; i + 4 <= count; i += 4) { a0 += p[i]; a1 += p[i + 1]; a2 += p[i + 2]; a3 += p[i + 3]; }
    for (; i < count; i++) a0 += p[i];
    return (a0 + a1) + (a2 + a3);
}

static double plane_squares(const float *p, long count, double mean) {
    double a0 = 0, a1 = 0, a2 = 0, a3 = 0;
    long i = 0;
    for (; i + 4 <= count; i += 4) {
        double d0 = p[i] - mean, d1 = p[i + 1] - mean, d2 = p[i + 2] - mean, d3 = p[i + 3] - mean;
        a0 += d0 * d0; a1 += d1 * d1; a2 += d2 * d2; a3 += d3 * d3;
    }
    for (; i < count; i++) { double d = p[i] - mean; a0 += d * d; }
    return (a0 + a1) + (a2 + a3);
}

void ckaryo_channel_statistics(const float *values, long images, long channel_blocks, long plane, long block,
                               long block_index, long lanes, float *mean, float *variance) {
    double sums[64] = {0}, squares[64] = {0}, means[64];
    double count = (double)images * (double)plane;
    if (block > 64) block = 64;
    if (lanes > block) lanes = block;
    for (long n = 0; n < images; n++) {
        const float *p = values + (n * channel_blocks + block_index) * plane * block;
        if (block == 1) { sums[0] += plane_sum(p, plane); continue; }
        for (long i = 0; i < plane; i++, p += block)
            for (long lane = 0; lane < block; lane++) sums[lane] += p[lane];
    }
    for (long lane = 0; lane < block; lane++) means[lane] = count > 0 ? sums[lane] / count : 0;
    for (long n = 0; n < images; n++) {
        const float *p = values + (n * channel_blocks + block_index) * plane * block;
        if (block == 1) { squares[0] += plane_squares(p, plane, means[0]); continue; }
        for (long i = 0; i < plane; i++, p += block)
            for (long lane = 0; lane < block; lane++) { double d = p[lane] - means[lane]; squares[lane] += d * d; }
    }
    for (long lane = 0; lane < lanes; lane++) {
        mean[lane] = (float)means[lane];
        variance[lane] = count > 0 ? (float)(squares[lane] / count) : 0;
    }
}
