#!/usr/bin/env bash
# Checks a PDF against PDF/UA-1 (ISO 14289-1).
#   scripts/check-pdf-ua.sh report.pdf
#   scripts/check-pdf-ua.sh --fixture      # makes masa-typst's fixture report, then checks it
#
# veraPDF itself cannot be installed from the registries this project may use (it is in none of
# PyPI, npm, crates.io or Debian's packages). This script uses, from PyPI, into a venv of its own:
#   - page-validation: "page", an independent PDF/UA-1 and PDF/A validator (Rust) whose authors
#     state it passes the veraPDF corpus test suite; it runs the machine-checkable PDF/UA-1 rules;
#   - pikepdf: the structure checks below, which say what was found (tagged, /Lang, title shown,
#     outline, Table/TH/Figure+Alt elements, fonts embedded, attachments with descriptions).
# A human check is still needed for what no validator can judge (reading order, the quality of
# the alt text, headings that make sense).
# Exit status: 0 if both pass, 1 if either finds a failure, 2 on a usage or set-up error.
set -euo pipefail
cd "$(dirname "$0")/.."

VENV="${MASA_PDFUA_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/masa-pdfua-venv}"
PAGE_VERSION="0.11.0"
PIKEPDF_VERSION="10.18.0"

if [[ $# -ne 1 ]]; then
  echo "usage: $0 <file.pdf> | --fixture" >&2
  exit 2
fi
PDF="$1"
if [[ "$PDF" == "--fixture" ]]; then
  PDF="${TMPDIR:-/tmp}/masa-typst-fixture.pdf"
  cargo run --quiet -p masa-typst --example fixture -- "$PDF"
fi
[[ -f "$PDF" ]] || { echo "no such file: $PDF" >&2; exit 2; }

if [[ ! -x "$VENV/bin/python" ]] ||
   ! "$VENV/bin/python" -c "import page, pikepdf" 2>/dev/null; then
  echo "installing page-validation $PAGE_VERSION and pikepdf $PIKEPDF_VERSION into $VENV" >&2
  python3 -m venv "$VENV" >&2
  "$VENV/bin/pip" install --quiet --disable-pip-version-check \
    "page-validation==$PAGE_VERSION" "pikepdf==$PIKEPDF_VERSION" >&2
fi

"$VENV/bin/python" - "$PDF" <<'PY'
import sys
import page
import pikepdf
from pikepdf import Name

path = sys.argv[1]
failed = False

# ---- 1. The PDF/UA-1 validator ----------------------------------------------------------
report = page.validate_pdf(path, profile="ua1")
print(f"page {page.__version__}, profile PDF/UA-1: "
      f"{'COMPLIANT' if report.is_compliant else 'NOT COMPLIANT'} "
      f"(rules: {report.rules.passed} passed, {report.rules.failed} failed; "
      f"failed checks: {report.checks.failed})")
for f in report.failures:
    print(f"  FAIL {f.rule_id}: {f.message}")
if not report.is_compliant:
    failed = True

# ---- 2. Structure: what a reader relies on ---------------------------------------------
pdf = pikepdf.open(path)
root = pdf.Root
results = []

def check(name, ok, detail=""):
    global failed
    results.append((name, ok, detail))
    if not ok:
        failed = True

mark = root.get("/MarkInfo")
check("tagged (/MarkInfo /Marked true)", bool(mark is not None and mark.get("/Marked")))
lang = str(root.get("/Lang", ""))
check("document language (/Lang)", lang != "", lang)
info_title = str(pdf.docinfo.get("/Title", "")) if pdf.docinfo is not None else ""
with pdf.open_metadata() as meta:
    xmp_title = meta.get("dc:title", "")
    ua_part = meta.get("pdfuaid:part", "")
check("title in XMP metadata (dc:title)", bool(xmp_title), xmp_title or info_title)
check("PDF/UA identifier in XMP (pdfuaid:part = 1)", str(ua_part) == "1", str(ua_part))
prefs = root.get("/ViewerPreferences")
check("the title is shown, not the file name (/DisplayDocTitle)",
      bool(prefs is not None and prefs.get("/DisplayDocTitle")))

def count_outline(item):
    n = 0
    while item is not None:
        n += 1
        first = item.get("/First")
        if first is not None:
            n += count_outline(first)
        item = item.get("/Next")
    return n

outlines = root.get("/Outlines")
bookmarks = count_outline(outlines.get("/First")) if outlines is not None else 0
check("outline (bookmarks)", bookmarks > 0, f"{bookmarks} bookmarks")

tree = root.get("/StructTreeRoot")
check("structure tree (/StructTreeRoot)", tree is not None)
counts = {}
figures_without_alt = 0
def walk(elem, depth=0):
    global figures_without_alt
    if depth > 200:
        return
    if isinstance(elem, pikepdf.Array):
        for e in elem:
            walk(e, depth + 1)
        return
    if not isinstance(elem, pikepdf.Dictionary):
        return
    s = elem.get("/S")
    if s is not None:
        tag = str(s)[1:]
        counts[tag] = counts.get(tag, 0) + 1
        if tag == "Figure" and not str(elem.get("/Alt", "")).strip():
            figures_without_alt += 1
    kids = elem.get("/K")
    if kids is not None:
        walk(kids, depth + 1)
if tree is not None:
    walk(tree.get("/K"))
summary = ", ".join(f"{k} {v}" for k, v in sorted(counts.items()))
print(f"structure elements: {summary}")
headings = sum(v for k, v in counts.items() if k == "H" or (k.startswith("H") and k[1:].isdigit()))
check("headings (H1..H6) in the structure", headings > 0, f"{headings}")
if counts.get("Table"):
    check("tables have header cells (TH)", counts.get("TH", 0) > 0,
          f"{counts.get('Table')} tables, {counts.get('TH', 0)} TH")
if counts.get("Figure"):
    check("every Figure has /Alt text", figures_without_alt == 0,
          f"{counts.get('Figure')} figures, {figures_without_alt} without alt")

unembedded = set()
fonts_seen = 0
for p in pdf.pages:
    resources = p.obj.get("/Resources")
    fonts = resources.get("/Font") if resources is not None else None
    if fonts is None:
        continue
    for _, font in fonts.items():
        fonts_seen += 1
        descendants = font.get("/DescendantFonts")
        f = descendants[0] if descendants is not None else font
        d = f.get("/FontDescriptor")
        if d is None or not any(k in d for k in ("/FontFile", "/FontFile2", "/FontFile3")):
            if str(font.get("/Subtype")) != "/Type3":
                unembedded.add(str(font.get("/BaseFont")))
check("every font embedded", not unembedded, ", ".join(sorted(unembedded)) or f"{fonts_seen} font uses")

names = root.get("/Names")
files = names.get("/EmbeddedFiles") if names is not None else None
attached = []
if files is not None:
    arr = files.get("/Names") or []
    for i in range(0, len(arr), 2):
        spec = arr[i + 1]
        attached.append((str(spec.get("/UF", spec.get("/F", arr[i]))), str(spec.get("/Desc", ""))))
for name, desc in attached:
    check(f"attachment {name} has a description (/Desc)", bool(desc), desc)
print(f"attachments: {', '.join(n for n, _ in attached) or 'none'}")

for name, ok, detail in results:
    print(f"  {'ok  ' if ok else 'FAIL'} {name}{': ' + detail if detail else ''}")
print("PASS" if not failed else "FAIL")
sys.exit(1 if failed else 0)
PY
