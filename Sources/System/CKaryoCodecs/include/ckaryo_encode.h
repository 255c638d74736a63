// Encoders for 8-bit grayscale JPEG and TIFF (used by KaryoImage's encodeJPEG/encodeTIFF, e.g. for
// the synthetic samples). Output is deterministic for given pixels and parameters.
#ifndef CKARYO_ENCODE_H
#define CKARYO_ENCODE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Baseline JPEG (libjpeg, Huffman tables optimized), one gray component. `comment` (may be NULL)
/// is written as a COM segment; `app1` (may be NULL, `app1_size` bytes, e.g. "Exif\0\0" + TIFF)
/// as an APP1 segment. Returns 0 on success (`*out` malloc'd, free with ckc_free); `message`
/// receives libjpeg's error otherwise.
int ckc_encode_jpeg_gray8(const uint8_t *pixels, uint32_t width, uint32_t height, int quality,
                          const char *comment, const uint8_t *app1, size_t app1_size,
                          uint8_t **out, size_t *out_size, char *message, size_t message_capacity);

/// Single-page TIFF (libtiff), BlackIsZero, 8 bits, strips of 64 rows. `compression` is a TIFF
/// Compression value (1 none, 5 LZW, 8 Deflate, 32773 PackBits; LZW and Deflate use the
/// horizontal predictor). `description` and `artist` (may be NULL) become ImageDescription and
/// Artist. Returns 0 on success (`*out` malloc'd, free with ckc_free).
int ckc_encode_tiff_gray8(const uint8_t *pixels, uint32_t width, uint32_t height, int compression,
                          const char *description, const char *artist,
                          uint8_t **out, size_t *out_size, char *message, size_t message_capacity);

#ifdef __cplusplus
}
#endif

#endif
