#!/usr/bin/env bash
# Cold `cargo build -p ccai-lro` of two commits, interleaved, each into an empty target
# directory, crates already downloaded: `tools/cold_build_ab.sh OLD NEW [ROUNDS]`. Prints one
# line per build, `round N REV MILLISECONDS ms`. Worktrees go under ${TMPDIR:-/tmp}/cold-ab.
set -euo pipefail
old=$1 new=$2 rounds=${3:-3}
root=${TMPDIR:-/tmp}/cold-ab
repo=$(git rev-parse --show-toplevel)
for rev in "$old" "$new"; do
  rm -rf "$root/$rev"
  git -C "$repo" worktree add -q --detach "$root/$rev" "$rev"
  (cd "$root/$rev" && cargo fetch -q)
done
for round in $(seq "$rounds"); do
  for rev in "$old" "$new"; do
    rm -rf "$root/$rev/target"
    start=$(date +%s%N)
    (cd "$root/$rev" && cargo build -q --offline -p ccai-lro >/dev/null)
    end=$(date +%s%N)
    echo "round $round $rev $(( (end - start) / 1000000 )) ms"
  done
done
for rev in "$old" "$new"; do
  git -C "$repo" worktree remove --force "$root/$rev"
done
