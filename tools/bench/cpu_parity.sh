#!/usr/bin/env bash
# Parity of SvdWeb with diffusers on the full-size SVD-XT architecture (random weights, tools/bench/svd-xt-random),
# on a CPU machine with 24 GB of RAM and Debian's torch (issue #12, item 3). Not part of CI: it needs torch and
# about 17 GiB at its peak (the float32 export).
#
#   tools/bench/cpu_parity.sh WORKDIR [WIDTHxHEIGHT] [FRAMES] [STEPS]      (default 128x128, 3 frames, 2 steps)
#
# 1. exports the pack twice, float32 and float16 (fused attention, the export's default), unless WORKDIR has them;
# 2. runs diffusers' StableVideoDiffusionPipeline in float32 on the same weights (tools/bench/diffusers_peer.py builds
#    them from the same configs and seeds) with svdweb bench's recipe, and saves its input image and 8-bit frames;
# 3. runs `svdweb generate` on both packs with that image and recipe (the float16 pack with --half-randn new, so its
#    first noise is diffusers' float32 draw rounded: torch 1.13 has no float16 CPU kernels to run diffusers in float16);
# 4. prints, per SvdWeb run, the largest difference in levels (0-255) from diffusers' frames and the share of values
#    that differ, and each step's wall time and peak resident memory (GNU time).
#
# Environment: Debian 12 with python3-torch, python3-onnx, libopenblas0-pthread, and diffusers v0.31.0, transformers
# 4.45.0.dev0 and huggingface_hub 0.26.2 sources on PYTHONPATH, as tools/export/README.md describes; .NET 10 SDK.
set -euo pipefail

work=${1:?usage: tools/bench/cpu_parity.sh WORKDIR [WIDTHxHEIGHT] [FRAMES] [STEPS]}
size=${2:-128x128}
frames=${3:-3}
steps=${4:-2}
width=${size%x*}
height=${size#*x}
repo=$(cd "$(dirname "$0")/../.." && pwd)
configs=${CONFIGS:-$repo/tools/bench/svd-xt-random}   # CONFIGS=models/tiny-svd tries the script in a minute
mkdir -p "$work"
work=$(cd "$work" && pwd)
python=${PYTHON:-/usr/bin/python3}   # Debian's, where python3-torch is
run_id="${size}_${frames}f_${steps}s"

# Runs a command under GNU time; its wall time and peak RSS go to $work/NAME.time, its output to $work/NAME.log.
timed() {
    local name=$1
    shift
    echo "== $name: $*"
    /usr/bin/time -f "%e %M" -o "$work/$name.time" "$@" > "$work/$name.log" 2>&1 || {
        echo "$name failed; the last lines of $work/$name.log:" >&2
        tail -20 "$work/$name.log" >&2
        exit 1
    }
    read -r seconds kib < "$work/$name.time"
    printf '   %s s, peak RSS %.1f GiB\n' "$seconds" "$(echo "$kib / 1048576" | bc -l)"
}

for precision in fp32 fp16; do
    pack=$work/svd-xt-$precision
    if [[ -f $pack/unet/model.onnx ]]; then
        echo "== export $precision: $pack exists, kept"
        continue
    fi
    flags=()
    [[ $precision == fp16 ]] && flags=(--fp16)
    timed "export-$precision" "$python" "$repo/tools/export/export_svd_onnx.py" --from-configs "$configs" --out "$pack" "${flags[@]}"
    cp "$configs/svdweb.json" "$pack/" 2>/dev/null || true
done

timed "diffusers-fp32-$run_id" "$python" "$repo/tools/bench/diffusers_peer.py" --configs "$configs" --device cpu --dtype fp32 \
    --frames "$frames" --size "$size" --steps "$steps" --warmup-steps 0 --repeat 1 \
    --save-image "$work/input-$size.png" --save-frames "$work/diffusers-fp32-$run_id"

dotnet build -c Release "$repo/src/SvdWeb.Cli" > "$work/build.log" 2>&1
svdweb=$repo/src/SvdWeb.Cli/bin/Release/net10.0/svdweb
for precision in fp32 fp16; do
    extra=()
    [[ $precision == fp16 ]] && extra=(--half-randn new)
    rm -rf "$work/svdweb-$precision-$run_id"
    # svdweb bench's recipe, which diffusers_peer.py runs: seed 42, guidance 1 -> 3, fps 7, motion 127, aug 0.02.
    timed "svdweb-$precision-$run_id" "$svdweb" generate --model "$work/svd-xt-$precision" --image "$work/input-$size.png" \
        --width "$width" --height "$height" --num-frames "$frames" --num-inference-steps "$steps" --seed 42 \
        --min-guidance-scale 1 --max-guidance-scale 3 --fps 7 --motion-bucket-id 127 --noise-aug-strength 0.02 \
        --decode-chunk-size "$frames" --device cpu --out "$work/svdweb-$precision-$run_id.mp4" \
        --frames-dir "$work/svdweb-$precision-$run_id" "${extra[@]}"
done

"$python" - "$work" "$run_id" <<'EOF'
import os
import sys

import numpy as np
from PIL import Image

work, run_id = sys.argv[1], sys.argv[2]


def frames(folder):
    names = sorted(n for n in os.listdir(folder) if n.endswith(".png"))
    return np.stack([np.asarray(Image.open(os.path.join(folder, n)).convert("RGB"), dtype=np.int16) for n in names])


reference = frames(os.path.join(work, f"diffusers-fp32-{run_id}"))
print(f"\nparity with diffusers float32, {run_id} ({reference.size} values):")
for precision in ("fp32", "fp16"):
    ours = frames(os.path.join(work, f"svdweb-{precision}-{run_id}"))
    if ours.shape != reference.shape:
        print(f"  svdweb {precision}: shape {ours.shape}, diffusers {reference.shape}")
        sys.exit(1)
    diff = np.abs(ours - reference)
    levels = np.bincount(diff.ravel(), minlength=2)
    print(
        f"  svdweb {precision} pack: max {diff.max()} levels, {np.count_nonzero(diff) / diff.size * 100:.3f} % of values differ "
        f"(by 1: {levels[1]}, by more: {np.count_nonzero(diff > 1)})"
    )
EOF
