#ifndef OCRFLEET_CPNGWRITER_H
#define OCRFLEET_CPNGWRITER_H

/* A PNG writer for page bitmaps tuned for speed. Leptonica's own writer lets libpng try
   every row filter on every row, which costs more than rendering the page; text pages
   compress nearly as well with one fixed filter. */

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct Pix;

/* Writes an 8 bpp gray or 32 bpp RGB PIX (no colour map) as PNG with zlib `level` (0-9)
   and one row `filter` for every row (0 none, 1 sub, 2 up, 3 average, 4 Paeth).
   On success returns 0 and sets *out (release with free()) and *size. */
int ocr_png_write(const struct Pix *pix, int level, int filter, uint8_t **out, size_t *size);

#ifdef __cplusplus
}
#endif

#endif
