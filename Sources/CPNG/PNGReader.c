#include "CPNG.h"

#include <leptonica/allheaders.h>
#include <png.h>
#include <stdio.h>
#include <stdlib.h>

/* A channel value laid over white by its alpha. */
static inline uint32_t over_white(uint32_t value, uint32_t alpha) {
    return (value * alpha + 255 * (255 - alpha) + 127) / 255;
}

int ocr_png_read_reduced(const char *path, int factor, struct Pix **out) {
    *out = NULL;
    if (factor < 1) return 1;
    FILE *file = fopen(path, "rb");
    if (!file) return 1;
    png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
    png_infop info = png ? png_create_info_struct(png) : NULL;
    /* volatile: set after setjmp and read after a longjmp back to it. */
    png_bytep volatile row = NULL;
    uint32_t *volatile sums = NULL;
    PIX *volatile pix = NULL;
    /* libpng reports errors by longjmp; everything freed below is declared before this point. */
    if (!info || setjmp(png_jmpbuf(png))) {
        png_destroy_read_struct(&png, info ? &info : NULL, NULL);
        fclose(file);
        free(row);
        free(sums);
        PIX *partial = pix;
        pixDestroy(&partial);
        return 1;
    }
    png_init_io(png, file);
    png_read_info(png, info);
    if (png_get_interlace_type(png, info) != PNG_INTERLACE_NONE) {
        png_destroy_read_struct(&png, &info, NULL);
        fclose(file);
        return 2;
    }
    /* Every file becomes 8-bit gray, gray + alpha, RGB or RGBA. */
    png_set_expand(png);
    png_set_strip_16(png);
    png_read_update_info(png, info);
    const uint32_t width = png_get_image_width(png, info), height = png_get_image_height(png, info);
    const int channels = png_get_channels(png, info);
    const int gray = channels <= 2, colours = gray ? 1 : 3;
    const uint32_t out_width = (width + factor - 1) / factor, out_height = (height + factor - 1) / factor;

    row = malloc(png_get_rowbytes(png, info));
    sums = calloc((size_t)out_width * colours, sizeof(uint32_t));
    pix = pixCreate((l_int32)out_width, (l_int32)out_height, gray ? 8 : 32);
    if (!row || !sums || !pix) longjmp(png_jmpbuf(png), 1);
    l_uint32 *data = pixGetData(pix);
    const int wpl = pixGetWpl(pix);
    for (uint32_t y = 0; y < height; ++y) {
        png_read_row(png, row, NULL);
        for (uint32_t x = 0; x < width; ++x) {
            const png_bytep pixel = row + (size_t)x * channels;
            uint32_t *sum = sums + (size_t)(x / factor) * colours;
            if (channels == 2 || channels == 4) {
                const uint32_t alpha = pixel[channels - 1];
                for (int c = 0; c < colours; ++c) sum[c] += over_white(pixel[c], alpha);
            } else {
                for (int c = 0; c < colours; ++c) sum[c] += pixel[c];
            }
        }
        const uint32_t block_rows = (y + 1) % factor == 0 ? factor : (y + 1 == height ? (y + 1) % factor : 0);
        if (!block_rows) continue;
        l_uint32 *line = data + (size_t)(y / factor) * wpl;
        for (uint32_t ox = 0; ox < out_width; ++ox) {
            const uint32_t block_columns = ox + 1 < out_width ? factor : width - ox * factor;
            const uint32_t count = block_columns * block_rows;
            uint32_t *sum = sums + (size_t)ox * colours;
            if (gray) {
                SET_DATA_BYTE(line, ox, (sum[0] + count / 2) / count);
            } else {
                composeRGBPixel((sum[0] + count / 2) / count, (sum[1] + count / 2) / count,
                                (sum[2] + count / 2) / count, &line[ox]);
            }
            for (int c = 0; c < colours; ++c) sum[c] = 0;
        }
    }
    png_uint_32 x_ppm = png_get_x_pixels_per_meter(png, info), y_ppm = png_get_y_pixels_per_meter(png, info);
    if (x_ppm > 0 && y_ppm > 0) /* pixels per metre to pixels per inch, shrunk with the image */
        pixSetResolution(pix, (l_int32)(x_ppm * 0.0254 / factor + 0.5), (l_int32)(y_ppm * 0.0254 / factor + 0.5));
    png_destroy_read_struct(&png, &info, NULL);
    fclose(file);
    free(row);
    free(sums);
    *out = pix;
    return 0;
}
