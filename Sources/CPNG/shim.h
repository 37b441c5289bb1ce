#ifndef REDERIVE_CPNG_SHIM_H
#define REDERIVE_CPNG_SHIM_H
#include <png.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>

// libpng reports errors with longjmp, which Swift cannot catch, so the whole encode lives here
// behind setjmp and returns a status code instead.

/// A growable byte buffer that libpng writes into; the caller frees `data` with free().
typedef struct {
    unsigned char *data;
    size_t size;
    size_t capacity;
} rederive_png_buffer;

static void rederive_png_write_data(png_structp png, png_bytep bytes, png_size_t length) {
    rederive_png_buffer *buffer = (rederive_png_buffer *)png_get_io_ptr(png);
    if (buffer->size + length > buffer->capacity) {
        size_t capacity = buffer->capacity ? buffer->capacity : 65536;
        while (capacity < buffer->size + length) capacity *= 2;
        unsigned char *grown = (unsigned char *)realloc(buffer->data, capacity);
        if (!grown) png_error(png, "out of memory");
        buffer->data = grown;
        buffer->capacity = capacity;
    }
    memcpy(buffer->data + buffer->size, bytes, length);
    buffer->size += length;
}

static void rederive_png_flush(png_structp png) { (void)png; }

/// Encodes opaque Cairo ARGB32 rows (little-endian: B, G, R, X in memory) as 8-bit RGB PNG with
/// a pHYs chunk (pixels per metre) and tEXt "Software" and "Source" entries (either may be NULL).
/// Returns 0 on success, 1 if libpng could not start, 2 if it failed while encoding.
static inline int rederive_png_encode_bgrx(const unsigned char *pixels, int width, int height,
                                           int stride, unsigned int pixels_per_metre,
                                           const char *software, const char *source,
                                           int compression_level, int compression_strategy, int filters,
                                           rederive_png_buffer *out) {
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
    if (!png) return 1;
    png_infop info = png_create_info_struct(png);
    if (!info) { png_destroy_write_struct(&png, NULL); return 1; }
    if (setjmp(png_jmpbuf(png))) { png_destroy_write_struct(&png, &info); return 2; }
    png_set_write_fn(png, out, rederive_png_write_data, rederive_png_flush);
    png_set_compression_level(png, compression_level);
    png_set_compression_strategy(png, compression_strategy);
    png_set_filter(png, PNG_FILTER_TYPE_BASE, filters);
    png_set_IHDR(png, info, (png_uint_32)width, (png_uint_32)height, 8, PNG_COLOR_TYPE_RGB,
                 PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    png_set_pHYs(png, info, pixels_per_metre, pixels_per_metre, PNG_RESOLUTION_METER);
    png_text text[2];
    int count = 0;
    memset(text, 0, sizeof text);
    if (software) {
        text[count].compression = PNG_TEXT_COMPRESSION_NONE;
        text[count].key = (png_charp)"Software";
        text[count].text = (png_charp)software;
        count++;
    }
    if (source) {
        text[count].compression = PNG_TEXT_COMPRESSION_NONE;
        text[count].key = (png_charp)"Source";
        text[count].text = (png_charp)source;
        count++;
    }
    if (count) png_set_text(png, info, text, count);
    png_write_info(png, info);
    // Converting B, G, R, X to R, G, B here is several times faster than libpng's filler and
    // BGR transforms.
    unsigned char *row = (unsigned char *)malloc((size_t)width * 3);
    if (!row) { png_destroy_write_struct(&png, &info); return 1; }
    if (setjmp(png_jmpbuf(png))) { free(row); png_destroy_write_struct(&png, &info); return 2; }
    for (int y = 0; y < height; y++) {
        const unsigned char *in = pixels + (size_t)y * (size_t)stride;
        unsigned char *out = row;
        for (int x = 0; x < width; x++, in += 4, out += 3) {
            out[0] = in[2];
            out[1] = in[1];
            out[2] = in[0];
        }
        png_write_row(png, row);
    }
    png_write_end(png, info);
    png_destroy_write_struct(&png, &info);
    free(row);
    return 0;
}

/// zlib strategies: 0 default, 1 filtered, 2 Huffman only, 3 RLE.
static inline int rederive_png_filter_none(void) { return PNG_FILTER_NONE; }
static inline int rederive_png_filter_sub(void) { return PNG_FILTER_SUB; }
static inline int rederive_png_filter_up(void) { return PNG_FILTER_UP; }
static inline int rederive_png_filter_all(void) { return PNG_ALL_FILTERS; }

#endif
