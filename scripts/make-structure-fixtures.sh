#!/usr/bin/env bash
# Writes the PDFs of fixtures/structure/ from the HTML and flat ODT beside them, with
# LibreOffice headless: numbered items with gaps and other markers (lists), links whose text
# is their address (links), a ruled table (table), prose in two columns side by side that is
# no table (columns), and five pages with odd and even running headers and a "Page N of 5"
# footer (running). TextLayerStructureTests asserts the exact markdown of each.
set -euo pipefail
cd "$(dirname "$0")/../fixtures/structure"
profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT
soffice --headless "-env:UserInstallation=file://$profile" --infilter="HTML (StarWriter)" \
  --convert-to pdf:writer_pdf_Export --outdir . lists.html links.html table.html columns.html
soffice --headless "-env:UserInstallation=file://$profile" --convert-to pdf --outdir . running.fodt
