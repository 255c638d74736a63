// TIFF decoding with libtiff over an in-memory buffer (TIFFClientOpenExt, no temp files).
//
// Every libtiff message goes to per-handle handlers (TIFFOpenOptions*ExtR) that record it;
// the process-wide handlers are set to NULL once, so libtiff never prints.
//
// Gray, RGB, palette and CMYK images with 1/2/4/8/16-bit unsigned samples, strips or tiles,
// chunky or planar, are unpacked here (exact 16-bit precision). Everything else libtiff can
// convert (YCbCr, JPEG-in-TIFF with subsampling, old-style JPEG, CIE Lab, ...) goes through
// TIFFRGBAImage (8 bits per channel).
#include "ckc_internal.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <tiffio.h>

#define CKC_TIFF_MAX_PAGES 10000
#define CKC_TIFF_MAX_LIB_ALLOC ((tmsize_t)1 << 30)

// MARK: - memory "file"

typedef struct {
    const uint8_t *data;
    uint64_t size;
    uint64_t pos;
} ckc_tiff_mem;

static tmsize_t ckc_tiff_read(thandle_t h, void *buf, tmsize_t n) {
    ckc_tiff_mem *m = (ckc_tiff_mem *)h;
    if (n <= 0 || m->pos >= m->size) return 0;
    uint64_t avail = m->size - m->pos;
    uint64_t take = (uint64_t)n < avail ? (uint64_t)n : avail;
    memcpy(buf, m->data + m->pos, (size_t)take);
    m->pos += take;
    return (tmsize_t)take;
}

static tmsize_t ckc_tiff_write(thandle_t h, void *buf, tmsize_t n) {
    (void)h; (void)buf; (void)n;
    return -1;
}

static toff_t ckc_tiff_seek(thandle_t h, toff_t off, int whence) {
    ckc_tiff_mem *m = (ckc_tiff_mem *)h;
    uint64_t base;
    switch (whence) {
    case SEEK_SET: base = 0; break;
    case SEEK_CUR: base = m->pos; break;
    case SEEK_END: base = m->size; break;
    default: return (toff_t)-1;
    }
    // toff_t is unsigned; libtiff passes negative relative offsets as wrapped values.
    uint64_t np = base + (uint64_t)off;
    if ((int64_t)off >= 0 ? np < base : np > base) return (toff_t)-1;
    m->pos = np;
    return (toff_t)np;
}

static int ckc_tiff_close(thandle_t h) { (void)h; return 0; }
static toff_t ckc_tiff_size(thandle_t h) { return (toff_t)((ckc_tiff_mem *)h)->size; }

static int ckc_tiff_map(thandle_t h, void **base, toff_t *size) {
    ckc_tiff_mem *m = (ckc_tiff_mem *)h;
    *base = (void *)m->data;  // libtiff only reads a mapped file opened read-only
    *size = (toff_t)m->size;
    return 1;
}

static void ckc_tiff_unmap(thandle_t h, void *base, toff_t size) { (void)h; (void)base; (void)size; }

// MARK: - messages

typedef struct {
    int nerrors;
    int nwarnings;
    char first_error[256];
    char last_error[256];
} ckc_tiff_diag;

static void ckc_tiff_format(char *dst, size_t cap, const char *module, const char *fmt, va_list ap) {
    char body[224];
    vsnprintf(body, sizeof body, fmt ? fmt : "", ap);
    if (module && *module && strcmp(module, "<memory>") != 0) snprintf(dst, cap, "%s: %s", module, body);
    else snprintf(dst, cap, "%s", body);
}

static int ckc_tiff_on_error(TIFF *tif, void *ud, const char *module, const char *fmt, va_list ap) {
    (void)tif;
    ckc_tiff_diag *d = (ckc_tiff_diag *)ud;
    if (!d) return 1;
    ckc_tiff_format(d->last_error, sizeof d->last_error, module, fmt, ap);
    if (d->nerrors++ == 0) memcpy(d->first_error, d->last_error, sizeof d->first_error);
    return 1;  // handled: do not call the process-wide handlers
}

static int ckc_tiff_on_warning(TIFF *tif, void *ud, const char *module, const char *fmt, va_list ap) {
    (void)tif; (void)module; (void)fmt; (void)ap;
    ckc_tiff_diag *d = (ckc_tiff_diag *)ud;
    if (d) d->nwarnings++;
    return 1;
}

static pthread_once_t ckc_tiff_once = PTHREAD_ONCE_INIT;

