#!/usr/bin/env bash
# Fetch the third-party JavaScript the website serves itself (nothing third-party is
# committed): `npm pack` of exact versions from the npm registry, unpacked into $1
# (default _vendor/, ignored by git). MathJax comes from PyPI (sphinx-mathjax-offline).
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
)
STAMP="$DEST/.versions"
WANT=$(printf '%s\n' "${PACKAGES[@]}")
if [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$WANT" ]; then
  exit 0
fi

fallback() {
  echo "*** Could not fetch $1 from the npm registry ($2)."
  echo "*** The site will load require.js, the widget manager and Mermaid from the CDN:"
  echo "*** widgets and diagrams will then need a network connection. Run 'make book' again"
  echo "*** when the registry is reachable to serve them from the site itself."
  rm -rf "$DEST.tmp"
  exit 0
}

command -v npm >/dev/null 2>&1 || fallback "the site's JavaScript" "npm is not installed"
rm -rf "$DEST.tmp" && mkdir -p "$DEST.tmp/pack"
echo "Fetching the site's JavaScript from the npm registry: ${PACKAGES[*]}"
for spec in "${PACKAGES[@]}"; do
  (cd "$DEST.tmp/pack" && npm pack --silent --prefer-offline "$spec" >/dev/null 2>"../npm.log") \
    || fallback "$spec" "$(tail -1 "$DEST.tmp/npm.log")"
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
for pkg in unpacked/*/package; do
  n=$(basename "$(dirname "$pkg")")
  cp "$pkg/LICENSE" "$out/${n%%-[0-9]*}.LICENSE" 2>/dev/null || true
done
cd - >/dev/null
rm -rf "$DEST" && mv "$DEST.tmp/site" "$DEST" && rm -rf "$DEST.tmp"
echo "$WANT" > "$STAMP"
du -sh "$DEST" | sed 's/^/Site JavaScript in /'
