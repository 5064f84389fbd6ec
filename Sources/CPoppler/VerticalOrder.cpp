#include "TextLayerWords.h"

#include <algorithm>
#include <cmath>

namespace {

struct PlacedLine {
    size_t sequence; /* in poppler's order: ties keep it */
    size_t block;
    LayerLine line;
    double x0, y0, x1, y1;
};

/* Two columns are one when their extents across overlap by half the narrower one's width:
   neighbouring columns touch at most, a column's own characters (wide and narrow) overlap. */
bool sameColumn(const PlacedLine &a, double x0, double x1) {
    const double overlap = std::min(a.x1, x1) - std::max(a.x0, x0);
    return overlap > 0.5 * std::min(a.x1 - a.x0, x1 - x0);
}

}  // namespace

void putVerticalInReadingOrder(std::vector<LayerBlock> &blocks) {
    size_t vertical = 0, all = 0;
    bool finite = true;
    for (const LayerBlock &block : blocks) {
        for (const LayerLine &line : block.lines) {
            vertical += line.verticalGlyphs;
            for (const LayerWord &word : line.words) {
                all += word.text.size();
                finite = finite && std::isfinite(word.x0 + word.y0 + word.x1 + word.y1);
            }
        }
    }
    /* The orderings below compare boxes; a hostile page's NaN keeps poppler's order. */
    if (vertical * 2 <= all || !finite) return;

    std::vector<PlacedLine> lines;
    for (size_t index = 0; index < blocks.size(); ++index) {
        for (LayerLine &line : blocks[index].lines) {
            if (line.words.empty()) continue;
            size_t glyphs = 0;
            for (const LayerWord &word : line.words) glyphs += word.text.size();
            if (line.verticalGlyphs * 2 > glyphs) {
                /* A column's words read top to bottom. */
                std::sort(line.words.begin(), line.words.end(), [](const LayerWord &a, const LayerWord &b) {
                    return a.y0 != b.y0 ? a.y0 < b.y0 : a.x0 > b.x0;
                });
            }
            PlacedLine placed{lines.size(), index, std::move(line), 0, 0, 0, 0};
            placed.line.bounds(&placed.x0, &placed.y0, &placed.x1, &placed.y1);
            lines.push_back(std::move(placed));
        }
    }

    /* Tiers: the page's lines from the top, a tier closing where no line reaches below its
       lowest end (a gap between bands of columns). */
    const auto fromTop = [](const PlacedLine &a, const PlacedLine &b) {
        return a.y0 != b.y0 ? a.y0 < b.y0 : a.sequence < b.sequence;
    };
    std::sort(lines.begin(), lines.end(), fromTop);
    std::vector<PlacedLine> ordered;
    ordered.reserve(lines.size());
    for (size_t first = 0; first < lines.size();) {
        size_t end = first + 1;
        double bottom = lines[first].y1;
        while (end < lines.size() && lines[end].y0 < bottom) bottom = std::max(bottom, lines[end++].y1);
        /* In a tier, columns from the right; a column is the lines across from each other by
           at least half a width, read from its top. */
        std::vector<PlacedLine> tier(std::make_move_iterator(lines.begin() + first), std::make_move_iterator(lines.begin() + end));
        std::sort(tier.begin(), tier.end(), [](const PlacedLine &a, const PlacedLine &b) {
            return a.x0 + a.x1 != b.x0 + b.x1 ? a.x0 + a.x1 > b.x0 + b.x1 : a.sequence < b.sequence;
        });
        for (size_t start = 0; start < tier.size();) {
            size_t stop = start + 1;
            double x0 = tier[start].x0, x1 = tier[start].x1;
            while (stop < tier.size() && sameColumn(tier[stop], x0, x1)) {
                x0 = std::min(x0, tier[stop].x0);
                x1 = std::max(x1, tier[stop].x1);
                ++stop;
            }
            std::sort(tier.begin() + start, tier.begin() + stop, fromTop);
            start = stop;
        }
        for (PlacedLine &line : tier) ordered.push_back(std::move(line));
        first = end;
    }

    std::vector<LayerBlock> rebuilt;
    size_t previous = blocks.size();
    for (PlacedLine &placed : ordered) {
        if (rebuilt.empty() || placed.block != previous) rebuilt.push_back({blocks[placed.block].flow, {}});
        rebuilt.back().lines.push_back(std::move(placed.line));
        previous = placed.block;
    }
    blocks = std::move(rebuilt);
}
