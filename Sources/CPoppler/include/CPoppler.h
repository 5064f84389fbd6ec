#ifndef OCRFLEET_CPOPPLER_H
#define OCRFLEET_CPOPPLER_H

/* A C view of the parts of poppler-cpp the worker needs, so no Swift target needs C++
   interop. Rendered pages come back as Leptonica PIX (8 bpp gray or 32 bpp RGB). */

#include <stddef.h>

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
    OCR_PDF_RENDER_FAILED = 4
} ocr_pdf_status;

/* Opens the PDF at path. password may be NULL; it is tried as both user and owner
   password. On failure returns NULL and sets *status. */
ocr_pdf *ocr_pdf_open(const char *path, const char *password, ocr_pdf_status *status);
void ocr_pdf_close(ocr_pdf *doc);
int ocr_pdf_page_count(const ocr_pdf *doc);

/* Page size in points (1/72 inch), after the page's own rotation. */
ocr_pdf_status ocr_pdf_page_size(const ocr_pdf *doc, int index, double *width, double *height);

/* Renders page index (0-based) at dpi; gray selects 8 bpp, else 32 bpp RGB.
   The caller owns the returned PIX (pixDestroy). */
ocr_pdf_status ocr_pdf_render_page(const ocr_pdf *doc, int index, double dpi, int gray, struct Pix **out);

#ifdef __cplusplus
}
#endif

#endif