static void ckc_tiff_global_init(void) {
    // Messages emitted without a TIFF handle would otherwise go to stderr.
    TIFFSetErrorHandler(NULL);
    TIFFSetWarningHandler(NULL);
    TIFFSetErrorHandlerExt(NULL);
    TIFFSetWarningHandlerExt(NULL);
}

static void ckc_tiff_fail(ckc_image *out, int status, const ckc_tiff_diag *d, const char *fallback) {
    out->status = status;
    if (d && d->nerrors > 0) {
        if (d->nerrors > 1 && strcmp(d->first_error, d->last_error) != 0)
            ckc_set_message(out, "%s; then: %s", d->first_error, d->last_error);
        else
            ckc_set_message(out, "%s", d->first_error);
    } else {
        ckc_set_message(out, "%s", fallback);
    }
}

// MARK: - truncation heuristics

static uint64_t ckc_rd(const uint8_t *p, int n, int le) {
    uint64_t v = 0;
    for (int i = 0; i < n; i++) v |= (uint64_t)p[le ? i : n - 1 - i] << (8 * i);
    return v;
}

/// True when the header or first IFD points past the end of the bytes (a cut-off file).
static int ckc_tiff_header_truncated(const uint8_t *d, size_t n) {
    if (n < 8) return 1;
    int le = d[0] == 'I';
    uint64_t version = ckc_rd(d + 2, 2, le);
    uint64_t ifd, cnt_size, entry_size;
    if (version == 42) {
        ifd = ckc_rd(d + 4, 4, le);
        cnt_size = 2;
        entry_size = 12;
    } else if (version == 43) {
        if (n < 16) return 1;
        ifd = ckc_rd(d + 8, 8, le);
        cnt_size = 8;
        entry_size = 20;
    } else {
        return 0;
    }
    if (ifd >= n || n - ifd < cnt_size) return 1;
    uint64_t count = ckc_rd(d + ifd, (int)cnt_size, le);
    return count > (n - ifd - cnt_size) / entry_size;
}

/// True when an entry of the first IFD points at tag data past the end of the bytes
/// (e.g. JPEGTables or StripOffsets arrays of a cut-off file).
static int ckc_tiff_ifd_data_truncated(const uint8_t *d, size_t n) {
    if (n < 8) return 1;
    int le = d[0] == 'I';
    int big = ckc_rd(d + 2, 2, le) == 43;
    if (big && n < 16) return 1;
    uint64_t ifd = big ? ckc_rd(d + 8, 8, le) : ckc_rd(d + 4, 4, le);
    uint64_t cnt_size = big ? 8 : 2, entry_size = big ? 20 : 12, inline_size = big ? 8 : 4;
    if (ifd >= n || n - ifd < cnt_size) return 1;
    uint64_t count = ckc_rd(d + ifd, (int)cnt_size, le);
    if (count > (n - ifd - cnt_size) / entry_size) return 1;
    for (uint64_t i = 0; i < count; i++) {
        const uint8_t *e = d + ifd + cnt_size + i * entry_size;
        uint64_t type = ckc_rd(e + 2, 2, le);
        uint64_t values = big ? ckc_rd(e + 4, 8, le) : ckc_rd(e + 4, 4, le);
        uint64_t unit;
        switch (type) {
        case 1: case 2: case 6: case 7: unit = 1; break;
        case 3: case 8: unit = 2; break;
        case 4: case 9: case 11: case 13: unit = 4; break;
        case 5: case 10: case 12: case 16: case 17: case 18: unit = 8; break;
        default: continue;
        }
        if (values > UINT64_MAX / unit) continue;
        uint64_t bytes = values * unit;
        if (bytes <= inline_size) continue;
        uint64_t off = big ? ckc_rd(e + 12, 8, le) : ckc_rd(e + 8, 4, le);
        // Data that ends past the end of the bytes. An offset far beyond the end is more
        // likely a damaged value than a cut-off file, so that stays "corrupt".
        int ends_past = off > n || bytes > n - off;
        if (ends_past && off <= (uint64_t)n * 4u + ((uint64_t)1 << 20)) return 1;
    }
    return 0;
}

static int ckc_tiff_strile_past_eof(TIFF *tif, uint32_t strile, uint64_t size) {
    int err = 0;
    uint64_t off = TIFFGetStrileOffsetWithErr(tif, strile, &err);
    if (err) return 0;
    uint64_t bc = TIFFGetStrileByteCountWithErr(tif, strile, &err);
    if (err) return 0;
    return off > size || bc > size - off;
}

// MARK: - sample access

typedef struct {
    uint16_t bps;
    uint16_t spp;
    int contig;
    uint32_t maxv;  // 2^bps - 1
} ckc_layout;

