// Pixel mapping to 8-bit gray, message helpers and TIFF orientation, shared by all decoders.
//
// Mapping (one rounding step from the source precision to 8 bits):
//   gray   v (max M)            -> round(v * 255 / M)
//   colour r,g,b (max M)        -> round((299 r + 587 g + 114 b) * 255 / (1000 M))      BT.601
//   straight alpha a            -> L' = L * a / M + M * (M - a) / M    (over white), then as above
//   premultiplied alpha a       -> L' = min(L + (M - a), M)            (over white), then as above
// where L = (299 r + 587 g + 114 b) / 1000 (or v for gray). All integer arithmetic, half up.
#include "ckc_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/// Weighted sum 299 r + 587 g + 114 b (= 1000 * luma).
#define CKC_WSUM(r, g, b) (299u * (uint64_t)(r) + 587u * (uint64_t)(g) + 114u * (uint64_t)(b))

/// Converts a weighted sum S (1000 * luma at max M) plus alpha to 8-bit gray.
/// Written as a macro so that M is a compile-time constant in both instantiations
/// (the divisions become multiplications).
#define CKC_GRAY_FROM_SUM(S, A, MODE, M, USED)                                              \
    ({                                                                                      \
        uint64_t s_ = (S);                                                                  \
        uint64_t a_ = (A);                                                                  \
        uint64_t out_;                                                                      \
        if ((MODE) == CKC_ALPHA_NONE) {                                                     \
            out_ = (s_ * 255u + 500u * (uint64_t)(M)) / (1000u * (uint64_t)(M));            \
        } else {                                                                            \
            if (a_ < (M)) (USED) = 1;                                                       \
            if ((MODE) == CKC_ALPHA_STRAIGHT) {                                             \
                uint64_t num_ = s_ * a_ + 1000u * (uint64_t)(M) * ((M) - a_);               \
                uint64_t den_ = 1000u * (uint64_t)(M) * (uint64_t)(M);                      \
                out_ = (num_ * 255u + den_ / 2u) / den_;                                    \
            } else {                                                                        \
                if (a_ > (M)) a_ = (M);                                                     \
                uint64_t num_ = s_ + 1000u * ((M) - a_);                                    \
                if (num_ > 1000u * (uint64_t)(M)) num_ = 1000u * (uint64_t)(M);             \
                out_ = (num_ * 255u + 500u * (uint64_t)(M)) / (1000u * (uint64_t)(M));      \
            }                                                                               \
        }                                                                                   \
        (uint8_t)(out_ > 255u ? 255u : out_);                                               \
    })

#define CKC_DEFINE_ROW_CONVERTER(NAME, T, M)                                                \
    void NAME(const T *src, size_t width, int channels, int alpha_mode, uint8_t *dst,       \
              int *alpha_used) {                                                            \
        int used = 0;                                                                       \
        size_t x;                                                                           \
        if (channels == 2 || channels == 4) {                                               \
            if (alpha_mode == CKC_ALPHA_NONE) {                                             \
                for (x = 0; x < width; x++) {                                               \
                    const T *p = src + x * (size_t)channels;                                \
                    uint64_t s = channels == 2 ? 1000u * (uint64_t)p[0]                     \
                                               : CKC_WSUM(p[0], p[1], p[2]);                \
                    dst[x] = CKC_GRAY_FROM_SUM(s, M, CKC_ALPHA_NONE, M, used);              \
                }                                                                           \
            } else if (alpha_mode == CKC_ALPHA_STRAIGHT) {                                  \
                for (x = 0; x < width; x++) {                                               \
                    const T *p = src + x * (size_t)channels;                                \
                    uint64_t s = channels == 2 ? 1000u * (uint64_t)p[0]                     \
                                               : CKC_WSUM(p[0], p[1], p[2]);                \
                    T a = p[channels - 1];                                                  \
                    if (a == (M)) {                                                         \
                        dst[x] = CKC_GRAY_FROM_SUM(s, M, CKC_ALPHA_NONE, M, used);          \
                    } else {                                                                \
                        dst[x] = CKC_GRAY_FROM_SUM(s, a, CKC_ALPHA_STRAIGHT, M, used);      \
                    }                                                                       \
                }                                                                           \
            } else {                                                                        \
                for (x = 0; x < width; x++) {                                               \
                    const T *p = src + x * (size_t)channels;                                \
                    uint64_t s = channels == 2 ? 1000u * (uint64_t)p[0]                     \
                                               : CKC_WSUM(p[0], p[1], p[2]);                \
                    dst[x] = CKC_GRAY_FROM_SUM(s, p[channels - 1], CKC_ALPHA_PREMULTIPLIED, \
                                               M, used);                                    \
                }                                                                           \
            }                                                                               \
        } else if (channels == 3) {                                                         \
            for (x = 0; x < width; x++) {                                                   \
                const T *p = src + x * 3u;                                                  \
                dst[x] = CKC_GRAY_FROM_SUM(CKC_WSUM(p[0], p[1], p[2]), M, CKC_ALPHA_NONE,   \
                                           M, used);                                        \
            }                                                                               \
        } else {                                                                            \
            for (x = 0; x < width; x++) {                                                   \
                dst[x] = CKC_GRAY_FROM_SUM(1000u * (uint64_t)src[x], M, CKC_ALPHA_NONE, M,  \
                                           used);                                           \
            }                                                                               \
        }                                                                                   \
        if (used && alpha_used) *alpha_used = 1;                                            \
    }

