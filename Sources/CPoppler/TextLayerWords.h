#ifndef OCRFLEET_TEXTLAYERWORDS_H
#define OCRFLEET_TEXTLAYERWORDS_H

/* A page's text layer between poppler's TextOutputDev and the C view handed to Swift: words
   still as Unicode code points, so right-to-left lines can be put in logical order and form
   field values placed among them before the page is written out. */

#include <CharTypes.h>

#include <set>
#include <string>
#include <vector>

class Annot;
class PDFDoc;

struct LayerWord {
    /* Points, origin at the top left of the page as displayed. */
    double x0, y0, x1, y1;
    double fontSize;
    int flags; /* OCR_PDF_WORD_* */
    std::vector<Unicode> text;
    std::string uri;
};

struct LayerLine {
    std::vector<LayerWord> words;
    /* Its words read from right to left on the page (set by putInLogicalOrder). */
    bool rightToLeft = false;
    /* Characters its fonts set in vertical writing mode: they advance down a column. */
    size_t verticalGlyphs = 0;

    void bounds(double *x0, double *y0, double *x1, double *y1) const;
};

struct LayerBlock {
    int flow;
    std::vector<LayerLine> lines;
};

/* Lines holding Arabic or Hebrew letters come from poppler in visual order (left to right on
   the page, characters too). Each such line is reordered into logical order with the Unicode
   bidirectional algorithm (fribidi), in the direction most of its letters run (poppler's blocks mix
   paragraphs of both directions). */
void putInLogicalOrder(std::vector<LayerBlock> &blocks);

/* poppler reads a page set in vertical writing (Japanese, Chinese: fonts in writing mode 1)
   as one line per column, each column often a block and a flow of its own, in an order of
   its own (bottom to top, or scattered). When most of a page's characters are set vertically,
   its lines are put in the order such a page is read: tiers (bands of columns, one above the
   other) from the top, and in each tier its columns from right to left, each top to bottom.
   Consecutive lines that poppler put in one block stay in one block. */
void putVerticalInReadingOrder(std::vector<LayerBlock> &blocks);

/* A form field's value as it will be written: its words, in the widget's box (PDF user
   space until placed). */
struct FormValue {
    double x0, y0, x1, y1;
    std::vector<std::vector<Unicode>> words;
};

/* The values of page `number`'s visible form fields (text, check boxes and radio buttons,
   choices). Their widgets go into `undrawn`:
   the text layer is read without their appearance streams, which may or may not draw the
   value, so that each value is written once. Push buttons and signatures are left to their
   appearance. */
std::vector<FormValue> formValues(PDFDoc *doc, int number, std::set<const Annot *> *undrawn);

/* Each value, its box taken through `ctm` into the text layer's points, joins the line
   beside it on the same row, at its place along the line (after a
   label to its left, before one to its right); a value with no line beside it becomes a
   block of its own, in reading order among the blocks around it. */
void placeFormValues(std::vector<LayerBlock> &blocks, std::vector<FormValue> values, const double *ctm, double bodySize);

#endif