static inline uint32_t ckc_sample(const ckc_layout *L, const uint8_t *const *planes, uint32_t x, int i) {
    const uint8_t *row = planes[L->contig ? 0 : i];
    size_t idx = L->contig ? (size_t)x * L->spp + (size_t)i : (size_t)x;
    switch (L->bps) {
    case 8: return row[idx];
    case 16: return ((const uint16_t *)row)[idx];
    default: {
        size_t bit = idx * L->bps;
        return (uint32_t)(row[bit >> 3] >> (8 - L->bps - (bit & 7))) & L->maxv;
    }
    }
}

/// v in [0, maxv] to [0, 255] or [0, 65535], rounded.
static inline uint32_t ckc_scale(uint32_t v, uint32_t maxv, uint32_t to) {
    if (maxv == to) return v;
    return (uint32_t)(((uint64_t)v * to + maxv / 2) / maxv);
}

// MARK: - native path

typedef struct {
    uint32_t w, h;
    uint16_t photometric;
    ckc_layout L;
    int color_ch;     // 1 gray/palette, 3 RGB, 4 CMYK
    int alpha_mode;   // CKC_ALPHA_*
    int nplanes;
    size_t rowbytes;  // per plane
    const uint16_t *cmap[3];
    int cmap_shift8;  // colormap holds 8-bit values (broken writer): scale by 257
} ckc_tiff_native;

/// Converts one stored row to gray.
static void ckc_tiff_convert_row(const ckc_tiff_native *N, const uint8_t *const *planes, uint8_t *dst,
                                 void *norm, int *alpha_used) {
    const uint32_t w = N->w;
    const ckc_layout *L = &N->L;
    const int gray = N->photometric == PHOTOMETRIC_MINISBLACK || N->photometric == PHOTOMETRIC_MINISWHITE;
    const int white = N->photometric == PHOTOMETRIC_MINISWHITE;
    if (gray && L->spp == 1 && L->bps == 8) {
        const uint8_t *src = planes[0];
        if (!white) memcpy(dst, src, w);
        else for (uint32_t x = 0; x < w; x++) dst[x] = (uint8_t)(255u - src[x]);
        return;
    }
    if (gray && L->spp == 1 && L->bps == 16) {
        const uint16_t *src = (const uint16_t *)planes[0];
        for (uint32_t x = 0; x < w; x++) {
            uint32_t v = white ? 65535u - src[x] : src[x];
            dst[x] = (uint8_t)((v + 128u) / 257u);  // round(v * 255 / 65535)
        }
        return;
    }
    const int wide = L->bps == 16 || N->photometric == PHOTOMETRIC_PALETTE;
    const uint32_t D = wide ? 65535u : 255u;
    const int has_alpha = N->alpha_mode != CKC_ALPHA_NONE;
    const int out_ch = (gray ? 1 : 3) + (has_alpha ? 1 : 0);
    uint8_t *n8 = (uint8_t *)norm;
    uint16_t *n16 = (uint16_t *)norm;
    for (uint32_t x = 0; x < w; x++) {
        uint32_t c[4] = {0, 0, 0, 0};
        int k = 0;
        if (gray) {
            uint32_t g = ckc_sample(L, planes, x, 0);
            if (white) g = L->maxv - g;
            c[k++] = ckc_scale(g, L->maxv, D);
        } else if (N->photometric == PHOTOMETRIC_RGB) {
            for (int i = 0; i < 3; i++) c[k++] = ckc_scale(ckc_sample(L, planes, x, i), L->maxv, D);
        } else if (N->photometric == PHOTOMETRIC_PALETTE) {
            uint32_t idx = ckc_sample(L, planes, x, 0);
            for (int i = 0; i < 3; i++) {
                uint32_t v = N->cmap[i][idx];
                c[k++] = N->cmap_shift8 ? (v & 0xffu) * 257u : v;
            }
        } else {  // CMYK, InkSet CMYK: 0 = no ink
            uint32_t cy = ckc_sample(L, planes, x, 0), mg = ckc_sample(L, planes, x, 1);
            uint32_t ye = ckc_sample(L, planes, x, 2), bk = ckc_sample(L, planes, x, 3);
            uint64_t m = L->maxv;
            uint32_t r = (uint32_t)(((m - cy) * (m - bk) + m / 2) / m);
            uint32_t g = (uint32_t)(((m - mg) * (m - bk) + m / 2) / m);
            uint32_t b = (uint32_t)(((m - ye) * (m - bk) + m / 2) / m);
            c[k++] = ckc_scale(r, L->maxv, D);
            c[k++] = ckc_scale(g, L->maxv, D);
            c[k++] = ckc_scale(b, L->maxv, D);
        }
        if (has_alpha) c[k++] = ckc_scale(ckc_sample(L, planes, x, N->color_ch), L->maxv, D);
        if (wide) for (int i = 0; i < k; i++) n16[(size_t)x * out_ch + i] = (uint16_t)c[i];
        else for (int i = 0; i < k; i++) n8[(size_t)x * out_ch + i] = (uint8_t)c[i];
    }
    if (wide) ckc_row16_to_gray(n16, w, out_ch, N->alpha_mode, dst, alpha_used);
    else ckc_row8_to_gray(n8, w, out_ch, N->alpha_mode, dst, alpha_used);
}

