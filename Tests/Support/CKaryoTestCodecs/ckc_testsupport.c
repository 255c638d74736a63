// Test-only encoders (see include/ckaryo_testsupport.h). They take trusted parameters from
// the tests; errors are still caught (setjmp / handlers) so a bad test spec fails cleanly.
#include <stdio.h>
#include <stddef.h>
#include <jpeglib.h>
#include <png.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <tiffio.h>

#include <stdint.h>
#include "include/ckaryo_testsupport.h"

// MARK: - growable buffer

typedef struct {
    uint8_t *p;
    size_t len, cap, pos;
    int failed;
} ckc_tbuf;

static int ckc_tbuf_write_at(ckc_tbuf *b, size_t at, const void *src, size_t n) {
    size_t need = at + n;
    if (need > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        while (cap < need) cap *= 2;
        uint8_t *np = realloc(b->p, cap);
        if (!np) { b->failed = 1; return 0; }
        if (cap > b->cap) memset(np + b->cap, 0, cap - b->cap);
        b->p = np;
        b->cap = cap;
    }
    memcpy(b->p + at, src, n);
    if (need > b->len) b->len = need;
    return 1;
}

static void ckc_pack_row(const uint16_t *vals, size_t count, int bits, uint8_t *dst, int big_endian16) {
    if (bits == 8) {
        for (size_t i = 0; i < count; i++) dst[i] = (uint8_t)vals[i];
    } else if (bits == 16) {
        for (size_t i = 0; i < count; i++) {
            if (big_endian16) { dst[2 * i] = (uint8_t)(vals[i] >> 8); dst[2 * i + 1] = (uint8_t)vals[i]; }
            else memcpy(dst + 2 * i, &vals[i], 2);
        }
    } else {
        size_t nbytes = (count * (size_t)bits + 7) / 8;
        memset(dst, 0, nbytes);
        for (size_t i = 0; i < count; i++) {
            size_t bit = i * (size_t)bits;
            dst[bit >> 3] |= (uint8_t)((vals[i] & ((1u << bits) - 1u)) << (8 - bits - (bit & 7)));
        }
    }
}

// MARK: - PNG

typedef struct {
    jmp_buf jump;
    ckc_tbuf buf;
} ckc_tpng;

static void ckc_tpng_write(png_structp png, png_bytep data, size_t n) {
    ckc_tpng *t = (ckc_tpng *)png_get_io_ptr(png);
    if (!ckc_tbuf_write_at(&t->buf, t->buf.len, data, n)) png_error(png, "out of memory");
}
static void ckc_tpng_flush(png_structp png) { (void)png; }
static void ckc_tpng_error(png_structp png, png_const_charp msg) { (void)msg; png_longjmp(png, 1); }
static void ckc_tpng_warn(png_structp png, png_const_charp msg) { (void)png; (void)msg; }

int ckc_test_write_png(const ckc_test_png_spec *s, uint8_t **out, size_t *out_size) {
    *out = NULL;
    *out_size = 0;
    int channels;
    switch (s->color_type) {
    case 0: case 3: channels = 1; break;
    case 4: channels = 2; break;
    case 2: channels = 3; break;
    case 6: channels = 4; break;
    default: return 1;
    }
    ckc_tpng t;
    memset(&t, 0, sizeof t);
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &t, ckc_tpng_error, ckc_tpng_warn);
    if (!png) return 2;
    png_infop info = png_create_info_struct(png);
    uint8_t *volatile row = NULL;
    if (!info || setjmp(png_jmpbuf(png))) {
        png_destroy_write_struct(&png, &info);
        free(row);
        free(t.buf.p);
        return 3;
    }
    png_set_write_fn(png, &t, ckc_tpng_write, ckc_tpng_flush);
    png_set_IHDR(png, info, s->width, s->height, s->bit_depth, s->color_type,
                 s->interlace ? PNG_INTERLACE_ADAM7 : PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT,
                 PNG_FILTER_TYPE_DEFAULT);
    if (s->color_type == 3) {
        png_color pal[256];
        for (int i = 0; i < s->palette_size && i < 256; i++) {
            pal[i].red = s->palette_rgb[3 * i];
            pal[i].green = s->palette_rgb[3 * i + 1];
            pal[i].blue = s->palette_rgb[3 * i + 2];
        }
        png_set_PLTE(png, info, pal, s->palette_size);
        if (s->palette_alpha && s->palette_alpha_count > 0)
            png_set_tRNS(png, info, s->palette_alpha, s->palette_alpha_count, NULL);
    } else if (s->has_trns_color) {
        png_color_16 c;
        memset(&c, 0, sizeof c);
        c.gray = s->trns_color[0];
        c.red = s->trns_color[0];
        c.green = s->trns_color[1];
        c.blue = s->trns_color[2];
        png_set_tRNS(png, info, NULL, 0, &c);
    }
    if (s->add_text_chunk) {
        png_text text;
        memset(&text, 0, sizeof text);
        text.compression = PNG_TEXT_COMPRESSION_NONE;
        text.key = (png_charp) "Comment";
        text.text = (png_charp) "patient name here";
        png_set_text(png, info, &text, 1);
    }
    png_write_info(png, info);
    const size_t per_row = (size_t)s->width * (size_t)channels;
    row = malloc(per_row * 2 + 8);
    if (!row) png_error(png, "oom");
    int passes = png_set_interlace_handling(png);
    for (int pass = 0; pass < passes; pass++) {
        for (uint32_t y = 0; y < s->height; y++) {
            ckc_pack_row(s->samples + (size_t)y * per_row, per_row, s->bit_depth, row, 1);
            png_write_row(png, row);
        }
    }
    png_write_end(png, info);
    png_destroy_write_struct(&png, &info);
    free(row);
    *out = t.buf.p;
    *out_size = t.buf.len;
    return 0;
}

