// Numeric kernels KaryoNet runs itself rather than through oneDNN, so that their results are the
// same on every CPU (oneDNN's kernels differ per instruction set). Built with optimization in
// debug builds too: the tests train networks through them.
#ifndef CKARYO_NET_KERNELS_H
#define CKARYO_NET_KERNELS_H

/// Mean and biased variance of channel `channel` of a plain NCHW float32 tensor of `images`
/// images, `channels` channels and `plane` values per channel plane. Two passes, every term
/// accumulated in double, so the result is float32 rounding of the exact value for any batch size.
void ckaryo_channel_statistics(const float *values, long images, long channels, long plane, long channel,
                               float *mean, float *variance);

/// The same for the `block` channels of block `block_index` of a channel-blocked tensor
/// (oneDNN's nChw8c / nChw16c: images × channel_blocks × plane × block floats), written to
/// `mean[0..<block]` and `variance[0..<block]`. `block` is at most 64.
void ckaryo_blocked_channel_statistics(const float *values, long images, long channel_blocks, long plane, long block,
                                       long block_index, float *mean, float *variance);

#endif