static int ckc_tiff_read_native(TIFF *tif, const ckc_tiff_native *N, uint64_t file_size, ckc_image *out,
                                const ckc_tiff_diag *diag) {
    const uint32_t w = N->w, h = N->h;
    const int tiled = TIFFIsTiled(tif);
    uint32_t band_h, tw = 0, tl = 0;
    if (tiled) {
        if (!TIFFGetField(tif, TIFFTAG_TILEWIDTH, &tw) || !TIFFGetField(tif, TIFFTAG_TILELENGTH, &tl) ||
            tw == 0 || tl == 0) {
            ckc_tiff_fail(out, CKC_ERR_CORRUPT, NULL, "tiled image without a valid tile size");
            return 0;
        }
        uint64_t tile_px = (uint64_t)tw * tl;
        uint64_t cap = (uint64_t)w * h * 4u;
        if (cap < ((uint64_t)1 << 22)) cap = (uint64_t)1 << 22;
        if (tile_px > cap) {
            ckc_set_message(out, "implausible tile size %ux%u for a %ux%u image", tw, tl, w, h);
            out->status = CKC_ERR_CORRUPT;
            return 0;
        }
        band_h = tl < h ? tl : h;
    } else {
        uint32_t rps = 0;
        TIFFGetFieldDefaulted(tif, TIFFTAG_ROWSPERSTRIP, &rps);
        if (rps == 0) {
            ckc_set_message(out, "RowsPerStrip is 0");
            out->status = CKC_ERR_CORRUPT;
            return 0;
        }
        band_h = rps < h ? rps : h;
    }

    const size_t rowbytes = N->rowbytes;
    size_t plane_bytes, band_bytes;
    if (!ckc_mul_size(rowbytes, band_h, &plane_bytes) || !ckc_mul_size(plane_bytes, (size_t)N->nplanes, &band_bytes)) {
        ckc_set_message(out, "strip buffer size overflows");
        out->status = CKC_ERR_CORRUPT;
        return 0;
    }
    uint8_t *band = malloc(band_bytes ? band_bytes : 1);
    uint8_t *norm = malloc((size_t)w * 8u);
    uint8_t *tilebuf = NULL;
    tmsize_t tile_size = 0;
    uint64_t tile_rowbytes = 0;
    size_t npix = (size_t)w * h;
    uint8_t *pixels = malloc(npix);
    if (tiled) {
        tile_size = TIFFTileSize(tif);
        tile_rowbytes = TIFFTileRowSize64(tif);
        if (tile_size > 0) tilebuf = malloc((size_t)tile_size);
    }
    int ok = 0;
    if (!band || !norm || !pixels || (tiled && !tilebuf)) {
        ckc_set_message(out, "out of memory for a %ux%u image", w, h);
        out->status = tiled && tile_size <= 0 ? CKC_ERR_CORRUPT : CKC_ERR_NOMEM;
        goto done;
    }
    if (tiled && (tile_rowbytes == 0 || (uint64_t)tile_size < tile_rowbytes * tl)) {
        ckc_set_message(out, "inconsistent tile size");
        out->status = CKC_ERR_CORRUPT;
        goto done;
    }

    const uint8_t *planes[32];
    int alpha_used = 0;
    const uint32_t bits_pp = (uint32_t)N->L.bps * (N->L.contig ? N->L.spp : 1);
    for (uint32_t y0 = 0; y0 < h; y0 += band_h) {
        const uint32_t rows = band_h < h - y0 ? band_h : h - y0;
        for (int p = 0; p < N->nplanes; p++) {
            uint8_t *pb = band + (size_t)p * plane_bytes;
            if (!tiled) {
                uint32_t strip = TIFFComputeStrip(tif, y0, (uint16_t)p);
                tmsize_t want = (tmsize_t)((size_t)rows * rowbytes);
                if (strip >= TIFFNumberOfStrips(tif)) {
                    ckc_set_message(out, "strip %u is missing (file has %u)", strip, TIFFNumberOfStrips(tif));
                    out->status = CKC_ERR_CORRUPT;
                    goto done;
                }
                tmsize_t got = TIFFReadEncodedStrip(tif, strip, pb, want);
                if (got < want) {
                    int trunc = ckc_tiff_strile_past_eof(tif, strip, file_size);
                    char fb[128];
                    snprintf(fb, sizeof fb, "strip %u: got %lld of %lld bytes", strip, (long long)got, (long long)want);
                    ckc_tiff_fail(out, trunc ? CKC_ERR_TRUNCATED : CKC_ERR_CORRUPT, diag, fb);
                    goto done;
                }
            } else {
                for (uint32_t x0 = 0; x0 < w; x0 += tw) {
                    uint32_t tile = TIFFComputeTile(tif, x0, y0, 0, (uint16_t)p);
                    if (tile >= TIFFNumberOfTiles(tif)) {
                        ckc_set_message(out, "tile %u is missing (file has %u)", tile, TIFFNumberOfTiles(tif));
                        out->status = CKC_ERR_CORRUPT;
                        goto done;
                    }
                    tmsize_t got = TIFFReadEncodedTile(tif, tile, tilebuf, tile_size);
                    if (got < (tmsize_t)(tile_rowbytes * rows)) {
                        int trunc = ckc_tiff_strile_past_eof(tif, tile, file_size);
                        char fb[128];
                        snprintf(fb, sizeof fb, "tile %u: got %lld of %lld bytes", tile, (long long)got,
                                 (long long)tile_size);
                        ckc_tiff_fail(out, trunc ? CKC_ERR_TRUNCATED : CKC_ERR_CORRUPT, diag, fb);
                        goto done;
                    }
                    size_t xoff = (size_t)(((uint64_t)x0 * bits_pp) / 8u);
                    size_t copy = rowbytes - xoff;
                    if (copy > tile_rowbytes) copy = (size_t)tile_rowbytes;
                    for (uint32_t r = 0; r < rows; r++)
                        memcpy(pb + (size_t)r * rowbytes + xoff, tilebuf + (size_t)r * tile_rowbytes, copy);
                }
            }
        }
        for (uint32_t r = 0; r < rows; r++) {
            for (int p = 0; p < N->nplanes; p++) planes[p] = band + (size_t)p * plane_bytes + (size_t)r * rowbytes;
            ckc_tiff_convert_row(N, planes, pixels + (size_t)(y0 + r) * w, norm, &alpha_used);
        }
    }
    out->pixels = pixels;
    pixels = NULL;
    out->alpha_used = alpha_used;
    out->status = CKC_OK;
    ok = 1;
done:
    free(band);
    free(norm);
    free(tilebuf);
    free(pixels);
    return ok;
}