// MARK: - JPEG

typedef struct {
    struct jpeg_error_mgr pub;
    jmp_buf jump;
} ckc_tjerr;

static void ckc_tj_error_exit(j_common_ptr c) { longjmp(((ckc_tjerr *)c->err)->jump, 1); }
static void ckc_tj_output(j_common_ptr c) { (void)c; }

int ckc_test_write_jpeg(const ckc_test_jpeg_spec *s, uint8_t **out, size_t *out_size) {
    *out = NULL;
    *out_size = 0;
    struct jpeg_compress_struct c;
    ckc_tjerr err;
    memset(&c, 0, sizeof c);
    c.err = jpeg_std_error(&err.pub);
    err.pub.error_exit = ckc_tj_error_exit;
    err.pub.output_message = ckc_tj_output;
    unsigned char *volatile mem = NULL;
    unsigned long memsize = 0;
    if (setjmp(err.jump)) {
        jpeg_destroy_compress(&c);
        free(mem);
        return 1;
    }
    jpeg_CreateCompress(&c, JPEG_LIB_VERSION, sizeof(struct jpeg_compress_struct));
    unsigned char *m = NULL;
    jpeg_mem_dest(&c, &m, &memsize);
    c.image_width = s->width;
    c.image_height = s->height;
    c.input_components = s->components;
    c.in_color_space = s->components == 1 ? JCS_GRAYSCALE : s->components == 3 ? JCS_RGB : JCS_CMYK;
    jpeg_set_defaults(&c);
    if (s->components == 3 && s->store_rgb) jpeg_set_colorspace(&c, JCS_RGB);
    if (s->components == 4) {
        jpeg_set_colorspace(&c, s->store_ycck ? JCS_YCCK : JCS_CMYK);
        if (s->no_adobe_marker) c.write_Adobe_marker = FALSE;
    }
    jpeg_set_quality(&c, s->quality > 0 ? s->quality : 90, TRUE);
    if (s->progressive) jpeg_simple_progression(&c);
    if (s->arithmetic) c.arith_code = TRUE;
    jpeg_start_compress(&c, TRUE);
    while (c.next_scanline < c.image_height) {
        JSAMPROW r = (JSAMPROW)(s->pixels + (size_t)c.next_scanline * s->width * (size_t)s->components);
        jpeg_write_scanlines(&c, &r, 1);
    }
    jpeg_finish_compress(&c);
    mem = m;
    jpeg_destroy_compress(&c);
    *out = mem;
    *out_size = memsize;
    return 0;
}

// MARK: - TIFF

typedef struct {
    ckc_tbuf buf;
    char msg[256];
} ckc_ttiff;

static tmsize_t ckc_tt_read(thandle_t h, void *dst, tmsize_t n) {
    ckc_ttiff *t = (ckc_ttiff *)h;
    if (t->buf.pos >= t->buf.len) return 0;
    size_t take = t->buf.len - t->buf.pos;
    if ((size_t)n < take) take = (size_t)n;
    memcpy(dst, t->buf.p + t->buf.pos, take);
    t->buf.pos += take;
    return (tmsize_t)take;
}
static tmsize_t ckc_tt_write(thandle_t h, void *src, tmsize_t n) {
    ckc_ttiff *t = (ckc_ttiff *)h;
    if (!ckc_tbuf_write_at(&t->buf, t->buf.pos, src, (size_t)n)) return -1;
    t->buf.pos += (size_t)n;
    return n;
}
static toff_t ckc_tt_seek(thandle_t h, toff_t off, int whence) {
    ckc_ttiff *t = (ckc_ttiff *)h;
    size_t base = whence == SEEK_SET ? 0 : whence == SEEK_CUR ? t->buf.pos : t->buf.len;
    t->buf.pos = base + (size_t)off;
    return (toff_t)t->buf.pos;
}
static int ckc_tt_close(thandle_t h) { (void)h; return 0; }
static toff_t ckc_tt_size(thandle_t h) { return (toff_t)((ckc_ttiff *)h)->buf.len; }
static int ckc_tt_map(thandle_t h, void **b, toff_t *s) { (void)h; (void)b; (void)s; return 0; }
static void ckc_tt_unmap(thandle_t h, void *b, toff_t s) { (void)h; (void)b; (void)s; }

