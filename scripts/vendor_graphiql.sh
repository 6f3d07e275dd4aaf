#!/usr/bin/env bash
# Reproduces gateway/http/static/graphiql/ from the npm registry: GraphiQL's browser build (UMD bundle +
# CSS) and the React UMD builds it runs on, each with its license, plus a SHA256SUMS manifest.
#
# GraphiQL 3.x is the last line that publishes a self-contained UMD bundle; 4.x and 5.x ship ES
# modules that expect a bundler (and 5.x Monaco web workers). The gateway serves these files itself
# because developer machines and CI may have no route to a CDN.
#
# Usage: scripts/vendor_graphiql.sh    (needs npm; writes only gateway/http/static/graphiql/)
set -euo pipefail

GRAPHIQL_VERSION=3.9.0
REACT_VERSION=18.3.1 # GraphiQL 3 supports React 16.8-18; React 19 no longer publishes UMD builds

cd "$(dirname "$0")/.."
dest=gateway/http/static/graphiql
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

(cd "$work" && npm pack --silent "graphiql@$GRAPHIQL_VERSION" "react@$REACT_VERSION" \
  "react-dom@$REACT_VERSION" >/dev/null)
for tarball in "graphiql-$GRAPHIQL_VERSION" "react-$REACT_VERSION" "react-dom-$REACT_VERSION"; do
  package=${tarball%-*}
  mkdir -p "$work/$package"
  tar -xzf "$work/$tarball.tgz" -C "$work/$package" --strip-components=1
done

rm -rf "$dest"
mkdir -p "$dest"
cp "$work/graphiql/graphiql.min.js" "$work/graphiql/graphiql.min.css" "$dest/"
cp "$work/react/umd/react.production.min.js" "$dest/"
cp "$work/react-dom/umd/react-dom.production.min.js" "$dest/"
cp "$work/graphiql/LICENSE" "$dest/LICENSE.graphiql"
cp "$work/react/LICENSE" "$dest/LICENSE.react"
cp "$work/react-dom/LICENSE" "$dest/LICENSE.react-dom"
cat >"$dest/VERSIONS" <<VERSIONS
graphiql $GRAPHIQL_VERSION (MIT)
react $REACT_VERSION (MIT)
react-dom $REACT_VERSION (MIT)
Reproduce with scripts/vendor_graphiql.sh; SHA256SUMS lists the files it wrote.
VERSIONS
(cd "$dest" && sha256sum -- *.js *.css LICENSE.* VERSIONS >SHA256SUMS)
echo "vendored GraphiQL $GRAPHIQL_VERSION and React $REACT_VERSION into $dest"