// MARK: - RGBA fallback

static int ckc_tiff_read_rgba(TIFF *tif, uint32_t w, uint32_t h, int orientation, uint64_t file_size,
                              ckc_image *out, const ckc_tiff_diag *diag) {
    char emsg[1024] = {0};
    if (!TIFFRGBAImageOK(tif, emsg)) {
        out->status = CKC_ERR_UNSUPPORTED;
        ckc_set_message(out, "libtiff cannot convert this image: %s", emsg);
        return 0;
    }
    TIFFRGBAImage img;
    memset(&img, 0, sizeof img);
    if (!TIFFRGBAImageBegin(&img, tif, 1, emsg)) {
        out->status = CKC_ERR_UNSUPPORTED;
        ckc_set_message(out, "libtiff cannot convert this image: %s", emsg);
        return 0;
    }
    // Ask for the stored orientation (no flips); ckc_apply_orientation does the rest.
    img.req_orientation = (uint16_t)orientation;
    size_t npix, rbytes;
    uint32_t *raster = NULL;
    uint8_t *pixels = NULL;
    if (ckc_mul_size((size_t)w, (size_t)h, &npix) && ckc_mul_size(npix, 4, &rbytes)) {
        raster = malloc(rbytes);
        pixels = malloc(npix);
    }
    if (!raster || !pixels) {
        TIFFRGBAImageEnd(&img);
        free(raster);
        free(pixels);
        out->status = CKC_ERR_NOMEM;
        ckc_set_message(out, "out of memory for a %ux%u image", w, h);
        return 0;
    }
    int ok = TIFFRGBAImageGet(&img, raster, w, h);
    const int had_alpha = img.alpha != 0;
    TIFFRGBAImageEnd(&img);
    if (!ok) {
        free(raster);
        free(pixels);
        // Truncated if any strip/tile the image needs lies past the end of the bytes.
        int truncated = 0;
        uint32_t n = TIFFIsTiled(tif) ? TIFFNumberOfTiles(tif) : TIFFNumberOfStrips(tif);
        for (uint32_t i = 0; i < n && !truncated; i++) truncated = ckc_tiff_strile_past_eof(tif, i, file_size);
        ckc_tiff_fail(out, truncated ? CKC_ERR_TRUNCATED : CKC_ERR_CORRUPT, diag, "libtiff could not read the image data");
        return 0;
    }
    uint8_t rgba[4 * 256];
    int alpha_used = 0;
    for (uint32_t y = 0; y < h; y++) {
        const uint32_t *src = raster + (size_t)y * w;
        for (uint32_t x0 = 0; x0 < w; x0 += 256) {
            uint32_t n = w - x0 < 256 ? w - x0 : 256;
            for (uint32_t i = 0; i < n; i++) {
                uint32_t v = src[x0 + i];
                rgba[4 * i] = (uint8_t)TIFFGetR(v);
                rgba[4 * i + 1] = (uint8_t)TIFFGetG(v);
                rgba[4 * i + 2] = (uint8_t)TIFFGetB(v);
                rgba[4 * i + 3] = (uint8_t)TIFFGetA(v);
            }
            // TIFFRGBAImage delivers associated (premultiplied) alpha.
            ckc_row8_to_gray(rgba, n, 4, had_alpha ? CKC_ALPHA_PREMULTIPLIED : CKC_ALPHA_NONE,
                             pixels + (size_t)y * w + x0, &alpha_used);
        }
    }
    free(raster);
    out->pixels = pixels;
    out->had_alpha = had_alpha;
    out->alpha_used = alpha_used;
    out->status = CKC_OK;
    return 1;
}

