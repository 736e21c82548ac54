#!/usr/bin/env bash
# The Swift consumer test (`make swift-consumer`): a copy of this checkout (as it is, uncommitted
# changes included) becomes a git repository tagged 0.1.0; examples/swift, which depends on it
# with `.package(url:, from: "0.1.0")`, is built from that tag and run; its model must equal, byte
# for byte, the model the `gmm` command line fits from the same data and seed.
#
#     examples/swift/check.sh GMM_CLI [swift build flags…]
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cli=$(cd "$(dirname "$1")" && pwd)/$(basename "$1"); shift
work=$root/build/swift-consumer
rm -rf "$work" && mkdir -p "$work/swift-gmm" "$work/consumer" "$work/data"

# The dependency: the checkout's files (tracked and new, nothing ignored), committed and tagged.
cd "$root"
git ls-files -z --cached --others --exclude-standard \
  | while IFS= read -r -d '' f; do [ -e "$f" ] && printf '%s\0' "$f"; done \
  | tar --null -T - -cf - | tar -xf - -C "$work/swift-gmm"
cd "$work/swift-gmm"
git init -q && git add -A
git -c user.name=swift-gmm -c user.email=ci@swift-gmm.invalid commit -q -m "release under test"
git tag 0.1.0

# The consumer, resolved and built the ordinary way (a fresh scratch path, no cached clone).
cp -R "$root/examples/swift/Package.swift" "$root/examples/swift/Sources" "$work/consumer/"
cd "$work/consumer"
SWIFT_GMM_URL="file://$work/swift-gmm" swift build -c release --disable-dependency-cache "$@"
grep -q '"version" : "0.1.0"' Package.resolved || { echo "check.sh: swift-gmm was not resolved at 0.1.0" >&2; exit 1; }

# Same data, same seed: the consumer's model and the command line's must be the same file.
"$cli" generate -n 20000 -d 5 -k 4 --seed 7 -o "$work/data/X.npy"
"$cli" generate -n 20000 -d 5 -k 4 --seed 8 --float32 -o "$work/data/X32.npy"
for data in X X32; do
  for type in full tied diag spherical; do
    .build/release/gmm-consumer "$work/data/$data.npy" 4 $type 11 "$work/data/$data-$type-consumer.json" > "$work/data/$data-$type.out"
    "$cli" fit "$work/data/$data.npy" -k 4 --covariance $type --seed 11 -o "$work/data/$data-$type-cli.json" --quiet
    cmp "$work/data/$data-$type-consumer.json" "$work/data/$data-$type-cli.json"
    echo "swift-consumer: $data $type: same model as the command line; $(tail -1 "$work/data/$data-$type.out")"
  done
done
head -2 "$work/data/X-full.out"
