#!/usr/bin/env bash
# Release readiness: the public API against the reviewed listing, the package as crates.io
# would receive it (its file list, then built and tested from the .crate itself), and a
# publish dry run. (.ci/run builds the docs with warnings denied before the steps.)
set -euo pipefail
cd "$(dirname "$0")/../.."
crate=axum-ws-handshake

echo "--- public API: .ci/public-api.txt (\`python3 .ci/public_api.py --bless\` rewrites it)"
python3 .ci/public_api.py

# cargo names each test, example and bench target it leaves out of the package (all of
# them, by design: Cargo.toml's `include`): one line each, every run.
without_target_notes() {
  grep -v -E '^warning: ignoring (example|test|benchmark) `[^`]+` as `[^`]+` is not included in the published package$' || true
}
# In CI (a clean clone) a packaged file that differs from the commit is an error; a
# developer's tree may hold edits.
allow_dirty=()
[ "${CI:-}" = true ] || allow_dirty=(--allow-dirty)

echo "--- cargo package: what ships (src/, README, CHANGELOG, licenses, manifest, lockfile)"
files=$(cargo package -p "$crate" --list "${allow_dirty[@]}" 2> >(without_target_notes >&2))
echo "$files"
unexpected=$(grep -v -E '^(src/.*|README\.md|CHANGELOG\.md|LICENSE-(MIT|APACHE)|Cargo\.(toml|toml\.orig|lock)|\.cargo_vcs_info\.json)$' <<<"$files" || true)
[ -z "$unexpected" ] || { echo "unexpected files in the package:"; echo "$unexpected"; exit 1; }
for required in README.md LICENSE-MIT LICENSE-APACHE src/lib.rs; do
  grep -qx "$required" <<<"$files" || { echo "the package lacks $required"; exit 1; }
done

echo "--- cargo package: the .crate, built by cargo from its own contents"
cargo package -p "$crate" "${allow_dirty[@]}" 2>&1 | without_target_notes

echo "--- the packaged crate: its build and its doctests (README's included), every feature"
read -r target_dir version < <(cargo metadata --format-version 1 --no-deps | python3 -c '
import json, sys
meta = json.load(sys.stdin)
print(meta["target_directory"], next(p["version"] for p in meta["packages"] if p["name"] == sys.argv[1]))' "$crate")
unpacked=$(mktemp -d)
trap 'rm -rf "$unpacked"' EXIT
# -m: the files get the time of unpacking. A .crate dates every file 2006, which cargo would
# take as older than any test binary it built before, and run that binary instead.
tar -xzmf "$target_dir/package/$crate-$version.crate" -C "$unpacked"
# The repository's target directory: the dependencies are already built there. Outside
# the repository, so that no workspace above the unpacked crate claims it.
# Its unit tests are not run here: the parsers' property tests among them need the
# repository's reference model (fuzz/model, a path dev-dependency, not shipped); the
# test step above ran them on the same sources.
(cd "$unpacked/$crate-$version" &&
  CARGO_TARGET_DIR="$target_dir" cargo build --all-features --locked --lib &&
  CARGO_TARGET_DIR="$target_dir" cargo test --all-features --locked --doc)

echo "--- cargo publish --dry-run: crates.io's checks, nothing uploaded"
# --no-verify: the build above was of the same .crate.
cargo publish -p "$crate" --dry-run --no-verify "${allow_dirty[@]}" 2>&1 | without_target_notes