// MARK: - entry point

static int ckc_tiff_model(uint16_t photometric, int has_alpha) {
    switch (photometric) {
    case PHOTOMETRIC_MINISBLACK:
    case PHOTOMETRIC_MINISWHITE: return has_alpha ? CKC_MODEL_GRAY_ALPHA : CKC_MODEL_GRAY;
    case PHOTOMETRIC_RGB:
    case PHOTOMETRIC_YCBCR: return has_alpha ? CKC_MODEL_RGBA : CKC_MODEL_RGB;
    case PHOTOMETRIC_PALETTE: return CKC_MODEL_PALETTE;
    case PHOTOMETRIC_SEPARATED: return CKC_MODEL_CMYK;
    case PHOTOMETRIC_CIELAB:
    case PHOTOMETRIC_ICCLAB:
    case PHOTOMETRIC_ITULAB: return CKC_MODEL_LAB;
    default: return CKC_MODEL_OTHER;
    }
}

static void ckc_tiff_read_page(TIFF *tif, uint64_t file_size, uint64_t max_pixels, ckc_image *out,
                               const ckc_tiff_diag *diag) {
    uint32_t w = 0, h = 0;
    if (!TIFFGetField(tif, TIFFTAG_IMAGEWIDTH, &w) || !TIFFGetField(tif, TIFFTAG_IMAGELENGTH, &h)) {
        out->status = CKC_ERR_CORRUPT;
        ckc_set_message(out, "ImageWidth or ImageLength is missing");
        return;
    }
    uint16_t bps = 1, spp = 1, planar = PLANARCONFIG_CONTIG, sampleformat = SAMPLEFORMAT_UINT;
    uint16_t orientation = ORIENTATION_TOPLEFT, photometric = 0, compression = COMPRESSION_NONE;
    uint16_t inkset = INKSET_CMYK, nextra = 0;
    uint16_t *extra = NULL;
    TIFFGetFieldDefaulted(tif, TIFFTAG_BITSPERSAMPLE, &bps);
    TIFFGetFieldDefaulted(tif, TIFFTAG_SAMPLESPERPIXEL, &spp);
    TIFFGetFieldDefaulted(tif, TIFFTAG_PLANARCONFIG, &planar);
    TIFFGetFieldDefaulted(tif, TIFFTAG_SAMPLEFORMAT, &sampleformat);
    TIFFGetFieldDefaulted(tif, TIFFTAG_ORIENTATION, &orientation);
    TIFFGetFieldDefaulted(tif, TIFFTAG_COMPRESSION, &compression);
    TIFFGetFieldDefaulted(tif, TIFFTAG_EXTRASAMPLES, &nextra, &extra);
    if (!TIFFGetField(tif, TIFFTAG_PHOTOMETRIC, &photometric)) {
        photometric = spp >= 3 ? PHOTOMETRIC_RGB : PHOTOMETRIC_MINISBLACK;
        ckc_add_warning(out, "PhotometricInterpretation missing; assumed %s", spp >= 3 ? "RGB" : "min-is-black");
    }
    if (photometric == PHOTOMETRIC_SEPARATED) TIFFGetFieldDefaulted(tif, TIFFTAG_INKSET, &inkset);

    out->width = (int)w;
    out->height = (int)h;
    out->bit_depth = bps;
    if (w == 0 || h == 0) {
        out->status = CKC_ERR_CORRUPT;
        ckc_set_message(out, "image has zero size (%ux%u)", w, h);
        return;
    }
    if ((uint64_t)w * h > max_pixels) {
        out->color_model = ckc_tiff_model(photometric, 0);
        out->status = CKC_ERR_TOO_LARGE;
        ckc_set_message(out, "image is %ux%u", w, h);
        return;
    }
    if (sampleformat != SAMPLEFORMAT_UINT && sampleformat != SAMPLEFORMAT_VOID) {
        out->color_model = ckc_tiff_model(photometric, 0);
        out->status = CKC_ERR_UNSUPPORTED;
        ckc_set_message(out, "%d-bit %s samples are not supported", bps,
                        sampleformat == SAMPLEFORMAT_IEEEFP ? "floating-point" :
                        sampleformat == SAMPLEFORMAT_INT ? "signed integer" : "complex");
        return;
    }
    if (orientation < 1 || orientation > 8) {
        ckc_add_warning(out, "invalid Orientation %u ignored", orientation);
        orientation = ORIENTATION_TOPLEFT;
    }

    int color_ch = 0;
    switch (photometric) {
    case PHOTOMETRIC_MINISBLACK:
    case PHOTOMETRIC_MINISWHITE:
    case PHOTOMETRIC_PALETTE: color_ch = 1; break;
    case PHOTOMETRIC_RGB: color_ch = 3; break;
    case PHOTOMETRIC_SEPARATED: color_ch = inkset == INKSET_CMYK ? 4 : 0; break;
    default: color_ch = 0;
    }
    int alpha_mode = CKC_ALPHA_NONE;
    int extras = (int)spp - color_ch;
    if (color_ch && extras >= 1) {
        uint16_t kind = (nextra >= 1 && extra) ? extra[0] : EXTRASAMPLE_UNSPECIFIED;
        if (kind == EXTRASAMPLE_ASSOCALPHA) alpha_mode = CKC_ALPHA_PREMULTIPLIED;
        else if (kind == EXTRASAMPLE_UNASSALPHA) alpha_mode = CKC_ALPHA_STRAIGHT;
        else if (extras == 1 && photometric != PHOTOMETRIC_PALETTE) {
            // Common in the wild (no ExtraSamples tag at all): read it as alpha, like most readers.
            alpha_mode = CKC_ALPHA_STRAIGHT;
            ckc_add_warning(out, "extra sample of unspecified meaning treated as alpha");
        }
    }
    out->color_model = ckc_tiff_model(photometric, alpha_mode != CKC_ALPHA_NONE);
    out->had_alpha = alpha_mode != CKC_ALPHA_NONE;

    ckc_tiff_native N;
    memset(&N, 0, sizeof N);
    N.w = w;
    N.h = h;
    N.photometric = photometric;
    N.L.bps = bps;
    N.L.spp = spp;
    N.L.contig = planar != PLANARCONFIG_SEPARATE || spp == 1;
    N.L.maxv = bps >= 32 ? 0xffffffffu : (1u << bps) - 1u;
    N.color_ch = color_ch;
    N.alpha_mode = alpha_mode;
    N.nplanes = N.L.contig ? 1 : spp;

    int native = color_ch > 0 && spp >= color_ch && spp <= 32 &&
                 (bps == 1 || bps == 2 || bps == 4 || bps == 8 || bps == 16) &&
                 compression != COMPRESSION_OJPEG;
    if (native && photometric == PHOTOMETRIC_PALETTE) {
        uint16_t *r = NULL, *g = NULL, *b = NULL;
        if (!TIFFGetField(tif, TIFFTAG_COLORMAP, &r, &g, &b) || !r || !g || !b) {
            out->status = CKC_ERR_CORRUPT;
            ckc_set_message(out, "palette image without a ColorMap");
            return;
        }
        N.cmap[0] = r;
        N.cmap[1] = g;
        N.cmap[2] = b;
        // Some writers store 8-bit values in the 16-bit colormap.
        uint32_t n = 1u << bps, big = 0;
        for (uint32_t i = 0; i < n; i++)
            if (r[i] > 255 || g[i] > 255 || b[i] > 255) { big = 1; break; }
        if (!big && n > 1) {
            N.cmap_shift8 = 1;
            ckc_add_warning(out, "ColorMap holds 8-bit values; scaled to 16 bits");
        }
    }
    if (native) {
        uint64_t rowbits = (uint64_t)w * bps * (N.L.contig ? spp : 1);
        N.rowbytes = (size_t)((rowbits + 7) / 8);
        uint64_t libsize = TIFFIsTiled(tif) ? 0 : TIFFScanlineSize64(tif);
        if (!TIFFIsTiled(tif) && libsize != N.rowbytes) native = 0;
        if (TIFFIsTiled(tif)) {
            uint32_t tw = 0;
            TIFFGetField(tif, TIFFTAG_TILEWIDTH, &tw);
            if (((uint64_t)tw * bps * (N.L.contig ? spp : 1)) % 8 != 0) native = 0;
        }
    }
    if (native) {
        if (!ckc_tiff_read_native(tif, &N, file_size, out, diag)) return;
    } else {
        if (!ckc_tiff_read_rgba(tif, w, h, orientation, file_size, out, diag)) return;
        out->color_model = ckc_tiff_model(photometric, out->had_alpha);
    }
    if (orientation != ORIENTATION_TOPLEFT) {
        if (ckc_apply_orientation(out, orientation) != CKC_OK) {
            free(out->pixels);
            out->pixels = NULL;
            out->status = CKC_ERR_NOMEM;
            ckc_set_message(out, "out of memory while applying Orientation %u", orientation);
            return;
        }
        ckc_add_warning(out, "Orientation %u applied", orientation);
    }
}

