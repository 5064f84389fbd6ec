#include "CPoppler.h"
#include "NativeMessages.h"
#include "TextLayerWords.h"

#include <poppler/cpp/poppler-document.h>
#include <poppler/cpp/poppler-global.h>
#include <poppler/cpp/poppler-image.h>
#include <poppler/cpp/poppler-page-renderer.h>
#include <poppler/cpp/poppler-page.h>

#include <Annot.h>
#include <GfxState.h>
#include <Link.h>
#include <OutputDev.h>
#include <PDFDoc.h>
#include <Stream.h>
#include <TextOutputDev.h>
#include <goo/GooString.h>

#include <leptonica/allheaders.h>

#include <algorithm>
#include <map>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

struct ocr_pdf {
    std::unique_ptr<poppler::document> document;
    std::string path;
    std::string password;
    /* poppler's core document, opened on the first text-layer request. poppler-cpp keeps
       the global parameters it needs alive while `document` lives. */
    std::unique_ptr<PDFDoc> core;
};

namespace {


/* poppler's core document, opened on first use; nullptr if it cannot be. */
PDFDoc *coreDocument(ocr_pdf *doc) {
    if (!doc->core) {
        std::optional<GooString> secret;
        if (!doc->password.empty()) secret.emplace(doc->password);
        auto core = std::make_unique<PDFDoc>(std::make_unique<GooString>(doc->path), secret, secret);
        if (!core->isOk()) return nullptr;
        doc->core = std::move(core);
    }
    return doc->core.get();
}

}  // namespace

extern "C" ocr_pdf *ocr_pdf_open(const char *path, const char *password, ocr_pdf_status *status) {
    const std::string secret = password ? password : "";
    std::unique_ptr<poppler::document> doc(poppler::document::load_from_file(path, secret, secret));
    // poppler-cpp installed its own handler, which drops each message's category.
    ocr_native_messages_reroute_poppler();
    if (!doc) {
        *status = OCR_PDF_CORRUPT;
        return nullptr;
    }
    if (doc->is_locked()) {
        *status = OCR_PDF_ENCRYPTED;
        return nullptr;
    }
    *status = OCR_PDF_OK;
    return new ocr_pdf{std::move(doc), path, secret, nullptr};
}

extern "C" void ocr_pdf_close(ocr_pdf *doc) { delete doc; }

extern "C" int ocr_pdf_page_count(const ocr_pdf *doc) { return doc->document->pages(); }

