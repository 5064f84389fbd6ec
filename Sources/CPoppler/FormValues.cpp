#include "TextLayerWords.h"
#include "CPoppler.h"

#include <Annot.h>
#include <Form.h>
#include <Page.h>
#include <PDFDoc.h>
#include <UTF.h>
#include <goo/gmem.h>

#include <algorithm>
#include <cmath>
#include <cstring>

namespace {

/* A PDF text string (UTF-16 with a byte order mark, or PDFDocEncoding) as words. */
std::vector<std::vector<Unicode>> words(const GooString *value) {
    std::vector<std::vector<Unicode>> result;
    if (!value || value->getLength() == 0) return result;
    Unicode *characters = nullptr;
    const int length = TextStringToUCS4(value->toStr(), &characters);
    std::vector<Unicode> word;
    for (int index = 0; index <= length; ++index) {
        const Unicode u = index < length ? characters[index] : ' ';
        if (u == ' ' || u == '\t' || u == '\n' || u == '\r' || u == 0xA0) {
            if (!word.empty()) result.push_back(std::move(word));
            word.clear();
        } else {
            word.push_back(u);
        }
    }
    gfree(characters);
    return result;
}

std::vector<Unicode> ascii(const char *text) { return std::vector<Unicode>(text, text + std::strlen(text)); }

/* What a choice field shows: the text typed into an editable combo box, else the chosen
   options. */
std::vector<std::vector<Unicode>> chosen(FormWidgetChoice *choice) {
    const GooString *edited = choice->isCombo() && choice->hasEdit() ? choice->getEditChoice() : nullptr;
    if (edited && edited->getLength() > 0) return words(edited);
    std::vector<std::vector<Unicode>> result;
    for (int index = 0; index < choice->getNumChoices(); ++index) {
        if (!choice->isSelected(index)) continue;
        if (!result.empty()) result.back().push_back(',');
        for (auto &word : words(choice->getChoice(index))) result.push_back(std::move(word));
    }
    return result;
}

}  // namespace

std::vector<FormValue> formValues(PDFDoc *doc, int number, std::set<const Annot *> *undrawn) {
    std::vector<FormValue> values;
    Page *page = doc->getPage(number);
    if (!page || !doc->getCatalog()->getForm()) return values;
    std::unique_ptr<FormPageWidgets> widgets = page->getFormWidgets();
    if (!widgets) return values;
    /* Each value is placed against every line of the page; past this many a page is an
       attack, and the rest of its widgets are left to their appearance streams. */
    const size_t mostValues = 1000;
    for (int index = 0; index < widgets->getNumWidgets() && values.size() < mostValues; ++index) {
        FormWidget *widget = widgets->getWidget(index);
        const AnnotWidget *annot = widget ? widget->getWidgetAnnotation() : nullptr;
        if (!annot || (annot->getFlags() & (Annot::flagHidden | Annot::flagNoView))) continue;
        FormValue value{};
        switch (widget->getType()) {
        case formText: {
            auto *text = static_cast<FormWidgetText *>(widget);
            /* A password's appearance is bullets at most; its value is not the page's text. */
            if (!text->isPassword()) value.words = words(text->getContent());
            break;
        }
        case formButton: {
            auto *button = static_cast<FormWidgetButton *>(widget);
            if (button->getButtonType() == formButtonPush) continue;
            value.words.push_back(ascii(button->getState() ? "[x]" : "[ ]"));
            break;
        }
        case formChoice:
            value.words = chosen(static_cast<FormWidgetChoice *>(widget));
            break;
        default:
            continue;
        }
        undrawn->insert(annot);
        if (value.words.empty()) continue;
        widget->getRect(&value.x0, &value.y0, &value.x1, &value.y1);
        values.push_back(std::move(value));
    }
    return values;
}

