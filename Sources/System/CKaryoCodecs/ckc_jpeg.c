// JPEG decoding with libjpeg(-turbo). libjpeg's error_exit must not return, so errors
// longjmp back into ckc_decode_jpeg; every message goes through our handlers (nothing printed).
//
// Warnings that mean the image content is damaged (premature end of file, bad Huffman code,
// premature end of a data segment, lost restart markers) are treated as errors: a curated
// dataset should not silently import a half-grey picture. Other warnings are reported.
#include <stdio.h>
#include <stddef.h>
#include <jpeglib.h>
#include <jerror.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>

#include "ckc_internal.h"

/// More scans than any sane progressive JPEG has; guards against scan-count time bombs.
#define CKC_JPEG_MAX_SCANS 1000

typedef struct {
    struct jpeg_error_mgr pub;
    jmp_buf jump;
    int status;
    int nwarnings;
    char message[JMSG_LENGTH_MAX + 64];
    ckc_image *out;
} ckc_jpeg_err;

static int ckc_jpeg_error_status(int code) {
    switch (code) {
    case JERR_INPUT_EMPTY:
    case JERR_INPUT_EOF:
        return CKC_ERR_TRUNCATED;
    case JERR_OUT_OF_MEMORY:
    case JERR_VIRTUAL_BUG:
        return CKC_ERR_NOMEM;
    case JERR_BAD_PRECISION:
    case JERR_NOT_COMPILED:
    case JERR_CONVERSION_NOTIMPL:
    case JERR_NOTIMPL:
    case JERR_SOF_UNSUPPORTED:
    case JERR_ARITH_NOTIMPL:
        return CKC_ERR_UNSUPPORTED;
    default:
        return CKC_ERR_CORRUPT;
    }
}

static void ckc_jpeg_error_exit(j_common_ptr cinfo) {
    ckc_jpeg_err *err = (ckc_jpeg_err *)cinfo->err;
    char buf[JMSG_LENGTH_MAX];
    (*cinfo->err->format_message)(cinfo, buf);
    snprintf(err->message, sizeof err->message, "%s", buf);
    err->status = ckc_jpeg_error_status(cinfo->err->msg_code);
    longjmp(err->jump, 1);
}

static void ckc_jpeg_emit_message(j_common_ptr cinfo, int level) {
    if (level >= 0) return;  // trace messages
    ckc_jpeg_err *err = (ckc_jpeg_err *)cinfo->err;
    char buf[JMSG_LENGTH_MAX];
    (*cinfo->err->format_message)(cinfo, buf);
    cinfo->err->num_warnings++;
    switch (cinfo->err->msg_code) {
    case JWRN_JPEG_EOF:
        snprintf(err->message, sizeof err->message, "%s", buf);
        err->status = CKC_ERR_TRUNCATED;
        longjmp(err->jump, 1);
    case JWRN_HIT_MARKER:
    case JWRN_HUFF_BAD_CODE:
    case JWRN_ARITH_BAD_CODE:
    case JWRN_MUST_RESYNC:
    case JWRN_BOGUS_PROGRESSION:
    case JWRN_NOT_SEQUENTIAL:
    case JWRN_TOO_MUCH_DATA:
        snprintf(err->message, sizeof err->message, "%s", buf);
        err->status = CKC_ERR_CORRUPT;
        longjmp(err->jump, 1);
    default:
        if (err->nwarnings++ < 3) ckc_add_warning(err->out, "%s", buf);
        break;
    }
}

static void ckc_jpeg_output_message(j_common_ptr cinfo) { (void)cinfo; }

static void ckc_jpeg_progress(j_common_ptr cinfo) {
    if (!cinfo->is_decompressor) return;
    j_decompress_ptr d = (j_decompress_ptr)cinfo;
    if (d->input_scan_number > CKC_JPEG_MAX_SCANS) {
        ckc_jpeg_err *err = (ckc_jpeg_err *)cinfo->err;
        snprintf(err->message, sizeof err->message, "more than %d scans (progressive JPEG scan bomb?)",
                 CKC_JPEG_MAX_SCANS);
        err->status = CKC_ERR_CORRUPT;
        longjmp(err->jump, 1);
    }
}

static inline uint8_t ckc_mul255(unsigned a, unsigned b) { return (uint8_t)((a * b + 127u) / 255u); }

