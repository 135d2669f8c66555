#!/usr/bin/env bash
# Fetch the third-party JavaScript and web fonts the website serves itself (nothing
# third-party is committed): `npm pack` of exact versions from the npm registry, unpacked
# into $1 (default _vendor/, ignored by git). MathJax comes from PyPI (sphinx-mathjax-offline).
# Chinese text: Noto Sans SC (SIL OFL 1.1) from @fontsource, weights 400 and 700, woff2 only,
# split by unicode-range so that a page downloads only the slices its characters fall in.
#
# If the registry cannot be reached, the folder stays empty and the build falls back to
# the CDN (see _ext/book_site.py), printing why: the site then needs a network connection
# for widgets and diagrams.
set -euo pipefail
DEST=${1:-_vendor}
# name@version -> files to keep (paths inside the package)
PACKAGES=(
  "requirejs@2.3.4"
  "@jupyter-widgets/html-manager@1.0.6"
  "mermaid@11.12.1"
  "@fontsource/noto-sans-sc@5.3.0"
)
FONT_WEIGHTS=(400 700)
STAMP="$DEST/.versions"
WANT=$(printf '%s\n' "${PACKAGES[@]}" "weights ${FONT_WEIGHTS[*]}")
if [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$WANT" ]; then
  exit 0
fi

fallback() {
  echo "*** Could not fetch $1 from the npm registry ($2)."
  echo "*** The site will load require.js, the widget manager and Mermaid from the CDN:"
  echo "*** widgets and diagrams will then need a network connection. Run 'make book' again"
  echo "*** when the registry is reachable to serve them from the site itself. Chinese text"
  echo "*** then uses Noto Sans SC from the CDN too, or the reader's own fonts."
  rm -rf "$DEST.tmp"
  exit 0
}

command -v npm >/dev/null 2>&1 || fallback "the site's JavaScript" "npm is not installed"
rm -rf "$DEST.tmp" && mkdir -p "$DEST.tmp/pack"
echo "Fetching the site's JavaScript and fonts from the npm registry: ${PACKAGES[*]}"
for spec in "${PACKAGES[@]}"; do
  (cd "$DEST.tmp/pack" && npm pack --loglevel=error --prefer-offline "$spec" >/dev/null 2>"../npm.log") \
    || fallback "$spec" "$(grep -m1 -i "err" "$DEST.tmp/npm.log" | cut -c1-160)"
done
cd "$DEST.tmp"
for tgz in pack/*.tgz; do
  name=$(basename "$tgz" .tgz)
  mkdir -p "unpacked/$name" && tar -xzf "$tgz" -C "unpacked/$name"
done
out=site
mkdir -p "$out/requirejs" "$out/html-manager" "$out/mermaid"
cp unpacked/requirejs-*/package/require.js "$out/requirejs/"
# embed-amd.js and the font files its CSS refers to (same folder); no source maps.
cp unpacked/jupyter-widgets-html-manager-*/package/dist/embed-amd.js \
  unpacked/jupyter-widgets-html-manager-*/package/dist/*.{woff,woff2,ttf,eot,svg} "$out/html-manager/"
# Mermaid's classic build: the ES-module build does not load from file://.
cp unpacked/mermaid-*/package/dist/mermaid.min.js "$out/mermaid/"
# Noto Sans SC: one stylesheet for the chosen weights, each @font-face with its woff2 file
# only (the woff fallbacks are for browsers older than the rest of the site supports).
fs=$(echo unpacked/fontsource-noto-sans-sc-*/package)
mkdir -p "$out/noto-sans-sc/files"
for w in "${FONT_WEIGHTS[@]}"; do
  sed -E "s#, url\(\./files/[^)]*\.woff\) format\('woff'\)##" "$fs/$w.css"
  echo
done > "$out/noto-sans-sc/noto-sans-sc.css"
grep -o "files/[^)]*\.woff2" "$out/noto-sans-sc/noto-sans-sc.css" | sort -u \
  | while read -r f; do cp "$fs/$f" "$out/noto-sans-sc/files/"; done
if grep -q "\.woff)" "$out/noto-sans-sc/noto-sans-sc.css"; then
  echo "*** unexpected @font-face format in $fs/*.css" >&2
  exit 1
fi
for pkg in unpacked/*/package; do
  n=$(basename "$(dirname "$pkg")")
  cp "$pkg/LICENSE" "$out/${n%%-[0-9]*}.LICENSE" 2>/dev/null || true
done
cd - >/dev/null
rm -rf "$DEST" && mv "$DEST.tmp/site" "$DEST" && rm -rf "$DEST.tmp"
echo "$WANT" > "$STAMP"
du -sh "$DEST" | sed "s/^/Site JavaScript and fonts in /"
