#ifndef REPORTGEN_CPNG_SHIM_H
#define REPORTGEN_CPNG_SHIM_H

#include <png.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>

/* libpng reports errors by longjmp, which must never cross a Swift frame: the whole write
   happens here, between the setjmp and the return, and Swift sees a status and a message. */

/* The encoded file, grown as libpng writes it; the caller frees `bytes`. */
typedef struct {
    unsigned char *bytes;
    size_t length;
    size_t capacity;
    char error[256];
} cpng_output;

static void cpng_write(png_structp png, png_bytep data, png_size_t length) {
    cpng_output *out = (cpng_output *)png_get_io_ptr(png);
    if (out->length + length > out->capacity) {
        size_t capacity = out->capacity ? out->capacity * 2 : 65536;
        while (capacity < out->length + length) capacity *= 2;
        unsigned char *grown = (unsigned char *)realloc(out->bytes, capacity);
        if (!grown) png_error(png, "out of memory");
        out->bytes = grown;
        out->capacity = capacity;
    }
    memcpy(out->bytes + out->length, data, length);
    out->length += length;
}

static void cpng_flush(png_structp png) { (void)png; }

static void cpng_fail(png_structp png, png_const_charp message) {
    cpng_output *out = (cpng_output *)png_get_error_ptr(png);
    strncpy(out->error, message ? message : "unknown libpng error", sizeof out->error - 1);
    out->error[sizeof out->error - 1] = 0;
    png_longjmp(png, 1);
}

static void cpng_warn(png_structp png, png_const_charp message) { (void)png; (void)message; }

/* Encodes `height` rows of `row_bytes` each (8-bit RGB, or RGBA when `alpha`) at zlib
   `level` with the filters `filters` (PNG_FILTER_* bits). Returns 0, or -1 with the reason
   in out->error. */
static inline int cpng_encode(
    const unsigned char *pixels, size_t row_bytes, unsigned width, unsigned height, int alpha,
    int level, int filters, cpng_output *out)
{
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, out, cpng_fail, cpng_warn);
    if (!png) { strcpy(out->error, "libpng could not start"); return -1; }
    png_infop info = png_create_info_struct(png);
    if (!info) {
        png_destroy_write_struct(&png, NULL);
        strcpy(out->error, "libpng could not start");
        return -1;
    }
    if (setjmp(png_jmpbuf(png))) {
        png_destroy_write_struct(&png, &info);
        return -1;
    }
    png_set_write_fn(png, out, cpng_write, cpng_flush);
    png_set_compression_level(png, level);
    png_set_filter(png, PNG_FILTER_TYPE_BASE, filters);
    png_set_IHDR(png, info, width, height, 8, alpha ? PNG_COLOR_TYPE_RGB_ALPHA : PNG_COLOR_TYPE_RGB,
                 PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_BASE, PNG_FILTER_TYPE_BASE);
    png_write_info(png, info);
    for (unsigned y = 0; y < height; y++) png_write_row(png, pixels + (size_t)y * row_bytes);
    png_write_end(png, info);
    png_destroy_write_struct(&png, &info);
    return 0;
}

#endif