static int ckc_tt_on_error(TIFF *tif, void *ud, const char *module, const char *fmt, va_list ap) {
    (void)tif; (void)module;
    ckc_ttiff *t = (ckc_ttiff *)ud;
    vsnprintf(t->msg, sizeof t->msg, fmt, ap);
    return 1;
}
static int ckc_tt_on_warning(TIFF *tif, void *ud, const char *module, const char *fmt, va_list ap) {
    (void)tif; (void)ud; (void)module; (void)fmt; (void)ap;
    return 1;
}

/// Packs plane p (or all samples when chunky) of rows [y0, y0+rows) x [x0, x0+cols) into dst,
/// each row padded to `rowbytes`.
static void ckc_tt_pack(const ckc_test_tiff_spec *s, int plane, uint32_t x0, uint32_t y0, uint32_t cols,
                        uint32_t rows, size_t rowbytes, uint8_t *dst, uint16_t *tmp) {
    const int chunky = s->planar != 2;
    const size_t spp = s->samples_per_pixel;
    const size_t per_px = chunky ? spp : 1;
    memset(dst, 0, rowbytes * rows);
    for (uint32_t r = 0; r < rows; r++) {
        uint32_t y = y0 + r;
        size_t n = 0;
        for (uint32_t c = 0; c < cols; c++) {
            uint32_t x = x0 + c;
            for (size_t i = 0; i < per_px; i++) {
                uint16_t v = 0;
                if (x < s->width && y < s->height)
                    v = s->samples[((size_t)y * s->width + x) * spp + (chunky ? i : (size_t)plane)];
                tmp[n++] = v;
            }
        }
        ckc_pack_row(tmp, n, s->bits, dst + (size_t)r * rowbytes, 0);
    }
}

