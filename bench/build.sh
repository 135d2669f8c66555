#!/usr/bin/env bash
# Build times and site weight of the book, printed (never asserted).
#
#   cold        `make book` with _build/ and _vendor/ removed (.venv kept: installing is
#               not building); every notebook executes
#   no change   `make book` again
#   one chapter `make book` after touching one chapter (re-read and re-rendered from cache)
#   package     `make book` after a change to one llmbook module (a comment appended):
#               only the notebooks that import it, directly or through other modules, run
#   restore     `make book` after the module is put back
#   execution   the notebooks' own execution time (jupyter-cache records), summed, so the
#               build's overhead over pure execution shows
#   weight      the site's size, page count and heaviest pages (HTML plus its own images)
#
# Targets on a 2-core machine: cold <= 5 min, nothing changed <= 5 s, each page < 5 MB.
# Usage: bench/build.sh [--no-cold]
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
[ -x "$PY" ] || make setup
CHAPTER=${BENCH_CHAPTER:-chapters/04_mathematics.ipynb}
MODULE=${BENCH_MODULE:-src/llmbook/neuron.py}
LOG=$(mktemp -d)
declare -A T

run() {  # run NAME: time `make book`, keep its log
  local start end
  start=$(date +%s.%N)
  make book >"$LOG/$1.log" 2>&1 || { tail -30 "$LOG/$1.log"; exit 1; }
  end=$(date +%s.%N)
  T[$1]=$(echo "$end - $start" | bc)
  printf '%-12s %7.1f s  %s\n' "$1" "${T[$1]}" \
    "($(grep -c 'Executing notebook using' "$LOG/$1.log" || true) notebook(s) executed)"
}

if [ "${1:-}" != "--no-cold" ]; then
  rm -rf _build _vendor
  run cold
else
  make book >/dev/null 2>&1
fi
run "no change"
touch "$CHAPTER"
run "one chapter"
cp "$MODULE" "$LOG/module.bak"
trap 'cp "$LOG/module.bak" "$MODULE"' EXIT
echo "# bench/build.sh: a change" >>"$MODULE"
run package
grep -o 'llmbook changed: [^ ]*' "$LOG/package.log" | sed 's/^/             /' || true
cp "$LOG/module.bak" "$MODULE"
trap - EXIT
run restore

"$PY" - <<'PYEOF'
import pathlib
import re

from jupyter_cache import get_cache

records = get_cache("_build/.jupyter_cache").list_cache_records()
times = sorted(
    ((r.data or {}).get("execution_seconds") or 0.0, pathlib.Path(r.uri).name) for r in records
)
print(f"\nexecution   {sum(t for t, _ in times):7.1f} s  summed over {len(times)} notebooks "
      "(jupyter-cache records)")
for t, name in reversed(times):
    print(f"            {t:7.1f} s  {name}")

site = pathlib.Path("_build/html")
total = sum(p.stat().st_size for p in site.rglob("*") if p.is_file())
pages = [p for p in site.rglob("*.html") if not {"_static", "_sources"} & set(p.parts)]
weights = []
for page in pages:
    text = page.read_text(encoding="utf-8", errors="replace")
    size = page.stat().st_size
    for src in set(re.findall(r'<img[^>]+src="([^"]+)"', text)):
        target = (page.parent / src.split("?")[0]).resolve()
        if target.is_file() and "_images" in target.parts:
            size += target.stat().st_size
    weights.append((size, page.relative_to(site).as_posix()))
weights.sort(reverse=True)
print(f"\nsite        {total / 1e6:7.1f} MB  in _build/html, {len(pages)} pages")
print("heaviest pages (HTML with its widget state and figures; shared scripts not counted):")
for size, name in weights[:5]:
    flag = "  OVER 5 MB" if size > 5e6 else ""
    print(f"            {size / 1e6:7.2f} MB  {name}{flag}")
shared = {
    "MathJax (loaded on pages with maths)": site / "_static/mathjax/tex-chtml.js",
    "widget manager (pages with widgets)": site / "_static/html-manager/embed-amd.js",
    "Mermaid (pages with diagrams)": site / "_static/mermaid/mermaid.min.js",
}
print("shared scripts, fetched once and cached by the browser:")
for what, path in shared.items():
    if path.is_file():
        print(f"            {path.stat().st_size / 1e6:7.2f} MB  {what}")
PYEOF
rm -rf "$LOG"
