// Test-only encoders used by KaryoImageTests to generate every PNG/JPEG/TIFF variant the
// decoders must handle, without external tools or fixture files. Not used by KaryoImage.
#ifndef CKARYO_TESTSUPPORT_H
#define CKARYO_TESTSUPPORT_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct ckc_test_png_spec {
    uint32_t width, height;
    int bit_depth;                 ///< 1, 2, 4, 8 or 16
    int color_type;                ///< PNG colour type: 0 gray, 2 RGB, 3 palette, 4 gray+alpha, 6 RGBA
    int interlace;                 ///< 1 = Adam7
    const uint16_t *samples;       ///< width*height*channels values, each < 2^bit_depth (palette: indexes)
    const uint8_t *palette_rgb;    ///< palette_size * 3 bytes
    int palette_size;
    const uint8_t *palette_alpha;  ///< tRNS for palette images (palette_alpha_count entries)
    int palette_alpha_count;
    int has_trns_color;            ///< tRNS for gray (trns_color[0]) or RGB (trns_color[0..2])
    uint16_t trns_color[3];
    int add_text_chunk;            ///< adds a tEXt chunk (to check that decoders ignore it)
} ckc_test_png_spec;

/// Writes a PNG with libpng. Returns 0 on success; free *out with ckc_free.
int ckc_test_write_png(const ckc_test_png_spec *spec, uint8_t **out, size_t *out_size);

typedef struct ckc_test_jpeg_spec {
    uint32_t width, height;
    int components;        ///< 1 gray, 3 RGB, 4 CMYK (as stored: Adobe files store inverted values)
    const uint8_t *pixels; ///< width*height*components bytes
    int quality;           ///< 1..100
    int progressive;
    int store_rgb;         ///< 3 components: store as RGB (Adobe transform 0) instead of YCbCr
    int store_ycck;        ///< 4 components: store as YCCK instead of CMYK
    int no_adobe_marker;   ///< 4 components: omit the Adobe marker
    int arithmetic;        ///< arithmetic coding instead of Huffman
} ckc_test_jpeg_spec;

/// Writes a JPEG with libjpeg. Returns 0 on success; free *out with ckc_free.
int ckc_test_write_jpeg(const ckc_test_jpeg_spec *spec, uint8_t **out, size_t *out_size);

typedef struct ckc_test_tiff_spec {
    uint32_t width, height;
    uint16_t bits;               ///< 1, 2, 4, 8, 16
    uint16_t samples_per_pixel;  ///< samples per pixel
    uint16_t photometric;        ///< TIFF PhotometricInterpretation
    uint16_t planar;             ///< 1 chunky, 2 planar
    uint16_t compression;        ///< 1 none, 5 LZW, 8 Deflate, 32773 PackBits, 7 JPEG
    uint16_t predictor;          ///< 0/1 none, 2 horizontal
    uint32_t rows_per_strip;     ///< 0 = libtiff default
    uint32_t tile_width;         ///< nonzero = tiled (multiples of 16)
    uint32_t tile_length;
    int extra_sample_type;       ///< -1: no ExtraSamples tag; else 0 unspecified, 1 associated, 2 unassociated
    uint16_t orientation;        ///< 0 = tag not written
    uint16_t pages;              ///< directories to write (the same image each time); 0 = 1
    int later_pages_reduced;     ///< mark directories after the first as reduced-resolution
    int big_endian;              ///< write a big-endian (MM) file
    int big_tiff;                ///< write BigTIFF
    int jpeg_quality;            ///< for compression 7
    const uint16_t *colormap;    ///< 3 * 2^bits entries (R..., G..., B...) for palette images
    const uint16_t *samples;     ///< width*height*samples_per_pixel values in chunky order, each < 2^bits
                                 ///< (photometric YCbCr + JPEG: RGB values, converted by libjpeg)
} ckc_test_tiff_spec;

/// Writes a TIFF with libtiff to memory. Returns 0 on success; free *out with ckc_free.
/// `message` receives libtiff's last error on failure.
int ckc_test_write_tiff(const ckc_test_tiff_spec *spec, uint8_t **out, size_t *out_size, char *message,
                        size_t message_capacity);

#ifdef __cplusplus
}
#endif

#endif
