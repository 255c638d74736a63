// PNG decoding with libpng's classic API. setjmp/longjmp stays inside this file; libpng's
// error and warning callbacks are replaced so nothing is printed.
#include "ckc_internal.h"

#include <png.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    const uint8_t *data;
    size_t size;
    size_t pos;
    int hit_eof;
    int nwarnings;
    char error[CKC_MESSAGE_CAPACITY];
    ckc_image *out;
} ckc_png_ctx;

static void ckc_png_read(png_structp png, png_bytep dst, size_t n) {
    ckc_png_ctx *ctx = (ckc_png_ctx *)png_get_io_ptr(png);
    if (n > ctx->size - ctx->pos) {
        ctx->hit_eof = 1;
        png_error(png, "unexpected end of file");
    }
    memcpy(dst, ctx->data + ctx->pos, n);
    ctx->pos += n;
}

static void ckc_png_error(png_structp png, png_const_charp msg) {
    ckc_png_ctx *ctx = (ckc_png_ctx *)png_get_error_ptr(png);
    if (ctx && ctx->error[0] == 0) snprintf(ctx->error, sizeof ctx->error, "%s", msg ? msg : "error");
    png_longjmp(png, 1);
}

static void ckc_png_warning(png_structp png, png_const_charp msg) {
    ckc_png_ctx *ctx = (ckc_png_ctx *)png_get_error_ptr(png);
    if (!ctx) return;
    // Keep the first few warnings; libpng can repeat the same one many times.
    if (ctx->nwarnings++ < 3) ckc_add_warning(ctx->out, "%s", msg ? msg : "warning");
}

static int ckc_png_model(int color_type) {
    switch (color_type) {
    case PNG_COLOR_TYPE_GRAY: return CKC_MODEL_GRAY;
    case PNG_COLOR_TYPE_GRAY_ALPHA: return CKC_MODEL_GRAY_ALPHA;
    case PNG_COLOR_TYPE_RGB: return CKC_MODEL_RGB;
    case PNG_COLOR_TYPE_RGB_ALPHA: return CKC_MODEL_RGBA;
    case PNG_COLOR_TYPE_PALETTE: return CKC_MODEL_PALETTE;
    default: return CKC_MODEL_OTHER;
    }
}