extern "C" ocr_pdf_status ocr_pdf_page_size(const ocr_pdf *doc, int index, double *width, double *height) {
    if (index < 0 || index >= doc->document->pages()) return OCR_PDF_BAD_PAGE;
    std::unique_ptr<poppler::page> page(doc->document->create_page(index));
    if (!page) return OCR_PDF_BAD_PAGE;
    // The crop box (clipped to the media box by poppler) is what a render draws.
    poppler::rectf rect = page->page_rect(poppler::crop_box);
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

namespace {

/* Walks a page without drawing it, and keeps its image when the page is nothing but one
   upright image covering it at the wanted resolution: anything else drawn (visible text,
   paths, masks, a second image) makes it not a plain scan. */
class ScanImageDevice : public OutputDev {
public:
    ScanImageDevice(double dpi, double maxPixels) : dpi(dpi), maxPixels(maxPixels) {}
    ~ScanImageDevice() override { pixDestroy(&pix); }

    bool plain = true;
    PIX *pix = nullptr;

    bool upsideDown() override { return true; }
    bool useDrawChar() override { return true; }
    bool interpretType3Chars() override { return false; }
    bool needNonText() override { return true; }

    void drawChar(GfxState *state, double, double, double, double, double, double, CharCode, int, const Unicode *,
                  int) override {
        if ((state->getRender() & 3) != 3) plain = false; /* invisible OCR text leaves the scan as it is */
    }
    void stroke(GfxState *) override { plain = false; }
    void fill(GfxState *) override { plain = false; }
    void eoFill(GfxState *) override { plain = false; }
    void drawImageMask(GfxState *, Object *, Stream *, int, int, bool, bool, bool) override { plain = false; }
    void drawMaskedImage(GfxState *, Object *, Stream *, int, int, GfxImageColorMap *, bool, Stream *, int, int, bool,
                         bool) override {
        plain = false;
    }
    void drawSoftMaskedImage(GfxState *, Object *, Stream *, int, int, GfxImageColorMap *, bool, Stream *, int, int,
                             GfxImageColorMap *, bool) override {
        plain = false;
    }

    void drawImage(GfxState *state, Object *, Stream *str, int width, int height, GfxImageColorMap *colorMap, bool,
                   const int *maskColors, bool) override {
        // An image's size is its stream's claim: checked before a pixel is decoded.
        if (!plain || pix || maskColors || static_cast<double>(width) * height > maxPixels ||
            !coversPageUpright(state, width, height)) {
            plain = false;
            return;
        }
        pix = decodeGray(str, width, height, colorMap);
        if (!pix) plain = false;
    }

private:
    double dpi;
    double maxPixels;

    /* The image's unit square maps onto the whole page, top row at the top, and its pixels
       are the wanted resolution. Points here are 1/72 in, origin at the top left. */
    bool coversPageUpright(GfxState *state, int width, int height) const {
        const double pageWidth = state->getPageWidth(), pageHeight = state->getPageHeight();
        const double tolerance = 0.01 * std::max(pageWidth, pageHeight);
        auto near = [&](double u, double v, double x, double y) {
            double tx, ty;
            state->transform(u, v, &tx, &ty);
            return std::abs(tx - x) <= tolerance && std::abs(ty - y) <= tolerance;
        };
        if (!near(0, 1, 0, 0) || !near(1, 1, pageWidth, 0) || !near(0, 0, 0, pageHeight)) return false;
        const double xDPI = width * 72 / pageWidth, yDPI = height * 72 / pageHeight;
        return std::abs(xDPI - dpi) <= 0.1 * dpi && std::abs(yDPI - dpi) <= 0.1 * dpi;
    }

    static PIX *decodeGray(Stream *str, int width, int height, GfxImageColorMap *colorMap) {
        ImageStream image(str, width, colorMap->getNumPixelComps(), colorMap->getBits());
        image.reset();
        PIX *pix = pixCreate(width, height, 8);
        if (!pix) return nullptr;
        std::vector<unsigned char> gray(static_cast<size_t>(width));
        l_uint32 *data = pixGetData(pix);
        const int wpl = pixGetWpl(pix);
        for (int y = 0; y < height; ++y) {
            unsigned char *row = image.getLine();
            if (!row) {
                pixDestroy(&pix);
                break;
            }
            colorMap->getGrayLine(row, gray.data(), width);
            l_uint32 *line = data + static_cast<size_t>(y) * wpl;
            for (int x = 0; x < width; ++x) SET_DATA_BYTE(line, x, gray[x]);
        }
        image.close();
        return pix;
    }
};

}  // namespace

extern "C" ocr_pdf_status ocr_pdf_scan_image(ocr_pdf *doc, int index, double dpi, double max_pixels,
                                             struct Pix **out) {
    *out = nullptr;
    if (index < 0 || index >= doc->document->pages()) return OCR_PDF_BAD_PAGE;
    PDFDoc *core = coreDocument(doc);
    if (!core) return OCR_PDF_CORRUPT;
    const int number = index + 1;
    if (number > core->getNumPages()) return OCR_PDF_BAD_PAGE;
    if (core->getPageRotate(number) != 0) return OCR_PDF_NOT_A_SCAN;
    ScanImageDevice device(dpi, max_pixels);
    // The walk stops at the first thing that makes the page more than a scan (born-digital
    // pages give up at their first glyph), so other pages pay little before being rendered.
    auto notPlain = [](void *data) { return !static_cast<ScanImageDevice *>(data)->plain; };
    core->displayPage(&device, number, 72, 72, 0, false, true, false, notPlain, &device);
    if (!device.plain || !device.pix) return OCR_PDF_NOT_A_SCAN;
    const double inches = core->getPageCropWidth(number) / 72;
    const int resolution = static_cast<int>(pixGetWidth(device.pix) / inches + 0.5);
    pixSetResolution(device.pix, resolution, resolution);
    *out = device.pix;
    device.pix = nullptr;
    return OCR_PDF_OK;
}

namespace {

/* TextOutputDev that keeps invisible glyphs only on request and measures the page's images,
   the two signs of an OCR layer laid over a scan. */
class TextLayerDevice : public TextOutputDev {
public:
    explicit TextLayerDevice(bool includeInvisible)
        : TextOutputDev(nullptr, false, 0, false, false, false), includeInvisible(includeInvisible) {}

    int visible = 0, invisible = 0, unmapped = 0;
    double imageArea = 0;

    /* The page's transformation from PDF user space to these top-left-origin points. */
    double ctm[6] = {1, 0, 0, 1, 0, 0};

    bool needNonText() override { return true; }

    void startPage(int pageNum, GfxState *state, XRef *xref) override {
        if (state) std::memcpy(ctm, state->getCTM(), sizeof ctm);
        TextOutputDev::startPage(pageNum, state, xref);
    }

    void drawChar(GfxState *state, double x, double y, double dx, double dy, double originX, double originY,
                  CharCode code, int nBytes, const Unicode *u, int uLen) override {
        const bool hidden = (state->getRender() & 3) == 3;
        const bool space = uLen == 1 && (u[0] == 0x20 || u[0] == 0xA0 || u[0] == 0x09);
        if (!space) {
            (hidden ? invisible : visible) += 1;
            if (uLen == 0 || u[0] == 0xFFFD || (u[0] >= 0xE000 && u[0] <= 0xF8FF) || u[0] < 0x20) unmapped += 1;
        }
        if (hidden && !includeInvisible) return;
        TextOutputDev::drawChar(state, x, y, dx, dy, originX, originY, code, nBytes, u, uLen);
    }

    void drawImageMask(GfxState *state, Object *ref, Stream *str, int width, int height, bool invert,
                       bool interpolate, bool inlineImg) override {
        addImage(state);
        OutputDev::drawImageMask(state, ref, str, width, height, invert, interpolate, inlineImg);
    }

    void drawImage(GfxState *state, Object *ref, Stream *str, int width, int height, GfxImageColorMap *colorMap,
                   bool interpolate, const int *maskColors, bool inlineImg) override {
        addImage(state);
        OutputDev::drawImage(state, ref, str, width, height, colorMap, interpolate, maskColors, inlineImg);
    }

    void drawMaskedImage(GfxState *state, Object *ref, Stream *str, int width, int height,
                         GfxImageColorMap *colorMap, bool interpolate, Stream *maskStr, int maskWidth,
                         int maskHeight, bool maskInvert, bool maskInterpolate) override {
        addImage(state);
    }

    void drawSoftMaskedImage(GfxState *state, Object *ref, Stream *str, int width, int height,
                             GfxImageColorMap *colorMap, bool interpolate, Stream *maskStr, int maskWidth,
                             int maskHeight, GfxImageColorMap *maskColorMap, bool maskInterpolate) override {
        addImage(state);
    }

private:
    bool includeInvisible;

    /* An image fills the unit square under the current transformation. */
    void addImage(GfxState *state) {
        double xs[4], ys[4];
        state->transform(0, 0, &xs[0], &ys[0]);
        state->transform(1, 0, &xs[1], &ys[1]);
        state->transform(0, 1, &xs[2], &ys[2]);
        state->transform(1, 1, &xs[3], &ys[3]);
        const double pageWidth = state->getPageWidth(), pageHeight = state->getPageHeight();
        const double x0 = std::max(0.0, *std::min_element(xs, xs + 4));
        const double x1 = std::min(pageWidth, *std::max_element(xs, xs + 4));
        const double y0 = std::max(0.0, *std::min_element(ys, ys + 4));
        const double y1 = std::min(pageHeight, *std::max_element(ys, ys + 4));
        if (x1 > x0 && y1 > y0) imageArea += (x1 - x0) * (y1 - y0);
    }
};

/* Word processors mark bold and italic in the font's name more reliably than in its flags. */
bool nameSays(const TextFontInfo *font, std::initializer_list<const char *> words) {
    const GooString *name = font ? font->getFontName() : nullptr;
    if (!name) return false;
    for (const char *word : words) {
        if (name->toStr().find(word) != std::string::npos) return true;
    }
    return false;
}

struct LinkArea {
    double x0, y0, x1, y1;
    std::string uri;
};

/* The page's URI links, in the device's coordinates. */
std::vector<LinkArea> uriLinks(PDFDoc *doc, int number, const double *ctm) {
    std::vector<LinkArea> areas;
    std::unique_ptr<Links> links = doc->getLinks(number);
    if (!links) return areas;
    for (const AnnotLink *link : links->getLinks()) {
        const LinkAction *action = link->getAction();
        if (!action || action->getKind() != actionURI) continue;
        double x1, y1, x2, y2;
        link->getRect(&x1, &y1, &x2, &y2);
        double xs[2], ys[2];
        xs[0] = ctm[0] * x1 + ctm[2] * y1 + ctm[4];
        ys[0] = ctm[1] * x1 + ctm[3] * y1 + ctm[5];
        xs[1] = ctm[0] * x2 + ctm[2] * y2 + ctm[4];
        ys[1] = ctm[1] * x2 + ctm[3] * y2 + ctm[5];
        areas.push_back({std::min(xs[0], xs[1]), std::min(ys[0], ys[1]), std::max(xs[0], xs[1]),
                         std::max(ys[0], ys[1]), static_cast<const LinkURI *>(action)->getURI()});
    }
    return areas;
}

void append(std::string &text, const char *bytes, size_t length, size_t *offset, size_t *size) {
    *offset = text.size();
    *size = length;
    text.append(bytes, length);
}

void appendUTF8(std::string &text, Unicode u) {
    if (u > 0x10FFFF || (u >= 0xD800 && u <= 0xDFFF)) u = 0xFFFD;
    if (u < 0x80) {
        text += static_cast<char>(u);
    } else if (u < 0x800) {
        text += static_cast<char>(0xC0 | (u >> 6));
        text += static_cast<char>(0x80 | (u & 0x3F));
    } else if (u < 0x10000) {
        text += static_cast<char>(0xE0 | (u >> 12));
        text += static_cast<char>(0x80 | ((u >> 6) & 0x3F));
        text += static_cast<char>(0x80 | (u & 0x3F));
    } else {
        text += static_cast<char>(0xF0 | (u >> 18));
        text += static_cast<char>(0x80 | ((u >> 12) & 0x3F));
        text += static_cast<char>(0x80 | ((u >> 6) & 0x3F));
        text += static_cast<char>(0x80 | (u & 0x3F));
    }
}

/* poppler's flows, blocks, lines and words, in its reading order. */
std::vector<LayerBlock> layerBlocks(TextPage *page, const std::vector<LinkArea> &links) {
    std::vector<LayerBlock> blocks;
    int flowIndex = 0;
    for (const TextFlow *flow = page->getFlows(); flow; flow = flow->getNext(), ++flowIndex) {
        for (const TextBlock *block = flow->getBlocks(); block; block = block->getNext()) {
            blocks.push_back({flowIndex, {}});
            for (const TextLine *line = block->getLines(); line; line = line->getNext()) {
                LayerLine &layerLine = blocks.back().lines.emplace_back();
                for (const TextWord *word = line->getWords(); word; word = word->getNext()) {
                    LayerWord entry{};
                    word->getBBox(&entry.x0, &entry.y0, &entry.x1, &entry.y1);
                    entry.fontSize = word->getFontSize();
                    const TextFontInfo *font = word->getFontInfo(0);
                    if (font && (font->isBold() || nameSays(font, {"Bold", "Black", "Heavy"})))
                        entry.flags |= OCR_PDF_WORD_BOLD;
                    if (font && (font->isItalic() || nameSays(font, {"Italic", "Oblique"})))
                        entry.flags |= OCR_PDF_WORD_ITALIC;
                    if (word->getSpaceAfter()) entry.flags |= OCR_PDF_WORD_SPACE_AFTER;
                    if (!word->getNext() && line->isHyphenated()) entry.flags |= OCR_PDF_WORD_HYPHENATED;
                    for (int index = 0; index < word->getLength(); ++index) entry.text.push_back(*word->getChar(index));
                    if (font && font->getWMode() == 1) layerLine.verticalGlyphs += entry.text.size();
                    const double middleX = (entry.x0 + entry.x1) / 2, middleY = (entry.y0 + entry.y1) / 2;
                    for (const LinkArea &link : links) {
                        if (middleX >= link.x0 && middleX <= link.x1 && middleY >= link.y0 && middleY <= link.y1) {
                            entry.uri = link.uri;
                            break;
                        }
                    }
                    layerLine.words.push_back(std::move(entry));
                }
            }
        }
    }
    return blocks;
}

/* The size most of the page's characters are set in; 10 for a page without text. */
double commonFontSize(const std::vector<LayerBlock> &blocks) {
    std::map<double, size_t> weights;
    for (const LayerBlock &block : blocks) {
        for (const LayerLine &line : block.lines) {
            for (const LayerWord &word : line.words) {
                if (std::isfinite(word.fontSize)) weights[std::round(word.fontSize * 2) / 2] += word.text.size();
            }
        }
    }
    auto most = std::max_element(weights.begin(), weights.end(), [](const auto &a, const auto &b) { return a.second < b.second; });
    return most == weights.end() ? 10 : most->first;
}

bool drawAnnotation(Annot *annot, void *undrawn) {
    return !static_cast<std::set<const Annot *> *>(undrawn)->count(annot);
}

/* Releases the device's text page however the reading ends. */
struct HeldTextPage {
    TextPage *page;
    ~HeldTextPage() { page->decRefCnt(); }
};

ocr_pdf_status pageText(ocr_pdf *doc, int index, int include_invisible, ocr_pdf_text *out) {
    if (index < 0 || index >= doc->document->pages()) return OCR_PDF_BAD_PAGE;
    PDFDoc *core = coreDocument(doc);
    if (!core) return OCR_PDF_CORRUPT;
    const int number = index + 1;
    if (number > core->getNumPages()) return OCR_PDF_BAD_PAGE;

    TextLayerDevice device(include_invisible != 0);
    if (!device.isOk()) return OCR_PDF_RENDER_FAILED;
    /* Form fields' values are written from the fields, not from their appearance streams. */
    std::set<const Annot *> undrawn;
    const std::vector<FormValue> values = formValues(core, number, &undrawn);
    core->displayPage(&device, number, 72, 72, 0, false, true, false, nullptr, nullptr, drawAnnotation, &undrawn);
    double width = core->getPageCropWidth(number), height = core->getPageCropHeight(number);
    if (core->getPageRotate(number) % 180 != 0) std::swap(width, height);

    const std::vector<LinkArea> links = uriLinks(core, number, device.ctm);
    std::vector<LayerBlock> blocks;
    {
        const HeldTextPage held{device.takeText()};
        blocks = layerBlocks(held.page, links);
    }
    putInLogicalOrder(blocks);
    putVerticalInReadingOrder(blocks);
    placeFormValues(blocks, values, device.ctm, commonFontSize(blocks));

    std::vector<ocr_pdf_word> words;
    std::string text;
    int blockIndex = 0, lineIndex = 0;
    for (const LayerBlock &block : blocks) {
        for (const LayerLine &line : block.lines) {
            for (const LayerWord &word : line.words) {
                ocr_pdf_word entry{};
                entry.x_min = word.x0;
                entry.y_min = word.y0;
                entry.x_max = word.x1;
                entry.y_max = word.y1;
                entry.font_size = word.fontSize;
                entry.flow = block.flow;
                entry.block = blockIndex;
                entry.line = lineIndex;
                entry.flags = word.flags;
                entry.text_offset = text.size();
                for (Unicode u : word.text) appendUTF8(text, u);
                entry.text_length = text.size() - entry.text_offset;
                if (!word.uri.empty()) append(text, word.uri.data(), word.uri.size(), &entry.uri_offset, &entry.uri_length);
                words.push_back(entry);
            }
            ++lineIndex;
        }
        ++blockIndex;
    }
    for (const FormValue &value : values) {
        for (const auto &word : value.words) device.visible += static_cast<int>(word.size());
    }

    out->width = width;
    out->height = height;
    out->visible_glyphs = device.visible;
    out->invisible_glyphs = device.invisible;
    out->unmapped_glyphs = device.unmapped;
    out->image_coverage = width > 0 && height > 0 ? device.imageArea / (width * height) : 0;
    out->word_count = static_cast<int>(words.size());
    out->words = static_cast<ocr_pdf_word *>(std::malloc(sizeof(ocr_pdf_word) * std::max<size_t>(1, words.size())));
    out->text = static_cast<char *>(std::malloc(std::max<size_t>(1, text.size())));
    if (!out->words || !out->text) {
        ocr_pdf_text_free(out);
        return OCR_PDF_RENDER_FAILED;
    }
    if (!words.empty()) std::memcpy(out->words, words.data(), sizeof(ocr_pdf_word) * words.size());
    if (!text.empty()) std::memcpy(out->text, text.data(), text.size());
    out->text_length = text.size();
    return OCR_PDF_OK;
}

}  // namespace

extern "C" ocr_pdf_status ocr_pdf_page_text(ocr_pdf *doc, int index, int include_invisible, ocr_pdf_text *out) {
    std::memset(out, 0, sizeof *out);
    /* No C++ exception (an allocation failing on a hostile page) may cross into Swift. */
    try {
        return pageText(doc, index, include_invisible, out);
    } catch (...) {
        ocr_pdf_text_free(out);
        return OCR_PDF_RENDER_FAILED;
    }
}

extern "C" void ocr_pdf_text_free(ocr_pdf_text *text) {
    std::free(text->words);
    std::free(text->text);
    std::memset(text, 0, sizeof *text);
}
