// 8-bit grayscale JPEG encoder over libjpeg(-turbo), errors caught with setjmp.
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jpeglib.h>
#include "include/ckaryo_encode.h"

typedef struct {
    struct jpeg_error_mgr pub;
    jmp_buf jump;
    char *message;
    size_t capacity;
} ckc_enc_jerr;

static void ckc_enc_jerr_exit(j_common_ptr c) {
    ckc_enc_jerr *e = (ckc_enc_jerr *)c->err;
    if (e->message && e->capacity) {
        char buf[JMSG_LENGTH_MAX];
        (*c->err->format_message)(c, buf);
        snprintf(e->message, e->capacity, "%s", buf);
    }
    longjmp(e->jump, 1);
}
static void ckc_enc_jerr_silent(j_common_ptr c, int level) { (void)c; (void)level; }

int ckc_encode_jpeg_gray8(const uint8_t *pixels, uint32_t width, uint32_t height, int quality,
                          const char *comment, const uint8_t *app1, size_t app1_size,
                          uint8_t **out, size_t *out_size, char *message, size_t message_capacity) {
    *out = NULL;
    *out_size = 0;
    if (!pixels || width == 0 || height == 0 || width > 65500 || height > 65500) {
        if (message && message_capacity) snprintf(message, message_capacity, "JPEG needs 1..65500 pixels a side");
        return 1;
    }
    struct jpeg_compress_struct c;
    ckc_enc_jerr err;
    memset(&c, 0, sizeof c);
    memset(&err, 0, sizeof err);
    err.message = message;
    err.capacity = message_capacity;
    c.err = jpeg_std_error(&err.pub);
    err.pub.error_exit = ckc_enc_jerr_exit;
    err.pub.emit_message = ckc_enc_jerr_silent;
    unsigned char *volatile mem = NULL;
    unsigned long memsize = 0;
    if (setjmp(err.jump)) {
        jpeg_destroy_compress(&c);
        free(mem);
        return 2;
    }
    jpeg_create_compress(&c);
    unsigned char *m = NULL;
    jpeg_mem_dest(&c, &m, &memsize);
    c.image_width = width;
    c.image_height = height;
    c.input_components = 1;
    c.in_color_space = JCS_GRAYSCALE;
    jpeg_set_defaults(&c);
    jpeg_set_quality(&c, quality < 1 ? 1 : quality > 100 ? 100 : quality, TRUE);
    c.optimize_coding = TRUE;
    c.write_JFIF_header = TRUE;
    jpeg_start_compress(&c, TRUE);
    if (app1 && app1_size > 0 && app1_size < 65000) jpeg_write_marker(&c, JPEG_APP0 + 1, app1, (unsigned)app1_size);
    if (comment && comment[0]) {
        size_t n = strlen(comment);
        if (n > 65000) n = 65000;
        jpeg_write_marker(&c, JPEG_COM, (const JOCTET *)comment, (unsigned)n);
    }
    while (c.next_scanline < c.image_height) {
        JSAMPROW r = (JSAMPROW)(pixels + (size_t)c.next_scanline * width);
        jpeg_write_scanlines(&c, &r, 1);
    }
    jpeg_finish_compress(&c);
    mem = m;
    jpeg_destroy_compress(&c);
    *out = mem;
    *out_size = memsize;
    return 0;
}
