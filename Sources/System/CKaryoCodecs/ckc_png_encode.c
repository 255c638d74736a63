// Deterministic 8-bit grayscale PNG writer on zlib: signature, IHDR, IDAT (split into
// chunks of at most 1 MiB), IEND — nothing else. Fixed filter type and zlib parameters, so
// the same pixels always give the same bytes (for a given zlib).
#include "ckc_internal.h"

#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#define CKC_IDAT_MAX ((size_t)1 << 20)

typedef struct {
    uint8_t *p;
    size_t len;
    size_t cap;
    int failed;
} ckc_buf;

static void ckc_buf_reserve(ckc_buf *b, size_t extra) {
    if (b->failed) return;
    if (extra > SIZE_MAX - b->len) { b->failed = 1; return; }
    size_t need = b->len + extra;
    if (need <= b->cap) return;
    size_t cap = b->cap ? b->cap : 4096;
    while (cap < need) cap = cap > SIZE_MAX / 2 ? need : cap * 2;
    uint8_t *np = realloc(b->p, cap);
    if (!np) { b->failed = 1; return; }
    b->p = np;
    b->cap = cap;
}

static void ckc_buf_put(ckc_buf *b, const void *src, size_t n) {
    ckc_buf_reserve(b, n);
    if (b->failed) return;
    memcpy(b->p + b->len, src, n);
    b->len += n;
}

static void ckc_put_be32(uint8_t *p, uint32_t v) {
    p[0] = (uint8_t)(v >> 24); p[1] = (uint8_t)(v >> 16); p[2] = (uint8_t)(v >> 8); p[3] = (uint8_t)v;
}

static void ckc_chunk(ckc_buf *b, const char type[4], const uint8_t *data, size_t n) {
    uint8_t hdr[8], crcb[4];
    ckc_put_be32(hdr, (uint32_t)n);
    memcpy(hdr + 4, type, 4);
    uLong crc = crc32(0L, (const Bytef *)type, 4);
    if (n) crc = crc32(crc, data, (uInt)n);
    ckc_put_be32(crcb, (uint32_t)crc);
    ckc_buf_put(b, hdr, 8);
    if (n) ckc_buf_put(b, data, n);
    ckc_buf_put(b, crcb, 4);
}

static inline uint8_t ckc_paeth(int a, int b, int c) {
    int p = a + b - c;
    int pa = abs(p - a), pb = abs(p - b), pc = abs(p - c);
    if (pa <= pb && pa <= pc) return (uint8_t)a;
    return (uint8_t)(pb <= pc ? b : c);
}

/// Filters one row (1 byte per pixel) into dst[1...w], dst[0] = filter type.
static void ckc_filter_row(int filter, const uint8_t *cur, const uint8_t *prev, size_t w, uint8_t *dst) {
    dst[0] = (uint8_t)filter;
    uint8_t *o = dst + 1;
    switch (filter) {
    case 1:
        o[0] = cur[0];
        for (size_t x = 1; x < w; x++) o[x] = (uint8_t)(cur[x] - cur[x - 1]);
        break;
    case 2:
        if (!prev) memcpy(o, cur, w);
        else for (size_t x = 0; x < w; x++) o[x] = (uint8_t)(cur[x] - prev[x]);
        break;
    case 3:
        for (size_t x = 0; x < w; x++) {
            unsigned left = x ? cur[x - 1] : 0, up = prev ? prev[x] : 0;
            o[x] = (uint8_t)(cur[x] - ((left + up) >> 1));
        }
        break;
    case 4:
        for (size_t x = 0; x < w; x++) {
            int left = x ? cur[x - 1] : 0, up = prev ? prev[x] : 0, ul = (x && prev) ? prev[x - 1] : 0;
            o[x] = (uint8_t)(cur[x] - ckc_paeth(left, up, ul));
        }
        break;
    default:
        memcpy(o, cur, w);
        break;
    }
}

int ckc_encode_png_gray8(const uint8_t *pixels, uint32_t width, uint32_t height, int filter, int level,
                         uint8_t **out, size_t *out_size) {
    if (!out || !out_size) return 1;
    *out = NULL;
    *out_size = 0;
    if (width == 0 || height == 0 || width > 0x7fffffffu || height > 0x7fffffffu || !pixels) return 2;
    if (filter < 0 || filter > 4) filter = 0;
    if (level < 0 || level > 9) level = 6;

    z_stream zs;
    memset(&zs, 0, sizeof zs);
    if (deflateInit2(&zs, level, Z_DEFLATED, 15, 8, Z_DEFAULT_STRATEGY) != Z_OK) return 3;

    ckc_buf z = {0};
    const size_t w = width;
    const uint64_t raw_len = (uint64_t)(w + 1) * height;
    ckc_buf_reserve(&z, (size_t)deflateBound(&zs, raw_len > 0xffffffffu ? 0xffffffffu : (uLong)raw_len) / 2 + 1024);
    uint8_t *row = malloc(w + 1);
    if (!row || z.failed) {
        deflateEnd(&zs);
        free(row);
        free(z.p);
        return 4;
    }
    int rc = 0;
    for (uint32_t y = 0; y < height && !rc; y++) {
        const uint8_t *cur = pixels + (size_t)y * w;
        ckc_filter_row(filter, cur, y ? cur - w : NULL, w, row);
        zs.next_in = row;
        zs.avail_in = (uInt)(w + 1);
        const int flush = (y + 1 == height) ? Z_FINISH : Z_NO_FLUSH;
        for (;;) {
            ckc_buf_reserve(&z, 65536);
            if (z.failed) { rc = 4; break; }
            zs.next_out = z.p + z.len;
            zs.avail_out = (uInt)(z.cap - z.len > 0x40000000u ? 0x40000000u : z.cap - z.len);
            uInt before = zs.avail_out;
            int zr = deflate(&zs, flush);
            z.len += before - zs.avail_out;
            if (zr == Z_STREAM_END) break;
            if (zr != Z_OK && zr != Z_BUF_ERROR) { rc = 5; break; }
            if (flush == Z_NO_FLUSH && zs.avail_in == 0) break;
        }
    }
    deflateEnd(&zs);
    free(row);
    if (rc) {
        free(z.p);
        return rc;
    }

    ckc_buf png = {0};
    static const uint8_t sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    ckc_buf_reserve(&png, z.len + z.len / CKC_IDAT_MAX * 12 + 64);
    ckc_buf_put(&png, sig, 8);
    uint8_t ihdr[13];
    ckc_put_be32(ihdr, width);
    ckc_put_be32(ihdr + 4, height);
    ihdr[8] = 8;   // bit depth
    ihdr[9] = 0;   // colour type: grayscale
    ihdr[10] = 0;  // deflate
    ihdr[11] = 0;  // adaptive filtering (filter method 0)
    ihdr[12] = 0;  // no interlace
    ckc_chunk(&png, "IHDR", ihdr, sizeof ihdr);
    for (size_t off = 0; off < z.len; off += CKC_IDAT_MAX) {
        size_t n = z.len - off < CKC_IDAT_MAX ? z.len - off : CKC_IDAT_MAX;
        ckc_chunk(&png, "IDAT", z.p + off, n);
    }
    ckc_chunk(&png, "IEND", NULL, 0);
    free(z.p);
    if (png.failed) {
        free(png.p);
        return 4;
    }
    *out = png.p;
    *out_size = png.len;
    return 0;
}