void ckc_decode_tiff(const uint8_t *data, size_t size, uint64_t max_pixels, ckc_image *out) {
    pthread_once(&ckc_tiff_once, ckc_tiff_global_init);
    ckc_tiff_mem mem = {data, size, 0};
    ckc_tiff_diag diag;
    memset(&diag, 0, sizeof diag);
    out->page_count = 1;

    TIFFOpenOptions *opts = TIFFOpenOptionsAlloc();
    if (!opts) {
        out->status = CKC_ERR_NOMEM;
        ckc_set_message(out, "libtiff could not be initialised");
        return;
    }
    TIFFOpenOptionsSetErrorHandlerExtR(opts, ckc_tiff_on_error, &diag);
    TIFFOpenOptionsSetWarningHandlerExtR(opts, ckc_tiff_on_warning, &diag);
    TIFFOpenOptionsSetMaxSingleMemAlloc(opts, CKC_TIFF_MAX_LIB_ALLOC);
    TIFF *tif = TIFFClientOpenExt("<memory>", "r", (thandle_t)&mem, ckc_tiff_read, ckc_tiff_write, ckc_tiff_seek,
                                  ckc_tiff_close, ckc_tiff_size, ckc_tiff_map, ckc_tiff_unmap, opts);
    TIFFOpenOptionsFree(opts);
    if (!tif) {
        ckc_tiff_fail(out, ckc_tiff_header_truncated(data, size) ? CKC_ERR_TRUNCATED : CKC_ERR_CORRUPT, &diag,
                      "libtiff could not read the first directory");
        return;
    }
    ckc_tiff_read_page(tif, size, max_pixels, out, &diag);
    if (out->status == CKC_ERR_CORRUPT && ckc_tiff_ifd_data_truncated(data, size)) out->status = CKC_ERR_TRUNCATED;
    if (out->status == CKC_OK) {
        int pages = 1, reduced = 0;
        uint32_t sft = 0;
        if (TIFFGetField(tif, TIFFTAG_SUBFILETYPE, &sft) && (sft & FILETYPE_REDUCEDIMAGE)) reduced++;
        int errors_before = diag.nerrors;
        while (pages < CKC_TIFF_MAX_PAGES && TIFFReadDirectory(tif)) {
            pages++;
            sft = 0;
            if (TIFFGetField(tif, TIFFTAG_SUBFILETYPE, &sft) && (sft & FILETYPE_REDUCEDIMAGE)) reduced++;
        }
        if (diag.nerrors > errors_before)
            ckc_add_warning(out, "page count may be incomplete: %s", diag.last_error);
        out->page_count = pages;
        out->reduced_pages = reduced;
    }
    TIFFClose(tif);
}
