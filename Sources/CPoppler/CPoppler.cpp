#include "CPoppler.h"

#include <poppler/cpp/poppler-document.h>
#include <poppler/cpp/poppler-global.h>
#include <poppler/cpp/poppler-image.h>
#include <poppler/cpp/poppler-page-renderer.h>
#include <poppler/cpp/poppler-page.h>

#include <leptonica/allheaders.h>

#include <memory>
#include <mutex>
#include <string>

struct ocr_pdf {
    std::unique_ptr<poppler::document> document;
};

namespace {

// Poppler prints parse warnings for damaged files to stderr by default; the worker
// reports failures through its own error codes instead.
void ignore_poppler_message(const std::string &, void *) {}

void silence_poppler() {
    static std::once_flag once;
    std::call_once(once, [] { poppler::set_debug_error_function(ignore_poppler_message, nullptr); });
}

}  // namespace

extern "C" ocr_pdf *ocr_pdf_open(const char *path, const char *password, ocr_pdf_status *status) {
    silence_poppler();
    const std::string secret = password ? password : "";
    std::unique_ptr<poppler::document> doc(poppler::document::load_from_file(path, secret, secret));
    if (!doc) {
        *status = OCR_PDF_CORRUPT;
        return nullptr;
    }
    if (doc->is_locked()) {
        *status = OCR_PDF_ENCRYPTED;
        return nullptr;
    }
    *status = OCR_PDF_OK;
    return new ocr_pdf{std::move(doc)};
}

extern "C" void ocr_pdf_close(ocr_pdf *doc) { delete doc; }

extern "C" int ocr_pdf_page_count(const ocr_pdf *doc) { return doc->document->pages(); }

extern "C" ocr_pdf_status ocr_pdf_page_size(const ocr_pdf *doc, int index, double *width, double *height) {
    if (index < 0 || index >= doc->document->pages()) return OCR_PDF_BAD_PAGE;
    std::unique_ptr<poppler::page> page(doc->document->create_page(index));
    if (!page) return OCR_PDF_BAD_PAGE;
    poppler::rectf rect = page->page_rect(poppler::media_box);
    double w = rect.width(), h = rect.height();
    const poppler::page::orientation_enum orientation = page->orientation();
    if (orientation == poppler::page::landscape || orientation == poppler::page::seascape) {
        double t = w;
        w = h;
        h = t;
    }
    *width = w;
    *height = h;
    return OCR_PDF_OK;
}

extern "C" ocr_pdf_status ocr_pdf_render_page(const ocr_pdf *doc, int index, double dpi, int gray, struct Pix **out) {
    *out = nullptr;
    if (index < 0 || index >= doc->document->pages()) return OCR_PDF_BAD_PAGE;
    std::unique_ptr<poppler::page> page(doc->document->create_page(index));
    if (!page) return OCR_PDF_BAD_PAGE;

    poppler::page_renderer renderer;
    renderer.set_render_hint(poppler::page_renderer::antialiasing, true);
    renderer.set_render_hint(poppler::page_renderer::text_antialiasing, true);
    renderer.set_image_format(gray ? poppler::image::format_gray8 : poppler::image::format_rgb24);
    poppler::image image = renderer.render_page(page.get(), dpi, dpi);
    if (!image.is_valid()) return OCR_PDF_RENDER_FAILED;

    const int width = image.width(), height = image.height();
    const int stride = image.bytes_per_row();
    const unsigned char *source = reinterpret_cast<const unsigned char *>(image.const_data());
    PIX *pix = pixCreate(width, height, gray ? 8 : 32);
    if (!pix) return OCR_PDF_RENDER_FAILED;
    const int resolution = static_cast<int>(dpi + 0.5);
    pixSetResolution(pix, resolution, resolution);

    // Leptonica stores pixels in native 32-bit words, so rows are copied through its
    // accessors rather than with memcpy.
    l_uint32 *data = pixGetData(pix);
    const int wpl = pixGetWpl(pix);
    for (int y = 0; y < height; ++y) {
        const unsigned char *row = source + static_cast<size_t>(y) * stride;
        l_uint32 *line = data + static_cast<size_t>(y) * wpl;
        if (gray) {
            for (int x = 0; x < width; ++x) SET_DATA_BYTE(line, x, row[x]);
        } else {
            for (int x = 0; x < width; ++x) {
                const unsigned char *p = row + 3 * x;
                composeRGBPixel(p[0], p[1], p[2], line + x);
            }
        }
    }
    *out = pix;
    return OCR_PDF_OK;
}
