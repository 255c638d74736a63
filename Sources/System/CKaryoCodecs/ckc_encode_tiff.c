// 8-bit grayscale TIFF encoder over libtiff, writing to a growing memory buffer.
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <tiffio.h>
#include "include/ckaryo_encode.h"

typedef struct {
    uint8_t *p;
    size_t len, cap, pos;
    int failed;
    char msg[256];
} ckc_enc_tbuf;

static tmsize_t ckc_et_read(thandle_t h, void *dst, tmsize_t n) {
    ckc_enc_tbuf *t = (ckc_enc_tbuf *)h;
    if (t->pos >= t->len) return 0;
    size_t take = t->len - t->pos;
    if ((size_t)n < take) take = (size_t)n;
    memcpy(dst, t->p + t->pos, take);
    t->pos += take;
    return (tmsize_t)take;
}
static tmsize_t ckc_et_write(thandle_t h, void *src, tmsize_t n) {
    ckc_enc_tbuf *t = (ckc_enc_tbuf *)h;
    size_t end = t->pos + (size_t)n;
    if (end > t->cap) {
        size_t cap = t->cap ? t->cap : 65536;
        while (cap < end) cap *= 2;
        uint8_t *q = realloc(t->p, cap);
        if (!q) { t->failed = 1; return -1; }
        t->p = q;
        t->cap = cap;
    }
    if (t->pos > t->len) memset(t->p + t->len, 0, t->pos - t->len);
    memcpy(t->p + t->pos, src, (size_t)n);
    t->pos = end;
    if (end > t->len) t->len = end;
    return n;
}
static toff_t ckc_et_seek(thandle_t h, toff_t off, int whence) {
    ckc_enc_tbuf *t = (ckc_enc_tbuf *)h;
    size_t base = whence == SEEK_SET ? 0 : whence == SEEK_CUR ? t->pos : t->len;
    t->pos = base + (size_t)off;
    return (toff_t)t->pos;
}
static int ckc_et_close(thandle_t h) { (void)h; return 0; }
static toff_t ckc_et_size(thandle_t h) { return (toff_t)((ckc_enc_tbuf *)h)->len; }
static int ckc_et_map(thandle_t h, void **b, toff_t *s) { (void)h; (void)b; (void)s; return 0; }
static void ckc_et_unmap(thandle_t h, void *b, toff_t s) { (void)h; (void)b; (void)s; }
static int ckc_et_on_error(TIFF *tif, void *ud, const char *module, const char *fmt, va_list ap) {
    (void)tif; (void)module;
    vsnprintf(((ckc_enc_tbuf *)ud)->msg, 256, fmt, ap);
    return 1;
}
static int ckc_et_on_warning(TIFF *tif, void *ud, const char *module, const char *fmt, va_list ap) {
    (void)tif; (void)ud; (void)module; (void)fmt; (void)ap;
    return 1;
}

int ckc_encode_tiff_gray8(const uint8_t *pixels, uint32_t width, uint32_t height, int compression,
                          const char *description, const char *artist,
                          uint8_t **out, size_t *out_size, char *message, size_t message_capacity) {
    *out = NULL;
    *out_size = 0;
    ckc_enc_tbuf t;
    memset(&t, 0, sizeof t);
    if (!pixels || width == 0 || height == 0) {
        if (message && message_capacity) snprintf(message, message_capacity, "empty image");
        return 1;
    }
    TIFFOpenOptions *opts = TIFFOpenOptionsAlloc();
    TIFFOpenOptionsSetErrorHandlerExtR(opts, ckc_et_on_error, &t);
    TIFFOpenOptionsSetWarningHandlerExtR(opts, ckc_et_on_warning, &t);
    TIFF *tif = TIFFClientOpenExt("karyo", "wl", (thandle_t)&t, ckc_et_read, ckc_et_write, ckc_et_seek,
                                  ckc_et_close, ckc_et_size, ckc_et_map, ckc_et_unmap, opts);
    TIFFOpenOptionsFree(opts);
    if (!tif) {
        if (message && message_capacity) snprintf(message, message_capacity, "open: %s", t.msg);
        free(t.p);
        return 2;
    }
    const uint32_t rps = height < 64 ? height : 64;
    TIFFSetField(tif, TIFFTAG_IMAGEWIDTH, width);
    TIFFSetField(tif, TIFFTAG_IMAGELENGTH, height);
    TIFFSetField(tif, TIFFTAG_BITSPERSAMPLE, 8);
    TIFFSetField(tif, TIFFTAG_SAMPLESPERPIXEL, 1);
    TIFFSetField(tif, TIFFTAG_PHOTOMETRIC, PHOTOMETRIC_MINISBLACK);
    TIFFSetField(tif, TIFFTAG_PLANARCONFIG, PLANARCONFIG_CONTIG);
    TIFFSetField(tif, TIFFTAG_COMPRESSION, compression > 0 ? compression : COMPRESSION_NONE);
    if (compression == COMPRESSION_LZW || compression == COMPRESSION_ADOBE_DEFLATE)
        TIFFSetField(tif, TIFFTAG_PREDICTOR, PREDICTOR_HORIZONTAL);
    TIFFSetField(tif, TIFFTAG_ROWSPERSTRIP, rps);
    if (description && description[0]) TIFFSetField(tif, TIFFTAG_IMAGEDESCRIPTION, description);
    if (artist && artist[0]) TIFFSetField(tif, TIFFTAG_ARTIST, artist);
    int rc = 0;
    for (uint32_t y = 0; y < height && !rc; y += rps) {
        uint32_t rows = height - y < rps ? height - y : rps;
        if (TIFFWriteEncodedStrip(tif, TIFFComputeStrip(tif, y, 0), (void *)(pixels + (size_t)y * width),
                                  (tmsize_t)((size_t)width * rows)) < 0)
            rc = 3;
    }
    if (!rc && !TIFFWriteDirectory(tif)) rc = 4;
    TIFFClose(tif);
    if (rc || t.failed) {
        if (message && message_capacity) snprintf(message, message_capacity, "write (%d): %s", rc, t.msg);
        free(t.p);
        return rc ? rc : 5;
    }
    *out = t.p;
    *out_size = t.len;
    return 0;
}
