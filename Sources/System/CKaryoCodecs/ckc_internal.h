// Internal helpers shared by the CKaryoCodecs decoders (not part of the public header).
#ifndef CKC_INTERNAL_H
#define CKC_INTERNAL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include "include/ckaryo_codecs.h"

/// How the last channel of a 2- or 4-channel row is to be read.
enum {
    CKC_ALPHA_NONE = 0,          ///< no alpha (extra channel, if any, is ignored)
    CKC_ALPHA_STRAIGHT = 1,      ///< unassociated alpha
    CKC_ALPHA_PREMULTIPLIED = 2  ///< associated alpha (colour already multiplied by alpha)
};

/// Converts one row of 8-bit samples (1 = gray, 2 = gray+alpha, 3 = RGB, 4 = RGBA, interleaved)
/// to 8-bit gray: BT.601 luma, alpha composited over white. Sets *alpha_used when a pixel has
/// alpha below 255.
void ckc_row8_to_gray(const uint8_t *src, size_t width, int channels, int alpha_mode,
                      uint8_t *dst, int *alpha_used);
/// The same for 16-bit samples in native byte order (result rounded from 16 to 8 bits once).
void ckc_row16_to_gray(const uint16_t *src, size_t width, int channels, int alpha_mode,
                       uint8_t *dst, int *alpha_used);

/// Formats into img->message (keeps only the first message if `keep_first`).
void ckc_set_message(ckc_image *img, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/// Appends one line to img->warnings (silently dropped when full).
void ckc_add_warning(ckc_image *img, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/// Reorders img->pixels from stored order to display order for TIFF orientation 2..8
/// (may swap width and height). Returns CKC_OK or CKC_ERR_NOMEM.
int ckc_apply_orientation(ckc_image *img, int orientation);

/// a*b without overflow; returns 0 on overflow.
static inline int ckc_mul_size(size_t a, size_t b, size_t *out) {
    return !__builtin_mul_overflow(a, b, out);
}

/// Host byte order.
static inline int ckc_little_endian(void) {
    const uint16_t one = 1;
    return *(const uint8_t *)&one == 1;
}

#endif