int ckc_test_write_tiff(const ckc_test_tiff_spec *s, uint8_t **out, size_t *out_size, char *message,
                        size_t message_capacity) {
    *out = NULL;
    *out_size = 0;
    ckc_ttiff t;
    memset(&t, 0, sizeof t);
    TIFFOpenOptions *opts = TIFFOpenOptionsAlloc();
    TIFFOpenOptionsSetErrorHandlerExtR(opts, ckc_tt_on_error, &t);
    TIFFOpenOptionsSetWarningHandlerExtR(opts, ckc_tt_on_warning, &t);
    char mode[8] = "w";
    if (s->big_endian) strcat(mode, "b");
    else strcat(mode, "l");
    if (s->big_tiff) strcat(mode, "8");
    TIFF *tif = TIFFClientOpenExt("test", mode, (thandle_t)&t, ckc_tt_read, ckc_tt_write, ckc_tt_seek, ckc_tt_close,
                                  ckc_tt_size, ckc_tt_map, ckc_tt_unmap, opts);
    TIFFOpenOptionsFree(opts);
    if (!tif) {
        if (message && message_capacity) snprintf(message, message_capacity, "open: %s", t.msg);
        free(t.buf.p);
        return 1;
    }
    int rc = 0;
    const uint16_t pages = s->pages ? s->pages : 1;
    const int chunky = s->planar != 2;
    const size_t spp = s->samples_per_pixel;
    uint8_t *buf = NULL;
    uint16_t *tmp = NULL;
    for (uint16_t page = 0; page < pages && !rc; page++) {
        TIFFSetField(tif, TIFFTAG_IMAGEWIDTH, s->width);
        TIFFSetField(tif, TIFFTAG_IMAGELENGTH, s->height);
        TIFFSetField(tif, TIFFTAG_BITSPERSAMPLE, s->bits);
        TIFFSetField(tif, TIFFTAG_SAMPLESPERPIXEL, s->samples_per_pixel);
        TIFFSetField(tif, TIFFTAG_PHOTOMETRIC, s->photometric);
        TIFFSetField(tif, TIFFTAG_PLANARCONFIG, chunky ? PLANARCONFIG_CONTIG : PLANARCONFIG_SEPARATE);
        TIFFSetField(tif, TIFFTAG_COMPRESSION, s->compression ? s->compression : COMPRESSION_NONE);
        if (s->predictor > 1) TIFFSetField(tif, TIFFTAG_PREDICTOR, s->predictor);
        if (s->compression == COMPRESSION_JPEG) {
            TIFFSetField(tif, TIFFTAG_JPEGQUALITY, s->jpeg_quality ? s->jpeg_quality : 90);
            if (s->photometric == PHOTOMETRIC_YCBCR) TIFFSetField(tif, TIFFTAG_JPEGCOLORMODE, JPEGCOLORMODE_RGB);
        }
        if (s->orientation) TIFFSetField(tif, TIFFTAG_ORIENTATION, s->orientation);
        if (s->extra_sample_type >= 0) {
            int color = (s->photometric == PHOTOMETRIC_RGB || s->photometric == PHOTOMETRIC_YCBCR) ? 3
                        : s->photometric == PHOTOMETRIC_SEPARATED ? 4 : 1;
            if ((int)s->samples_per_pixel > color) {
                uint16_t types[16];
                int n = (int)s->samples_per_pixel - color;
                for (int i = 0; i < n && i < 16; i++) types[i] = (uint16_t)(i == 0 ? s->extra_sample_type : 0);
                TIFFSetField(tif, TIFFTAG_EXTRASAMPLES, (uint16_t)n, types);
            }
        }
        if (s->photometric == PHOTOMETRIC_PALETTE && s->colormap) {
            size_t n = (size_t)1 << s->bits;
            TIFFSetField(tif, TIFFTAG_COLORMAP, s->colormap, s->colormap + n, s->colormap + 2 * n);
        }
        if (page > 0 && s->later_pages_reduced) TIFFSetField(tif, TIFFTAG_SUBFILETYPE, FILETYPE_REDUCEDIMAGE);
        if (pages > 1) TIFFSetField(tif, TIFFTAG_PAGENUMBER, page, pages);

        const int nplanes = chunky ? 1 : (int)spp;
        const size_t per_px = chunky ? spp : 1;
        if (s->tile_width) {
            TIFFSetField(tif, TIFFTAG_TILEWIDTH, s->tile_width);
            TIFFSetField(tif, TIFFTAG_TILELENGTH, s->tile_length);
            size_t rowbytes = ((size_t)s->tile_width * per_px * s->bits + 7) / 8;
            size_t tsize = rowbytes * s->tile_length;
            buf = realloc(buf, tsize);
            tmp = realloc(tmp, sizeof(uint16_t) * (size_t)s->tile_width * per_px);
            for (int p = 0; p < nplanes && !rc; p++)
                for (uint32_t y = 0; y < s->height && !rc; y += s->tile_length)
                    for (uint32_t x = 0; x < s->width && !rc; x += s->tile_width) {
                        ckc_tt_pack(s, p, x, y, s->tile_width, s->tile_length, rowbytes, buf, tmp);
                        if (TIFFWriteEncodedTile(tif, TIFFComputeTile(tif, x, y, 0, (uint16_t)p), buf,
                                                 (tmsize_t)tsize) < 0)
                            rc = 2;
                    }
        } else {
            uint32_t rps = s->rows_per_strip ? s->rows_per_strip : TIFFDefaultStripSize(tif, 0);
            if (rps > s->height) rps = s->height;
            TIFFSetField(tif, TIFFTAG_ROWSPERSTRIP, rps);
            size_t rowbytes = ((size_t)s->width * per_px * s->bits + 7) / 8;
            buf = realloc(buf, rowbytes * rps);
            tmp = realloc(tmp, sizeof(uint16_t) * (size_t)s->width * per_px);
            for (int p = 0; p < nplanes && !rc; p++)
                for (uint32_t y = 0; y < s->height && !rc; y += rps) {
                    uint32_t rows = s->height - y < rps ? s->height - y : rps;
                    ckc_tt_pack(s, p, 0, y, s->width, rows, rowbytes, buf, tmp);
                    if (TIFFWriteEncodedStrip(tif, TIFFComputeStrip(tif, y, (uint16_t)p), buf,
                                              (tmsize_t)(rowbytes * rows)) < 0)
                        rc = 3;
                }
        }
        if (!rc && !TIFFWriteDirectory(tif)) rc = 4;
    }
    TIFFClose(tif);
    free(buf);
    free(tmp);
    if (rc || t.buf.failed) {
        if (message && message_capacity) snprintf(message, message_capacity, "write (%d): %s", rc, t.msg);
        free(t.buf.p);
        return rc ? rc : 5;
    }
    *out = t.buf.p;
    *out_size = t.buf.len;
    return 0;
}