void ckc_decode_jpeg(const uint8_t *data, size_t size, uint64_t max_pixels, ckc_image *out) {
    struct jpeg_decompress_struct cinfo;
    ckc_jpeg_err err;
    struct jpeg_progress_mgr progress;
    memset(&cinfo, 0, sizeof cinfo);
    memset(&err, 0, sizeof err);
    memset(&progress, 0, sizeof progress);
    out->page_count = 1;
    err.out = out;

    cinfo.err = jpeg_std_error(&err.pub);
    err.pub.error_exit = ckc_jpeg_error_exit;
    err.pub.emit_message = ckc_jpeg_emit_message;
    err.pub.output_message = ckc_jpeg_output_message;
    progress.progress_monitor = ckc_jpeg_progress;

    uint8_t *volatile pixels = NULL;
    uint8_t *volatile rowbuf = NULL;
    volatile int created = 0;

    if (setjmp(err.jump)) {
        if (created) jpeg_destroy_decompress(&cinfo);
        free(pixels);
        free(rowbuf);
        out->pixels = NULL;
        out->status = err.status ? err.status : CKC_ERR_CORRUPT;
        ckc_set_message(out, "%s", err.message[0] ? err.message : "libjpeg error");
        return;
    }

    jpeg_CreateDecompress(&cinfo, JPEG_LIB_VERSION, sizeof(struct jpeg_decompress_struct));
    created = 1;
    cinfo.progress = &progress;
    jpeg_mem_src(&cinfo, (const unsigned char *)data, (unsigned long)size);
    jpeg_read_header(&cinfo, TRUE);

    const unsigned w = cinfo.image_width, h = cinfo.image_height;
    out->width = (int)w;
    out->height = (int)h;
    out->bit_depth = cinfo.data_precision;
    int inverted_cmyk = 0;
    switch (cinfo.jpeg_color_space) {
    case JCS_GRAYSCALE:
        out->color_model = CKC_MODEL_GRAY;
        cinfo.out_color_space = JCS_GRAYSCALE;
        break;
    case JCS_YCbCr:
        // The Y plane is the BT.601 luma of the encoded RGB: decode it alone.
        out->color_model = CKC_MODEL_RGB;
        cinfo.out_color_space = JCS_GRAYSCALE;
        break;
    case JCS_RGB:
        out->color_model = CKC_MODEL_RGB;
        cinfo.out_color_space = JCS_RGB;
        break;
    case JCS_CMYK:
    case JCS_YCCK:
        out->color_model = cinfo.jpeg_color_space == JCS_CMYK ? CKC_MODEL_CMYK : CKC_MODEL_YCCK;
        cinfo.out_color_space = JCS_CMYK;
        // Adobe (Photoshop) writes CMYK inverted: 255 = no ink.
        inverted_cmyk = cinfo.saw_Adobe_marker;
        break;
    default:
        out->color_model = CKC_MODEL_OTHER;
        jpeg_destroy_decompress(&cinfo);
        out->status = CKC_ERR_UNSUPPORTED;
        ckc_set_message(out, "JPEG colour space %d with %d components is not supported",
                        (int)cinfo.jpeg_color_space, cinfo.num_components);
        return;
    }

    if ((uint64_t)w * (uint64_t)h > max_pixels) {
        jpeg_destroy_decompress(&cinfo);
        out->status = CKC_ERR_TOO_LARGE;
        ckc_set_message(out, "image is %ux%u", w, h);
        return;
    }
    if (w == 0 || h == 0) {
        jpeg_destroy_decompress(&cinfo);
        out->status = CKC_ERR_CORRUPT;
        ckc_set_message(out, "image has zero size (%ux%u)", w, h);
        return;
    }

    jpeg_start_decompress(&cinfo);
    if (cinfo.output_width != w || cinfo.output_height != h) {
        snprintf(err.message, sizeof err.message, "unexpected output size %ux%u",
                 cinfo.output_width, cinfo.output_height);
        err.status = CKC_ERR_CORRUPT;
        longjmp(err.jump, 1);
    }
    const int comps = cinfo.output_components;
    size_t npix;
    if (!ckc_mul_size(w, h, &npix) || !(pixels = malloc(npix))) {
        snprintf(err.message, sizeof err.message, "out of memory for %ux%u pixels", w, h);
        err.status = CKC_ERR_NOMEM;
        longjmp(err.jump, 1);
    }
    if (comps != 1) {
        rowbuf = malloc((size_t)w * (size_t)comps);
        if (!rowbuf) {
            snprintf(err.message, sizeof err.message, "out of memory");
            err.status = CKC_ERR_NOMEM;
            longjmp(err.jump, 1);
        }
    }
    while (cinfo.output_scanline < h) {
        const unsigned y = cinfo.output_scanline;
        uint8_t *dst = pixels + (size_t)y * w;
        JSAMPROW row = comps == 1 ? (JSAMPROW)dst : (JSAMPROW)rowbuf;
        if (jpeg_read_scanlines(&cinfo, &row, 1) != 1) {
            snprintf(err.message, sizeof err.message, "no scanline returned at row %u", y);
            err.status = CKC_ERR_CORRUPT;
            longjmp(err.jump, 1);
        }
        if (comps == 3) {
            ckc_row8_to_gray(rowbuf, w, 3, CKC_ALPHA_NONE, dst, NULL);
        } else if (comps == 4) {
            // CMYK -> RGB in place (R = (1-C)(1-K) etc., on inverted values if Adobe), then luma.
            uint8_t *p = rowbuf;
            for (unsigned x = 0; x < w; x++, p += 4) {
                unsigned c = p[0], m = p[1], yl = p[2], k = p[3];
                if (!inverted_cmyk) {
                    c = 255u - c; m = 255u - m; yl = 255u - yl; k = 255u - k;
                }
                p[0] = ckc_mul255(c, k);
                p[1] = ckc_mul255(m, k);
                p[2] = ckc_mul255(yl, k);
                p[3] = 255;
            }
            ckc_row8_to_gray(rowbuf, w, 4, CKC_ALPHA_NONE, dst, NULL);
        }
    }
    jpeg_finish_decompress(&cinfo);
    jpeg_destroy_decompress(&cinfo);
    free(rowbuf);
    out->pixels = pixels;
    out->status = CKC_OK;
}
