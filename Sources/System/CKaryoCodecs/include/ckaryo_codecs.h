// CKaryoCodecs: C shims over libpng, libjpeg(-turbo), libtiff and zlib for KaryoImage.
//
// Every decoder here reads untrusted bytes from memory, never prints (all library message
// handlers are replaced), never aborts, and reports failures through `ckc_image.status` and
// `ckc_image.message`. The pixel-count limit is checked after the header is parsed and
// before any pixel buffer is allocated. Output is always 8-bit grayscale, row-major,
// top-left origin, with the mapping documented in KaryoImage (PixelMapping.swift).
#ifndef CKARYO_CODECS_H
#define CKARYO_CODECS_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Outcome of a decode (`ckc_image.status`).
enum {
    CKC_OK = 0,
    CKC_ERR_TRUNCATED = 1,
    CKC_ERR_CORRUPT = 2,
    CKC_ERR_TOO_LARGE = 3,   ///< width*height above the limit; width/height are filled in
    CKC_ERR_UNSUPPORTED = 4,
    CKC_ERR_NOMEM = 5
};

/// Colour model of the source file (`ckc_image.color_model`).
enum {
    CKC_MODEL_GRAY = 0,
    CKC_MODEL_GRAY_ALPHA = 1,
    CKC_MODEL_RGB = 2,
    CKC_MODEL_RGBA = 3,
    CKC_MODEL_PALETTE = 4,
    CKC_MODEL_CMYK = 5,
    CKC_MODEL_YCCK = 6,
    CKC_MODEL_LAB = 7,
    CKC_MODEL_OTHER = 8
};

#define CKC_MESSAGE_CAPACITY 512
#define CKC_WARNING_CAPACITY 1024

/// Result of one decode. Zero-initialise before the call; release with `ckc_image_release`.
typedef struct ckc_image {
    int status;              ///< CKC_OK or CKC_ERR_*
    int width;               ///< as displayed (after TIFF orientation)
    int height;
    int bit_depth;           ///< bits per sample in the file
    int color_model;         ///< CKC_MODEL_*
    int page_count;          ///< TIFF directories; 1 for other formats
    int reduced_pages;       ///< TIFF directories flagged as reduced-resolution (thumbnails)
    int had_alpha;           ///< the file has an alpha channel (or PNG tRNS)
    int alpha_used;          ///< some pixel had alpha below the maximum
    uint8_t *pixels;         ///< width*height bytes, malloc'd; NULL unless status == CKC_OK
    char message[CKC_MESSAGE_CAPACITY];   ///< error detail, NUL-terminated
    char warnings[CKC_WARNING_CAPACITY];  ///< '\n'-separated warnings, NUL-terminated
} ckc_image;

/// Decodes PNG bytes (libpng, classic API with setjmp inside).
void ckc_decode_png(const uint8_t *data, size_t size, uint64_t max_pixels, ckc_image *out);
/// Decodes JPEG bytes (libjpeg-turbo, setjmp/longjmp error manager, silent).
void ckc_decode_jpeg(const uint8_t *data, size_t size, uint64_t max_pixels, ckc_image *out);
/// Decodes the first directory of TIFF bytes (libtiff over a memory buffer) and counts the rest.
void ckc_decode_tiff(const uint8_t *data, size_t size, uint64_t max_pixels, ckc_image *out);
/// Frees `pixels` (safe to call twice).
void ckc_image_release(ckc_image *img);

/// Encodes 8-bit grayscale pixels as a PNG holding only IHDR, IDAT and IEND.
/// `filter` is the PNG filter type used for every row (0..4), `level` the zlib level (0..9).
/// Returns 0 on success (`*out` is malloc'd, free with `ckc_free`), nonzero on failure.
int ckc_encode_png_gray8(const uint8_t *pixels, uint32_t width, uint32_t height,
                         int filter, int level, uint8_t **out, size_t *out_size);
void ckc_free(void *p);

/// BT.601 luma of one 8-bit RGB pixel, rounded: (299 R + 587 G + 114 B + 500) / 1000.
/// Exposed so the Swift BMP decoder and the tests can check they agree with the C paths.
uint8_t ckc_luma8(uint8_t r, uint8_t g, uint8_t b);
/// One 16-bit RGBA pixel (unassociated alpha) to 8-bit gray, exactly as the decoders do it.
uint8_t ckc_gray_from_rgba16(uint16_t r, uint16_t g, uint16_t b, uint16_t a);

#ifdef __cplusplus
}
#endif

#endif
