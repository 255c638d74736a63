// Numeric kernels KaryoNet runs itself rather than through oneDNN, so that their results are the
// same on every CPU (oneDNN's kernels differ per instruction set). Built with optimization in
// debug builds too: the tests train networks through them.
#ifndef CKARYO_NET_KERNELS_H
#define CKARYO_NET_KERNELS_H

/// Mean and biased variance of the channels of block `block_index` of a float32 tensor laid out
/// as images × channel_blocks × plane × block (oneDNN's nChw8c / nChw16c; plain NCHW is
/// block 1 with one block per channel), written to `mean[0..<lanes]` and `variance[0..<lanes]`
/// (`lanes` ≤ `block` ≤ 64: the block's real channels, padding left out). Two passes, every
/// term accumulated in double, so the result is the float32 rounding of the exact value.
void ckaryo_channel_statistics(const float *values, long images, long channel_blocks, long plane, long block,
                               long block_index, long lanes, float *mean, float *variance);

#endif
