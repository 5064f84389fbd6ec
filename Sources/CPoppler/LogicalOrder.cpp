#include "TextLayerWords.h"
#include "CPoppler.h"

#include <fribidi.h>

#include <algorithm>
#include <numeric>

void LayerLine::bounds(double *x0, double *y0, double *x1, double *y1) const {
    *x0 = *y0 = 1e300;
    *x1 = *y1 = -1e300;
    for (const LayerWord &word : words) {
        *x0 = std::min(*x0, word.x0);
        *y0 = std::min(*y0, word.y0);
        *x1 = std::max(*x1, word.x1);
        *y1 = std::max(*y1, word.y1);
    }
}

namespace {

bool rightToLeftLetter(Unicode u) {
    const FriBidiCharType type = fribidi_get_bidi_type(u);
    return type == FRIBIDI_TYPE_RTL || type == FRIBIDI_TYPE_AL;
}

/* The line's characters as one string (a space wherever poppler saw one between words),
   taken as if it were logical text: the bidirectional algorithm's reordering of a visual
   line gives back its logical order, right-to-left runs reversed and left-to-right runs
   within them kept. Each word's characters stay together, so the words are reordered whole.
   Brackets are not mirrored: producers map a mirrored glyph to the character the text holds
   (LibreOffice's "(" drawn as ")" is still "("), as poppler's own text output assumes. */
void reorder(LayerLine &line, FriBidiParType direction) {
    std::vector<FriBidiChar> text;
    std::vector<std::pair<size_t, size_t>> spans; /* each word's characters in text */
    for (size_t index = 0; index < line.words.size(); ++index) {
        const LayerWord &word = line.words[index];
        spans.emplace_back(text.size(), text.size() + word.text.size());
        text.insert(text.end(), word.text.begin(), word.text.end());
        if ((word.flags & OCR_PDF_WORD_SPACE_AFTER) && index + 1 < line.words.size()) text.push_back(' ');
    }
    const FriBidiStrIndex length = static_cast<FriBidiStrIndex>(text.size());
    if (length == 0) return;
    std::vector<FriBidiCharType> types(text.size());
    std::vector<FriBidiBracketType> brackets(text.size());
    std::vector<FriBidiLevel> levels(text.size());
    fribidi_get_bidi_types(text.data(), length, types.data());
    fribidi_get_bracket_types(text.data(), length, types.data(), brackets.data());
    if (!fribidi_get_par_embedding_levels_ex(types.data(), brackets.data(), length, &direction, levels.data())) return;
    std::vector<FriBidiStrIndex> order(text.size()); /* order[new position] = old position */
    std::iota(order.begin(), order.end(), 0);
    if (!fribidi_reorder_line(FRIBIDI_FLAG_REORDER_NSM, types.data(), length, 0, direction, levels.data(), nullptr,
                              order.data()))
        return;
    std::vector<size_t> position(text.size());
    for (size_t index = 0; index < order.size(); ++index) position[order[index]] = index;

    struct Placed {
        size_t first, last;
        LayerWord word;
    };
    std::vector<Placed> placed;
    const int lastFlags = line.words.back().flags;
    for (size_t index = 0; index < line.words.size(); ++index) {
        std::vector<std::pair<size_t, Unicode>> characters;
        for (size_t at = spans[index].first; at < spans[index].second; ++at)
            characters.emplace_back(position[at], text[at]);
        std::sort(characters.begin(), characters.end());
        LayerWord word = std::move(line.words[index]);
        word.text.clear();
        for (const auto &character : characters) word.text.push_back(character.second);
        const size_t first = characters.empty() ? 0 : characters.front().first;
        const size_t last = characters.empty() ? 0 : characters.back().first;
        placed.push_back({first, last, std::move(word)});
    }
    /* Words hold distinct characters, so no two start at one position. */
    std::sort(placed.begin(), placed.end(), [](const Placed &a, const Placed &b) { return a.first < b.first; });
    line.words.clear();
    for (size_t index = 0; index < placed.size(); ++index) {
        LayerWord &word = placed[index].word;
        word.flags &= ~OCR_PDF_WORD_SPACE_AFTER;
        if (index + 1 < placed.size() ? placed[index + 1].first > placed[index].last + 1
                                      : (lastFlags & OCR_PDF_WORD_SPACE_AFTER))
            word.flags |= OCR_PDF_WORD_SPACE_AFTER;
        line.words.push_back(std::move(word));
    }
    line.rightToLeft = direction == FRIBIDI_PAR_RTL;
}

}  // namespace

void putInLogicalOrder(std::vector<LayerBlock> &blocks) {
    for (LayerBlock &block : blocks) {
        for (LayerLine &line : block.lines) {
            size_t rightToLeft = 0, leftToRight = 0;
            for (const LayerWord &word : line.words) {
                for (Unicode u : word.text) {
                    if (rightToLeftLetter(u)) {
                        rightToLeft += 1;
                    } else if (fribidi_get_bidi_type(u) == FRIBIDI_TYPE_LTR) {
                        leftToRight += 1;
                    }
                }
            }
            if (rightToLeft > 0) reorder(line, rightToLeft >= leftToRight ? FRIBIDI_PAR_RTL : FRIBIDI_PAR_LTR);
        }
    }
}