namespace {

/* The value's words across its box, each as wide as its share of the characters. */
std::vector<LayerWord> layerWords(const FormValue &value, double fontSize) {
    size_t characters = 0;
    for (const auto &word : value.words) characters += word.size() + 1;
    std::vector<LayerWord> result;
    double x = value.x0;
    const double perCharacter = (value.x1 - value.x0) / std::max<size_t>(1, characters);
    for (const auto &text : value.words) {
        LayerWord word{};
        word.x0 = x;
        word.x1 = x + perCharacter * text.size();
        x = word.x1 + perCharacter;
        word.y0 = value.y0;
        word.y1 = value.y1;
        word.fontSize = fontSize;
        word.flags = OCR_PDF_WORD_SPACE_AFTER;
        word.text = text;
        result.push_back(std::move(word));
    }
    return result;
}

/* The line beside the value on its row, nearest to it across the page; nullptr if none. */
LayerLine *lineBeside(std::vector<LayerBlock> &blocks, const FormValue &value) {
    const double middle = (value.y0 + value.y1) / 2;
    LayerLine *best = nullptr;
    double bestDistance = 0;
    for (LayerBlock &block : blocks) {
        for (LayerLine &line : block.lines) {
            if (line.words.empty()) continue;
            double x0, y0, x1, y1;
            line.bounds(&x0, &y0, &x1, &y1);
            const double lineMiddle = (y0 + y1) / 2;
            const bool sameRow = (y0 <= middle && middle <= y1) || (value.y0 <= lineMiddle && lineMiddle <= value.y1);
            if (!sameRow) continue;
            const double distance = x1 <= value.x0 ? value.x0 - x1 : x0 >= value.x1 ? x0 - value.x1 : 0;
            if (!best || distance < bestDistance) {
                best = &line;
                bestDistance = distance;
            }
        }
    }
    return best;
}

}  // namespace

void placeFormValues(std::vector<LayerBlock> &blocks, std::vector<FormValue> values, const double *ctm, double bodySize) {
    for (FormValue &value : values) {
        const double xs[2] = {ctm[0] * value.x0 + ctm[2] * value.y0 + ctm[4], ctm[0] * value.x1 + ctm[2] * value.y1 + ctm[4]};
        const double ys[2] = {ctm[1] * value.x0 + ctm[3] * value.y0 + ctm[5], ctm[1] * value.x1 + ctm[3] * value.y1 + ctm[5]};
        value.x0 = std::min(xs[0], xs[1]);
        value.x1 = std::max(xs[0], xs[1]);
        value.y0 = std::min(ys[0], ys[1]);
        value.y1 = std::max(ys[0], ys[1]);
        /* A widget's /Rect is the document's to write: one off any page (or not a number at
           all) has nowhere to stand. */
        const double farthest = 1e6;
        if (!(std::fabs(value.x0) < farthest && std::fabs(value.x1) < farthest && std::fabs(value.y0) < farthest &&
              std::fabs(value.y1) < farthest))
            continue;
        if (LayerLine *line = lineBeside(blocks, value)) {
            /* Along the line in reading order: the first word the value stands before. */
            auto at = std::find_if(line->words.begin(), line->words.end(), [&](const LayerWord &word) {
                return line->rightToLeft ? word.x1 <= (value.x0 + value.x1) / 2 : word.x0 >= (value.x0 + value.x1) / 2;
            });
            const bool last = at == line->words.end();
            const LayerWord &neighbour = at == line->words.begin() ? *at : *(at - 1);
            std::vector<LayerWord> inserted = layerWords(value, neighbour.fontSize);
            if (at != line->words.begin()) (at - 1)->flags |= OCR_PDF_WORD_SPACE_AFTER;
            if (last) inserted.back().flags &= ~OCR_PDF_WORD_SPACE_AFTER;
            line->words.insert(at, inserted.begin(), inserted.end());
            continue;
        }
        /* Before the first block below it that it shares a column with. */
        const double middle = (value.y0 + value.y1) / 2;
        auto at = std::find_if(blocks.begin(), blocks.end(), [&](const LayerBlock &block) {
            double bx0 = 1e300, by0 = 1e300, bx1 = -1e300, by1 = -1e300;
            for (const LayerLine &line : block.lines) {
                double x0, y0, x1, y1;
                line.bounds(&x0, &y0, &x1, &y1);
                bx0 = std::min(bx0, x0), by0 = std::min(by0, y0), bx1 = std::max(bx1, x1), by1 = std::max(by1, y1);
            }
            return by0 > middle && bx0 < value.x1 && bx1 > value.x0;
        });
        LayerBlock block{at == blocks.end() ? (blocks.empty() ? 0 : blocks.back().flow) : at->flow, {}};
        LayerLine line;
        line.words = layerWords(value, bodySize);
        line.words.back().flags &= ~OCR_PDF_WORD_SPACE_AFTER;
        block.lines.push_back(std::move(line));
        blocks.insert(at, std::move(block));
    }
}
