#!/usr/bin/env bash
# Print check for a certificate page made by `akashi issue` (<serial>.html):
# print it to PDF with headless Chromium as an office would, require exactly
# one A4 page, render that page and a screenshot to PNG for a person to look
# at, and report which font renders Japanese (none = tofu boxes).
# With a trust file, the QR is also read back from the rendered page with
# akashi-verify, so "the QR is crisp" is checked by a reader, not by eye only.
#
#   scripts/print-check.sh CERT.html [TRUST.json] [OUT_DIR]   (OUT_DIR default /tmp/akashi-print)
#
# Needs chromium, fontconfig and poppler-utils (pdfinfo, pdftotext, pdftoppm).
# Exit 0 when the page is one A4 page (and, with a trust file, its QR verifies).
set -euo pipefail

html="${1:?usage: scripts/print-check.sh CERT.html [TRUST.json] [OUT_DIR]}"
trust="${2:-}"
out="${3:-/tmp/akashi-print}"
[ -f "$html" ] || { echo "print-check: no such file: $html" >&2; exit 66; }
for tool in chromium fc-match pdfinfo pdftotext pdftoppm; do
  command -v "$tool" >/dev/null || { echo "print-check: $tool is missing (apt-get install -y chromium poppler-utils)" >&2; exit 69; }
done
mkdir -p "$out"
name="$(basename "$html" .html)"
url="file://$(cd "$(dirname "$html")" && pwd)/$(basename "$html")"
pdf="$out/$name.pdf"
# Chromium's own flags: no header/footer (date, URL) on the printed page; no
# sandbox because this may run as root in a container.
chrome=(chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --no-pdf-header-footer)

"${chrome[@]}" --print-to-pdf="$pdf" "$url" 2>/dev/null
pages="$(pdfinfo "$pdf" | awk '/^Pages:/ {print $2}')"
size="$(pdfinfo "$pdf" | sed -n 's/^Page size: *//p')"
echo "pdf: $pdf"
echo "pages: $pages"
echo "page size: $size"
# Chromium embeds Noto Sans CJK as unnamed Type 3 fonts, so ask fontconfig
# which font the page's first choice resolves to instead of reading pdffonts.
jafont="$(fc-match -f '%{family[0]}' 'Noto Sans CJK JP:lang=ja')"
echo "Japanese font: $jafont"

pdftoppm -png -r 150 -f 1 -l 1 -singlefile "$pdf" "$out/$name-page1"
# A4 at 96 CSS px per inch is 794 × 1123.
"${chrome[@]}" --screenshot="$out/$name-screen.png" --window-size=794,1123 "$url" 2>/dev/null
echo "png: $out/$name-page1.png (150 dpi), $out/$name-screen.png (794×1123)"

status=0
if [ "$pages" != "1" ]; then echo "print-check: $pages pages, expected exactly 1" >&2; status=1; fi
case "$size" in 595.* | 594.* | 596.*) ;; *) echo "print-check: page size is not A4: $size" >&2; status=1 ;; esac
if [ -z "$(fc-list :lang=ja)" ]; then
  echo "print-check: no font covers Japanese, the page prints tofu boxes; apt-get install -y fonts-noto-cjk" >&2; status=1
elif [ "$jafont" != "Noto Sans CJK JP" ]; then
  echo "print-check: Japanese falls back to $jafont (Chinese glyph shapes possible); apt-get install -y fonts-noto-cjk" >&2
fi
# The text must survive as text (searchable, copyable), not only as shapes.
text="$(pdftotext "$pdf" -)"
if ! grep -qP '[\x{3040}-\x{30FF}\x{4E00}-\x{9FFF}]' <<<"$text"; then
  echo "print-check: no Japanese text in the PDF" >&2; status=1
fi

if [ -n "$trust" ]; then
  verify="${AKASHI_VERIFY:-}"
  if [ -z "$verify" ]; then
    for candidate in "$(command -v akashi-verify || true)" .build/release/akashi-verify .build/debug/akashi-verify .build-bench/release/akashi-verify; do
      if [ -n "$candidate" ] && [ -x "$candidate" ]; then verify="$candidate"; break; fi
    done
  fi
  [ -n "$verify" ] || { echo "print-check: akashi-verify not found; set AKASHI_VERIFY" >&2; exit 69; }
  for png in "$out/$name-page1.png" "$out/$name-screen.png"; do
    if result="$("$verify" --trust "$trust" "$png")"; then
      echo "${result%%$'\n'*}"
    else
      echo "print-check: the QR on $png does not verify: ${result%%$'\n'*}" >&2; status=1
    fi
  done
fi
exit $status
