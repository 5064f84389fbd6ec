#include "CPNG.h"

#include <leptonica/allheaders.h>
#include <png.h>
#include <stdlib.h>
#include <string.h>

struct buffer {
    uint8_t *data;
    size_t size;
    size_t capacity;
    int failed;
};

static void append(png_structp png, png_bytep bytes, png_size_t count) {
    struct buffer *buffer = png_get_io_ptr(png);
    if (buffer->failed) return;
    if (buffer->size + count > buffer->capacity) {
        size_t capacity = buffer->capacity ? buffer->capacity : 65536;
        while (capacity < buffer->size + count) capacity *= 2;
        uint8_t *grown = realloc(buffer->data, capacity);
        if (!grown) {
            buffer->failed = 1;
            return;
        }
        buffer->data = grown;
        buffer->capacity = capacity;
    }
    memcpy(buffer->data + buffer->size, bytes, count);
    buffer->size += count;
}

static void flush(png_structp png) { (void)png; }

int ocr_png_write(const struct Pix *cpix, int level, int filter, uint8_t **out, size_t *size) {
    PIX *pix = (PIX *)cpix;
    *out = NULL;
    *size = 0;
    const int depth = pixGetDepth(pix);
    if ((depth != 8 && depth != 32) || pixGetColormap(pix)) return 1;
    const int width = pixGetWidth(pix), height = pixGetHeight(pix);
    const int channels = depth == 8 ? 1 : 3;

    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
    if (!png) return 1;
    png_infop info = png_create_info_struct(png);
    struct buffer buffer = {0};
    png_bytep row = malloc((size_t)width * channels);
    /* libpng reports errors by longjmp; everything freed below is set before this point. */
    if (!info || !row || setjmp(png_jmpbuf(png))) {
        png_destroy_write_struct(&png, info ? &info : NULL);
        free(row);
        free(buffer.data);
        return 1;
    }
    png_set_write_fn(png, &buffer, append, flush);
    png_set_compression_level(png, level < 0 ? 0 : level > 9 ? 9 : level);
    static const int filters[] = {PNG_FILTER_NONE, PNG_FILTER_SUB, PNG_FILTER_UP, PNG_FILTER_AVG, PNG_FILTER_PAETH};
    png_set_filter(png, PNG_FILTER_TYPE_BASE, filters[filter < 0 || filter > 4 ? 0 : filter]);
    png_set_IHDR(png, info, (png_uint_32)width, (png_uint_32)height, 8,
                 channels == 1 ? PNG_COLOR_TYPE_GRAY : PNG_COLOR_TYPE_RGB, PNG_INTERLACE_NONE,
                 PNG_COMPRESSION_TYPE_BASE, PNG_FILTER_TYPE_BASE);
    png_write_info(png, info);

    const l_uint32 *data = pixGetData(pix);
    const int wpl = pixGetWpl(pix);
    for (int y = 0; y < height; ++y) {
        const l_uint32 *line = data + (size_t)y * wpl;
        if (channels == 1) {
            for (int x = 0; x < width; ++x) row[x] = GET_DATA_BYTE(line, x);
        } else {
            for (int x = 0; x < width; ++x) {
                l_int32 r, g, b;
                extractRGBValues(line[x], &r, &g, &b);
                row[3 * x] = r;
                row[3 * x + 1] = g;
                row[3 * x + 2] = b;
            }
        }
        png_write_row(png, row);
    }
    png_write_end(png, NULL);
    png_destroy_write_struct(&png, &info);
    free(row);
    if (buffer.failed) {
        free(buffer.data);
        return 1;
    }
    *out = buffer.data;
    *size = buffer.size;
    return 0;
}
