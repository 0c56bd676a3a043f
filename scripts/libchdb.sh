#!/usr/bin/env bash
# Fetches the ClickHouse engine (libchdb.so) from the pinned npm package, verifies its
# checksum and caches it outside the work tree. Prints the library path on stdout.
#
#   scripts/libchdb.sh            # fetch if missing, print path
#   TOLLGATE_CHDB_CACHE=/dir ...  # cache location (default ~/.cache/tollgate/libchdb)
set -euo pipefail

version="26.7.3-stable.1"
pkg="@chdb/lib-linux-x64-gnu"
# sha1 of the tarball as published in the registry's dist.shasum for this version.
sha1="d2905fafd0e0ac0e231cccadd1f0f6d010977297"

cache="${TOLLGATE_CHDB_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/tollgate/libchdb}/$version"
lib="$cache/libchdb.so"

if [[ -s "$lib" && -f "$cache/.verified" ]]; then
  echo "$lib"
  exit 0
fi

command -v npm >/dev/null || { echo "libchdb.sh: npm is required to fetch $pkg@$version" >&2; exit 1; }
mkdir -p "$cache"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

echo "libchdb.sh: fetching $pkg@$version (~180 MB) into $cache" >&2
(cd "$tmp" && npm pack --silent "$pkg@$version" >/dev/null)
tarball=$(ls "$tmp"/*.tgz)
got=$(sha1sum "$tarball" | cut -d' ' -f1)
if [[ "$got" != "$sha1" ]]; then
  echo "libchdb.sh: checksum mismatch for $tarball: got $got, want $sha1" >&2
  exit 1
fi
tar -xzf "$tarball" -C "$tmp" package/libchdb.so
mv "$tmp/package/libchdb.so" "$lib.tmp"
mv "$lib.tmp" "$lib"
echo "$sha1" > "$cache/.verified"
echo "$lib"
