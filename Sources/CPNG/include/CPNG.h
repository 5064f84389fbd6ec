#ifndef OCRFLEET_CPNG_H
#define OCRFLEET_CPNG_H

/* PNG in and out of Leptonica bitmaps where Leptonica's own code costs too much.
   Writing: Leptonica lets libpng try every row filter on every row, which costs more than
   rendering the page; text pages compress nearly as well with one fixed filter.
   Reading: Leptonica decodes the whole image; a huge one is read row by row here and
   shrunk as it arrives, so memory follows the result's size, not the file's. */

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

/* Reads the PNG at `path` shrunk by `factor` (>= 1) in both directions, each output pixel the
   mean of its factor × factor block: 8 bpp gray for gray PNGs, else 32 bpp RGB; transparency
   is laid over white. Holds one row of the file and one row of sums at a time.
   Returns 0 and sets *out (release with pixDestroy), 1 if the file cannot be decoded,
   2 if it is interlaced (its rows do not arrive in order). */
int ocr_png_read_reduced(const char *path, int factor, struct Pix **out);

#ifdef __cplusplus
}
#endif

#endif