void ckc_decode_png(const uint8_t *data, size_t size, uint64_t max_pixels, ckc_image *out) {
    ckc_png_ctx ctx;
    memset(&ctx, 0, sizeof ctx);
    ctx.data = data;
    ctx.size = size;
    ctx.out = out;
    out->page_count = 1;

    png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &ctx, ckc_png_error, ckc_png_warning);
    if (!png) {
        out->status = CKC_ERR_NOMEM;
        ckc_set_message(out, "libpng could not be initialised");
        return;
    }
    png_infop info = png_create_info_struct(png);
    if (!info) {
        png_destroy_read_struct(&png, NULL, NULL);
        out->status = CKC_ERR_NOMEM;
        ckc_set_message(out, "libpng could not be initialised");
        return;
    }

    // Written after setjmp and read after longjmp: must be volatile.
    uint8_t *volatile pixels = NULL;
    uint8_t *volatile rowbuf = NULL;
    png_bytep *volatile rows = NULL;
    volatile int too_large = 0;

    if (setjmp(png_jmpbuf(png))) {
        png_destroy_read_struct(&png, &info, NULL);
        free(pixels);
        free(rowbuf);
        free(rows);
        if (too_large) return;  // status and message already set
        out->pixels = NULL;
        out->status = ctx.hit_eof ? CKC_ERR_TRUNCATED : CKC_ERR_CORRUPT;
        if (strstr(ctx.error, "out of memory") || strstr(ctx.error, "Out of memory")) out->status = CKC_ERR_NOMEM;
        ckc_set_message(out, "%s", ctx.error[0] ? ctx.error : "libpng error");
        return;
    }

    png_set_read_fn(png, &ctx, ckc_png_read);
    // Our own pixel limit decides; libpng's default 1,000,000 x 1,000,000 would pre-empt it.
    png_set_user_limits(png, 0x7fffffffU, 0x7fffffffU);
    png_read_info(png, info);

    png_uint_32 w = 0, h = 0;
    int bit_depth = 0, color_type = 0, interlace = 0;
    png_get_IHDR(png, info, &w, &h, &bit_depth, &color_type, &interlace, NULL, NULL);
    out->width = (int)w;
    out->height = (int)h;
    out->bit_depth = bit_depth;
    out->color_model = ckc_png_model(color_type);
    int has_trns = png_get_valid(png, info, PNG_INFO_tRNS) != 0;
    out->had_alpha = (color_type & PNG_COLOR_MASK_ALPHA) != 0 || has_trns;

    if ((uint64_t)w * (uint64_t)h > max_pixels) {
        out->status = CKC_ERR_TOO_LARGE;
        ckc_set_message(out, "image is %ux%u", (unsigned)w, (unsigned)h);
        too_large = 1;
        png_longjmp(png, 1);
    }

    png_set_expand(png);  // palette -> RGB, gray < 8 bits -> 8 bits (scaled), tRNS -> alpha
    if (bit_depth == 16 && ckc_little_endian()) png_set_swap(png);
    int passes = png_set_interlace_handling(png);
    png_read_update_info(png, info);

    const int channels = png_get_channels(png, info);
    const int depth = png_get_bit_depth(png, info);
    const size_t rowbytes = png_get_rowbytes(png, info);
    const int alpha_mode = (channels == 2 || channels == 4) ? CKC_ALPHA_STRAIGHT : CKC_ALPHA_NONE;
    if ((depth != 8 && depth != 16) || channels < 1 || channels > 4 || rowbytes == 0) {
        snprintf(ctx.error, sizeof ctx.error, "unexpected row layout (%d channels, %d bits)", channels, depth);
        png_longjmp(png, 1);
    }

    size_t npix;
    if (!ckc_mul_size(w, h, &npix) || !(pixels = malloc(npix))) {
        snprintf(ctx.error, sizeof ctx.error, "out of memory for %ux%u pixels", (unsigned)w, (unsigned)h);
        png_longjmp(png, 1);
    }
    int alpha_used = 0;
    if (passes <= 1) {
        rowbuf = malloc(rowbytes);
        if (!rowbuf) {
            snprintf(ctx.error, sizeof ctx.error, "out of memory");
            png_longjmp(png, 1);
        }
        for (png_uint_32 y = 0; y < h; y++) {
            png_read_row(png, rowbuf, NULL);
            uint8_t *dst = pixels + (size_t)y * w;
            if (depth == 8) ckc_row8_to_gray(rowbuf, w, channels, alpha_mode, dst, &alpha_used);
            else ckc_row16_to_gray((const uint16_t *)rowbuf, w, channels, alpha_mode, dst, &alpha_used);
        }
    } else {
        // Interlaced: libpng needs the whole image to combine the passes.
        size_t total;
        if (!ckc_mul_size(rowbytes, h, &total) || !(rowbuf = malloc(total)) ||
            !(rows = malloc(sizeof(png_bytep) * (size_t)h))) {
            snprintf(ctx.error, sizeof ctx.error, "out of memory for interlaced image");
            png_longjmp(png, 1);
        }
        for (png_uint_32 y = 0; y < h; y++) rows[y] = rowbuf + (size_t)y * rowbytes;
        png_read_image(png, rows);
        for (png_uint_32 y = 0; y < h; y++) {
            uint8_t *dst = pixels + (size_t)y * w;
            if (depth == 8) ckc_row8_to_gray(rows[y], w, channels, alpha_mode, dst, &alpha_used);
            else ckc_row16_to_gray((const uint16_t *)rows[y], w, channels, alpha_mode, dst, &alpha_used);
        }
    }
    // png_read_end is not called: everything after the image data (text, IEND) is not needed.
    png_destroy_read_struct(&png, &info, NULL);
    free(rowbuf);
    free(rows);
    out->pixels = pixels;
    out->alpha_used = alpha_used;
    out->status = CKC_OK;
}
