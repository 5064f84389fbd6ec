#ifndef OCRFLEET_CPOPPLER_H
#define OCRFLEET_CPOPPLER_H

/* A C view of the parts of poppler the worker needs, so no Swift target needs C++
   interop. Rendered pages come back as Leptonica PIX (8 bpp gray or 32 bpp RGB). Pages
   render through poppler-cpp; the text layer comes from poppler's core TextOutputDev,
   which alone gives reading-order blocks, fonts, links and the text render mode. */

#include <stddef.h>

#include "CNativeMessages.h"

#ifdef __cplusplus
extern "C" {
#endif

struct Pix;
typedef struct ocr_pdf ocr_pdf;

typedef enum {
    OCR_PDF_OK = 0,
    OCR_PDF_CORRUPT = 1,
    OCR_PDF_ENCRYPTED = 2,
    OCR_PDF_BAD_PAGE = 3,
    OCR_PDF_RENDER_FAILED = 4,
    /* ocr_pdf_scan_image: the page is not a plain scan at the asked resolution. */
    OCR_PDF_NOT_A_SCAN = 5
} ocr_pdf_status;

/* Opens the PDF at path. password may be NULL; it is tried as both user and owner
   password. On failure returns NULL and sets *status. */
ocr_pdf *ocr_pdf_open(const char *path, const char *password, ocr_pdf_status *status);
void ocr_pdf_close(ocr_pdf *doc);
int ocr_pdf_page_count(const ocr_pdf *doc);

/* Size in points (1/72 inch) of the page as rendered: its crop box, after the page's own
   rotation. poppler ignores /UserUnit, so it does not enlarge a render. */
ocr_pdf_status ocr_pdf_page_size(const ocr_pdf *doc, int index, double *width, double *height);

/* Renders page index (0-based) at dpi; gray selects 8 bpp, else 32 bpp RGB.
   The caller owns the returned PIX (pixDestroy). */
ocr_pdf_status ocr_pdf_render_page(const ocr_pdf *doc, int index, double dpi, int gray, struct Pix **out);

/* When page index (0-based) is a plain scan at about dpi (within 10 %): one upright image
   covering the page, with no visible text, drawing or annotation over it. Then the image is
   decoded in 8 bpp gray at its own resolution, with no drawing or scaling, which is what
   rendering the page at dpi would give at a fraction of the cost. OCR_PDF_NOT_A_SCAN
   otherwise, or when the image claims more than max_pixels: render the page instead. The
   caller owns the returned PIX (pixDestroy). */
ocr_pdf_status ocr_pdf_scan_image(ocr_pdf *doc, int index, double dpi, double max_pixels, struct Pix **out);

enum {
    OCR_PDF_WORD_BOLD = 1,
    OCR_PDF_WORD_ITALIC = 2,
    OCR_PDF_WORD_SPACE_AFTER = 4,
    /* The word ends its line and the line ends with a hyphen. */
    OCR_PDF_WORD_HYPHENATED = 8
};

/* A word of a page's text layer, in reading order. Boxes are in points with the origin at
   the top left of the page as displayed (after its /Rotate). */
typedef struct {
    double x_min, y_min, x_max, y_max;
    double font_size;
    int flow, block, line; /* reading-order indexes on the page */
    int flags;             /* OCR_PDF_WORD_* */
    size_t text_offset, text_length; /* UTF-8 bytes in ocr_pdf_text.text */
    size_t uri_offset, uri_length;   /* the word's link target in .text; length 0: none */
} ocr_pdf_word;

typedef struct {
    double width, height; /* points, as displayed */
    ocr_pdf_word *words;
    int word_count;
    char *text;
    size_t text_length;
    /* Glyphs drawn, not counting spaces: visible, invisible (render mode 3, as OCR layers
       over scans are), and with no usable Unicode (no mapping, U+FFFD, private use). */
    int visible_glyphs, invisible_glyphs, unmapped_glyphs;
    /* Area of the page covered by images, as a fraction of the page (overlaps count twice). */
    double image_coverage;
} ocr_pdf_text;

/* The text layer of page index (0-based). Invisible glyphs are counted always but kept as
   words only with include_invisible. Free with ocr_pdf_text_free. */
ocr_pdf_status ocr_pdf_page_text(ocr_pdf *doc, int index, int include_invisible, ocr_pdf_text *out);
void ocr_pdf_text_free(ocr_pdf_text *text);

#ifdef __cplusplus
}
#endif

#endif
