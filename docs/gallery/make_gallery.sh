#!/bin/sh
# Regenerates the pictures in docs/gallery from real data with the built gmm (make build):
# Old Faithful (Tests/GMMTests/Fixtures/faithful.csv: eruptions, waiting) and scikit-learn's
# 8 x 8 digits, binarized at 8 of 16 (python3 with scikit-learn).
set -eu
G=$(cd "$(dirname "${GMM:-.build/release/gmm}")" && pwd)/$(basename "${GMM:-.build/release/gmm}")
OUT=$(pwd)/docs/gallery
T=$(mktemp -d)
cp Tests/GMMTests/Fixtures/faithful.csv "$T/faithful.csv"
cd "$T"
cut -d, -f1 faithful.csv > eruptions.csv
$G fit eruptions.csv -k 2 --seed 1 -o eruptions.json -q
$G plot eruptions.json eruptions.csv -o eruptions_density.svg
$G select faithful.csv -k 1...9 --covariance all --n-init 5 --seed 1 -o faithful_best.json \
   --plot faithful_bic.svg --table "$OUT/faithful_bic.csv" -q > /dev/null
$G fit faithful.csv -k 3 --seed 1 -o faithful3.json -q
$G plot faithful3.json faithful.csv -o faithful_uncertainty.svg --uncertainty
python3 -c "
from sklearn.datasets import load_digits
import numpy as np
np.save('digits.npy', (load_digits().data >= 8).astype(np.float64))"
$G fit digits.npy --family bernoulli -k 10 --n-init 5 --seed 1 -o digits.json -q
$G plot digits.json digits.npy -o digits_images.svg --image-shape 8,8
for f in eruptions_density faithful_bic faithful_uncertainty digits_images; do
  rsvg-convert "$f.svg" -o "$OUT/$f.png"
done
cd / && rm -rf "$T"
echo "docs/gallery: eruptions_density.png faithful_bic.png faithful_uncertainty.png digits_images.png faithful_bic.csv"