CKC_DEFINE_ROW_CONVERTER(ckc_row8_to_gray_generic, uint8_t, 255u)
CKC_DEFINE_ROW_CONVERTER(ckc_row16_to_gray, uint16_t, 65535u)

void ckc_row8_to_gray(const uint8_t *src, size_t width, int channels, int alpha_mode,
                      uint8_t *dst, int *alpha_used) {
    if (channels == 1) {
        memcpy(dst, src, width);
        return;
    }
    if (channels == 3) {
        // Hot path (RGB JPEG/PNG/TIFF): integer luma, no 64-bit division.
        for (size_t x = 0; x < width; x++) {
            const uint8_t *p = src + x * 3u;
            uint32_t s = 299u * p[0] + 587u * p[1] + 114u * p[2];
            dst[x] = (uint8_t)((s + 500u) / 1000u);
        }
        return;
    }
    ckc_row8_to_gray_generic(src, width, channels, alpha_mode, dst, alpha_used);
}

uint8_t ckc_luma8(uint8_t r, uint8_t g, uint8_t b) {
    uint8_t px[3] = {r, g, b};
    uint8_t out;
    ckc_row8_to_gray(px, 1, 3, CKC_ALPHA_NONE, &out, NULL);
    return out;
}

uint8_t ckc_gray_from_rgba16(uint16_t r, uint16_t g, uint16_t b, uint16_t a) {
    uint16_t px[4] = {r, g, b, a};
    uint8_t out;
    ckc_row16_to_gray(px, 1, 4, CKC_ALPHA_STRAIGHT, &out, NULL);
    return out;
}

void ckc_set_message(ckc_image *img, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(img->message, sizeof img->message, fmt, ap);
    va_end(ap);
}

void ckc_add_warning(ckc_image *img, const char *fmt, ...) {
    char line[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    size_t used = strlen(img->warnings);
    size_t need = strlen(line) + (used ? 1 : 0);
    if (used + need + 1 > sizeof img->warnings) return;
    if (used) img->warnings[used++] = '\n';
    memcpy(img->warnings + used, line, strlen(line) + 1);
}

void ckc_image_release(ckc_image *img) {
    if (!img) return;
    free(img->pixels);
    img->pixels = NULL;
}

void ckc_free(void *p) { free(p); }

int ckc_apply_orientation(ckc_image *img, int orientation) {
    if (orientation <= 1 || orientation > 8 || !img->pixels) return CKC_OK;
    const size_t w = (size_t)img->width, h = (size_t)img->height;
    uint8_t *src = img->pixels;
    if (orientation <= 4) {
        // Flips only: in place.
        if (orientation == 2 || orientation == 3) {
            for (size_t y = 0; y < h; y++) {
                uint8_t *row = src + y * w;
                for (size_t i = 0, j = w - 1; i < j; i++, j--) {
                    uint8_t t = row[i];
                    row[i] = row[j];
                    row[j] = t;
                }
            }
        }
        if (orientation == 3 || orientation == 4) {
            uint8_t *tmp = malloc(w);
            if (!tmp) return CKC_ERR_NOMEM;
            for (size_t i = 0, j = h - 1; i < j; i++, j--) {
                memcpy(tmp, src + i * w, w);
                memcpy(src + i * w, src + j * w, w);
                memcpy(src + j * w, tmp, w);
            }
            free(tmp);
        }
        return CKC_OK;
    }
    // 5..8: the stored rows are display columns. Display is h wide and w high.
    uint8_t *dst = malloc(w * h);
    if (!dst) return CKC_ERR_NOMEM;
    const size_t dw = h, dh = w;
    for (size_t r = 0; r < h; r++) {
        for (size_t c = 0; c < w; c++) {
            size_t vx, vy;
            switch (orientation) {
            case 5: vx = r; vy = c; break;                    // LEFTTOP: transpose
            case 6: vx = dw - 1 - r; vy = c; break;           // RIGHTTOP
            case 7: vx = dw - 1 - r; vy = dh - 1 - c; break;  // RIGHTBOT
            default: vx = r; vy = dh - 1 - c; break;          // 8 LEFTBOT
            }
            dst[vy * dw + vx] = src[r * w + c];
        }
    }
    free(src);
    img->pixels = dst;
    img->width = (int)dw;
    img->height = (int)dh;
    return CKC_OK;
}
