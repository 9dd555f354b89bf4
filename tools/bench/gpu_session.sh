#!/usr/bin/env bash
# The GPU session of issue #8: svdweb bench on a full-size random-weight SVD-XT pack (ONNX fp16) and the diffusers
# peer (StableVideoDiffusionPipeline fp16) on the same weights, on one lent H100/H200, in about 12 device minutes.
# See tools/bench/README.md for the plan, the call sequence and the budget.
#
#   here (CPU machine):   tools/bench/gpu_session.sh prepare [REPO]     build and stage everything under REPO/.gpukit
#                         tools/bench/gpu_session.sh plan [REPO]        print the device calls (carry + command)
#   there (device `run`): bash tools/bench/gpu_session.sh device-start  call 1: unpack, check, start export + peer
#                         bash tools/bench/gpu_session.sh device-piece  calls 2..: take the CUDA provider's pieces
#                         bash tools/bench/gpu_session.sh device-bench [VARIANT...]   reassemble, wait, bench -> $OUT
#
# REPO is the checkout that the device tool sends (the root of the session's own checkout, not a helper's worktree):
# the carried paths must lie inside it. Nothing staged there is tracked: .gpukit/ is added to .git/info/exclude.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SRC_REPO=$(cd "$HERE/../.." && pwd)           # the repository this script belongs to (the one that is built)
MIB=$((1024 * 1024))
CALL_LIMIT=$((64 * MIB))                        # one call: working tree + carried paths (device README, Limits)

# --- Device-side layout (files persist only while the machine stays warm, 30 s after each call) -------------------
K=${GPUKIT_DEVICE_DIR:-/tmp/gpukit}             # everything the session unpacks or writes
RESULTS=$K/results                              # copied to $OUT at the end of every device call (at most 8 files)

# =====================================================================================================================
# Here: prepare
# =====================================================================================================================

prepare() {
    local repo=${1:-$SRC_REPO}
    repo=$(cd "$repo" && pwd)
    local work=${GPUKIT_WORK:-/tmp/gpukit-build}  # scratch outside every repository
    local stage=${GPUKIT_STAGE:-$repo/.gpukit}  # another folder only to try the kit out: calls carry REPO/.gpukit
    local xz_threads=${XZ_THREADS:-1}           # keep the shared CPU machine usable for others
    local diffusers=${DIFFUSERS_SRC:-/work/ext/diffusers/src}
    local transformers=${TRANSFORMERS_SRC:-/work/ext/transformers/src}
    local hub=${HUGGINGFACE_HUB_SRC:-/work/ext/huggingface_hub/src}
    local stubs=${STUBS:-/work/ext/stubs}
    for d in "$diffusers/diffusers" "$transformers/transformers" "$hub/huggingface_hub" "$stubs"; do
        [[ -d $d ]] || { echo "missing $d: see tools/export/README.md (diffusers v0.31.0, transformers 4.45.0.dev0, huggingface_hub v0.26.2, stubs)" >&2; exit 1; }
    done
    mkdir -p "$work"

    echo "== 1. trimmed self-contained linux-x64 publish of src/SvdWeb.Cli (ONNX Runtime GPU build)"
    # TrimMode=partial trims the framework only (full trimming fails the build: System.Text.Json reflection, IL2026
    # under TreatWarningsAsErrors); reflection-based JSON stays on because the pack's configs are read with it.
    rm -rf "$work/publish"
    dotnet publish "$SRC_REPO/src/SvdWeb.Cli" -c Release -r linux-x64 --self-contained -p:OrtFlavor=Gpu \
        -p:PublishTrimmed=true -p:TrimMode=partial -p:SuppressTrimAnalysisWarnings=true \
        -p:JsonSerializerIsReflectionEnabledByDefault=true -m:1 -o "$work/publish" -v:q -nologo
    local provider=$work/publish/libonnxruntime_providers_cuda.so
    [[ -f $provider ]] || { echo "no $provider: was the Gpu.Linux package restored?" >&2; exit 1; }

    echo "== 2. publish without the CUDA and TensorRT providers -> svdweb-publish.tar.xz"
    tar -C "$work/publish" --exclude=libonnxruntime_providers_cuda.so --exclude=libonnxruntime_providers_tensorrt.so \
        --transform 's,^\.,svdweb,' -cf - . | xz -6 -T"$xz_threads" > "$work/svdweb-publish.tar.xz"

    echo "== 3. python sources (diffusers, transformers, huggingface_hub) + stubs -> pysrc.tar.xz"
    local py=$work/pysrc
    rm -rf "$py" && mkdir -p "$py/diffusers" "$py/transformers" "$py/huggingface_hub"
    cp -r "$diffusers/diffusers" "$py/diffusers/"
    cp -r "$transformers/transformers" "$py/transformers/"
    cp -r "$hub/huggingface_hub" "$py/huggingface_hub/"
    cp -r "$stubs" "$py/stubs"
    gpu_tokenizers_stub "$py/stubs"
    find "$py" -name __pycache__ -prune -exec rm -rf {} +
    tar -C "$py" -cf - . | xz -6 -T"$xz_threads" > "$work/pysrc.tar.xz"

    echo "== 4. the CUDA provider (xz) in pieces that fit one call beside the working tree"
    xz -6 -T"$xz_threads" -c "$provider" > "$work/cuda.so.xz"
    local tree piece_mib
    tree=$(tree_bytes "$repo")
    piece_mib=$(((CALL_LIMIT - tree) / MIB - 2))  # 2 MiB margin for files that appear before the session's calls
    ((piece_mib > 60)) && piece_mib=60
    ((piece_mib >= 8)) || { echo "the working tree ($((tree / MIB)) MiB) leaves too little room per call" >&2; exit 1; }
    rm -rf "$stage" && mkdir -p "$stage/call1"
    split -b "${piece_mib}M" -d -a 2 "$work/cuda.so.xz" "$stage/piece-"
    mv "$work/svdweb-publish.tar.xz" "$work/pysrc.tar.xz" "$stage/call1/"
    (cd "$stage" && sha256sum call1/*.tar.xz piece-* > call1/SHA256SUMS)
    sha256sum "$provider" | awk '{print $1 "  libonnxruntime_providers_cuda.so"}' >> "$stage/call1/SHA256SUMS"
    if [[ $stage == "$repo/.gpukit" ]]; then
        local exclude
        exclude=$(git -C "$repo" rev-parse --path-format=absolute --git-path info/exclude)
        grep -qx '/.gpukit/' "$exclude" 2>/dev/null || echo '/.gpukit/' >> "$exclude"
    fi

    echo "== 5. check: the pieces reassemble to the provider (sha256)"
    local want got
    want=$(sha256sum < "$provider" | cut -d' ' -f1)
    got=$(cat "$stage"/piece-* | xz -dc | sha256sum | cut -d' ' -f1)
    [[ $want == "$got" ]] || { echo "reassembly MISMATCH: $got != $want" >&2; exit 1; }
    echo "reassembled provider sha256 $got = original"

    echo
    echo "working tree that travels with every call: $((tree / MIB)) MiB ($tree B); pieces of ${piece_mib} MiB"
    ls -l "$stage/call1" "$stage"/piece-* | awk 'NF > 5 {printf "  %-60s %11d B  %6.1f MiB\n", $NF, $5, $5 / 1048576}'
    echo "  (provider: $(stat -c %s "$provider") B raw, $(stat -c %s "$work/cuda.so.xz") B xz)"
    plan "$repo" "$stage"
}

# The PyTorch venv on the GPU machine has tokenizers 0.23, safetensors 0.8, huggingface_hub 1.x and transformers 5.x.
# transformers 4.45 refuses tokenizers outside >=0.19,<0.20 at import, and the stubs' dist-info (found first on
# PYTHONPATH) pin huggingface_hub, transformers and safetensors to the carried versions. So tokenizers gets a pinned
# dist-info too, and a stub whose every name is a class that raises when constructed (the SVD pipeline never
# tokenizes; transformers.models.mt5 imports a fast tokenizer class once tokenizers counts as available).
gpu_tokenizers_stub() {
    local stubs=$1
    rm -rf "$stubs/tokenizers" "$stubs"/tokenizers-*.dist-info
    mkdir -p "$stubs/tokenizers" "$stubs/tokenizers-0.19.1.dist-info"
    printf 'Metadata-Version: 2.1\nName: tokenizers\nVersion: 0.19.1\n' > "$stubs/tokenizers-0.19.1.dist-info/METADATA"
    cat > "$stubs/tokenizers/__init__.py" <<'EOF'
"""Import-time stub of tokenizers for the GPU kit (tools/bench/gpu_session.sh): it shadows the venv's tokenizers 0.23,
which transformers 4.45 refuses, and tokenizers-0.19.1.dist-info satisfies its pin. Every name is a class that raises
when constructed: the SVD pipeline has no text encoder."""


class _Unavailable:
    def __init__(self, *args, **kwargs):
        raise NotImplementedError("tokenizers stub (tools/bench/gpu_session.sh): nothing here tokenizes")


def __getattr__(name):
    if name.startswith("__"):
        raise AttributeError(name)
    return _Unavailable
EOF
    for m in models pre_tokenizers decoders normalizers processors trainers; do
        printf 'from . import _Unavailable\n\n\ndef __getattr__(name):\n    if name.startswith("__"):\n        raise AttributeError(name)\n    return _Unavailable\n' \
            > "$stubs/tokenizers/$m.py"
    done
}

# Bytes of what every call sends: tracked files and untracked files git does not ignore (shared/ inside the checkout
# is counted by this too when it is tracked or unignored).
tree_bytes() {
    git -C "$1" ls-files -z --cached --others --exclude-standard | (cd "$1" && xargs -0 stat -c %s 2>/dev/null) |
        awk '{s += $1} END {print s + 0}'
}

plan() {
    local repo=${1:-$SRC_REPO}
    local stage=${2:-$repo/.gpukit}
    local pieces
    pieces=$(cd "$stage" && ls -d piece-* | tr '\n' ' ')
    cat <<EOF

== device calls, back to back (the machine goes back 30 s after a call ends; each later call needs the files of
   the earlier ones). Run them from the session whose checkout is $repo.
call 1  carry [".gpukit/call1"]  timeout_s 120
        bash tools/bench/gpu_session.sh device-start
EOF
    local n=2
    for p in $pieces; do
        printf 'call %d  carry [".gpukit/%s"]  timeout_s 60\n        bash tools/bench/gpu_session.sh device-piece\n' "$n" "$p"
        n=$((n + 1))
    done
    cat <<EOF
call $n  carry []  timeout_s 590
        bash tools/bench/gpu_session.sh device-bench
call $((n + 1))  (only if call $n said variants are left) carry []  timeout_s 590
        bash tools/bench/gpu_session.sh device-bench
then give_back.
EOF
}

# =====================================================================================================================
# There: the device calls. Each runs in the root of a copy of the working tree, with $OUT an empty folder.
# =====================================================================================================================

device_env() {
    # The PyTorch venv's python (python3 on PATH there) and its CUDA 13 / cuDNN 9 wheels' libraries.
    PY=$(command -v python3)
    SITE=$("$PY" -c 'import os, torch; print(os.path.dirname(os.path.dirname(torch.__file__)))')
    NVLIBS=$(find "$SITE/nvidia" -name 'lib*.so*' -printf '%h\n' 2>/dev/null | sort -u | paste -sd:)
    export LD_LIBRARY_PATH=$NVLIBS${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
    export PYTHONPATH=$K/py/stubs:$K/py/diffusers:$K/py/transformers:$K/py/huggingface_hub
    export PYTHONUNBUFFERED=1 HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 DIFFUSERS_OFFLINE=1
    export DOTNET_SYSTEM_GLOBALIZATION_INVARIANT=1  # the image may have no libicu; svdweb formats invariantly anyway
    export DOTNET_CLI_TELEMETRY_OPTOUT=1
    SVDWEB=$K/svdweb/svdweb
}

copy_results() {
    [[ -n ${OUT:-} ]] || return 0
    local f
    for f in "$RESULTS"/*; do [[ -f $f ]] && cp "$f" "$OUT/"; done
    return 0
}

device_start() {
    set +e
    mkdir -p "$K/py" "$RESULTS"
    local t0=$SECONDS
    (cd .gpukit && sha256sum -c --ignore-missing call1/SHA256SUMS) || { echo "call 1's files are damaged: carry .gpukit/call1 again"; exit 1; }
    tar -xJf .gpukit/call1/svdweb-publish.tar.xz -C "$K" && tar -xJf .gpukit/call1/pysrc.tar.xz -C "$K/py" || exit 1
    cp .gpukit/call1/SHA256SUMS "$K/"
    # The repository files the background jobs read, so that later calls may lay the working tree anew.
    rm -rf "$K/repo" && mkdir -p "$K/repo" && cp -r tools models "$K/repo/"
    device_env
    {
        echo "== $(date -u +%FT%TZ) device-start"
        nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm --format=csv
        nproc; free -g | head -2; df -h /tmp | tail -1
        echo "python $PY; site $SITE"
        echo "LD_LIBRARY_PATH=$LD_LIBRARY_PATH"
        for lib in libcublasLt.so.13 libcublas.so.13 libcudart.so.13 libcurand.so.10 libcudnn.so.9; do
            printf '  %-20s %s\n' "$lib" "$(find ${NVLIBS//:/ } -maxdepth 1 -name "$lib" 2>/dev/null | head -1)"
        done
        ldconfig -p | grep -m1 'libcuda.so.1' || echo "  libcuda.so.1 not in ldconfig (the driver's folder may still be on the loader path)"
        "$PY" -c 'import torch, onnx, diffusers, transformers, huggingface_hub
print("torch", torch.__version__, "cuda", torch.version.cuda, "available", torch.cuda.is_available())
print("onnx", onnx.__version__, "diffusers", diffusers.__version__, "transformers", transformers.__version__, "hub", huggingface_hub.__version__)
try:
    import onnxruntime; print("onnxruntime (python)", onnxruntime.__version__, onnxruntime.get_available_providers())
except ImportError as e: print("onnxruntime (python) missing:", e)'
        "$SVDWEB" models "$K/repo/models/tiny-svd" || true
        echo "unpacked and checked in $((SECONDS - t0)) s"
    } 2>&1 | tee "$RESULTS/env.txt"

    # Background, in its own session so that it outlives this call (device README, Notes):
    #   export: float32 trace on the CPU -> fp16 pack (plain); then a copy whose UNet gets onnxruntime's transformer
    #   optimizer (the fused attention is what keeps the 576x1024x25 UNet's attention memory bounded);
    #   peer: builds the same weights and warms up on the GPU meanwhile, and times once the plain export is done.
    cat > "$K/background.sh" <<'EOF'
set -uo pipefail
cd "$K/repo"
CONFIGS=${GPUKIT_CONFIGS:-tools/bench/svd-xt-random}
(
    t0=$SECONDS
    "$PY" tools/export/export_svd_onnx.py --from-configs "$CONFIGS" --out "$K/pack-plain" --fp16 --no-verify \
        && cp "$CONFIGS/svdweb.json" "$K/pack-plain/" && echo "plain export done in $((SECONDS - t0)) s" \
        || echo "plain export FAILED"
    touch "$K/export-plain.done"
    if [[ -f $K/pack-plain/unet/model.onnx ]]; then
        t1=$SECONDS
        mkdir -p "$K/pack-opt" && cp -al "$K/pack-plain/." "$K/pack-opt/" && rm -rf "$K/pack-opt/unet" && cp -r "$K/pack-plain/unet" "$K/pack-opt/unet"
        "$PY" -c "import sys; sys.path.insert(0, 'tools/export'); import export_svd_onnx as e; e.optimize_unet('$K/pack-opt/unet/model.onnx')" \
            && echo "optimized copy done in $((SECONDS - t1)) s" || { echo "optimize FAILED"; rm -rf "$K/pack-opt"; }
    fi
    du -sh "$K"/pack-*/* 2>/dev/null
    touch "$K/export.done"
) > "$K/results/export.log" 2>&1 &
(
    nvidia-smi --query-gpu=memory.used --format=csv,noheader,nounits -lms 250 > "$K/peer-smi.csv" 2>/dev/null &
    smi=$!
    # shellcheck disable=SC2086
    "$PY" tools/bench/diffusers_peer.py --configs "$CONFIGS" $PEER_ARGS \
        --start-timed-after "$K/export-plain.done" --json "$K/results/peer.json"
    echo "peer exit $?"
    kill $smi 2>/dev/null
    echo "nvidia-smi memory.used peak during the peer process: $(sort -n "$K/peer-smi.csv" | tail -1) MiB (includes the CUDA context)"
    touch "$K/peer.done"
) > "$K/results/peer.txt" 2>&1 &
wait
EOF
    K=$K PY=$PY PEER_ARGS=${GPUKIT_PEER_ARGS:-"--device cuda --dtype fp16 --frames 25 --size 1024x576 --steps 25 --repeat 1"} \
        setsid nohup bash "$K/background.sh" > "$K/background.log" 2>&1 < /dev/null &
    echo "background export + peer started (log: $RESULTS/export.log, $RESULTS/peer.txt)"
    copy_results
}

device_piece() {
    set +e
    mkdir -p "$K/pieces"
    (cd .gpukit && sha256sum -c --ignore-missing "$K/SHA256SUMS" | grep piece-) || echo "a piece is damaged or missing: carry it again"
    local p
    for p in .gpukit/piece-*; do
        [[ -f $p ]] && cp "$p" "$K/pieces/" && echo "took $(basename "$p") ($(stat -c %s "$p") B)"
    done
    tail -n 3 "$RESULTS/export.log" 2>/dev/null | sed 's/^/  export: /'
    tail -n 2 "$RESULTS/peer.txt" 2>/dev/null | sed 's/^/  peer: /'
}

# One svdweb bench run. The main figure is 25 steps; the others are per-step comparisons at fewer steps.
bench_variant() {
    local name=$1 pack=$2
    shift 2
    echo "== $(date -u +%FT%TZ) $name: svdweb bench --model $pack $*"
    local rc=0
    # shellcheck disable=SC2086
    timeout 420 "$SVDWEB" bench --model "$pack" ${GPUKIT_BENCH_ARGS:---device cuda --frames 25 --size 1024x576} --repeat 1 "$@" || rc=$?
    echo "exit $rc"
}

run_variant() {
    local v=$1 pack=$2 steps=${1##*-}
    case $v in
        device-heuristic-*) bench_variant "$v" "$pack" --steps "$steps" --loop device --cudnn-conv-algo-search HEURISTIC ;;
        # The same run without CUDA graphs: the pair measures what capturing the UNet saves per step.
        nographs-device-heuristic-*) bench_variant "$v" "$pack" --steps "$steps" --loop device --cudnn-conv-algo-search HEURISTIC --cuda-graphs off ;;
        device-exhaustive-*) bench_variant "$v" "$pack" --steps "$steps" --loop device --cudnn-conv-algo-search EXHAUSTIVE ;;
        host-heuristic-*) bench_variant "$v" "$pack" --steps "$steps" --loop host --cudnn-conv-algo-search HEURISTIC ;;
        plain-device-heuristic-*) bench_variant "$v" "$K/pack-plain" --steps "$steps" --loop device --cudnn-conv-algo-search HEURISTIC ;;
        *) echo "unknown variant $v" ;;
    esac
}

device_bench() {
    set +e
    device_env
    mkdir -p "$RESULTS"
    local t0=$SECONDS deadline=${DEADLINE_S:-560}
    {
        if [[ ! -f $K/svdweb/libonnxruntime_providers_cuda.so ]]; then
            local want got
            want=$(awk '/libonnxruntime_providers_cuda.so/ {print $1}' "$K/SHA256SUMS")
            cat "$K"/pieces/piece-* | xz -dc -T0 > "$K/svdweb/libonnxruntime_providers_cuda.so"
            got=$(sha256sum < "$K/svdweb/libonnxruntime_providers_cuda.so" | cut -d' ' -f1)
            echo "provider reassembled in $((SECONDS - t0)) s: sha256 $got ($([[ $got == "$want" ]] && echo matches || echo "MISMATCH, want $want"))"
            ldd "$K/svdweb/libonnxruntime_providers_cuda.so" | grep -E 'not found|cublas|cudart|curand|libcuda\.'
        fi
        echo "waiting for the background export and peer ..."
        while [[ ! -f $K/export.done || ! -f $K/peer.done ]] && ((SECONDS - t0 < deadline - 150)); do sleep 5; done
        grep -E 'done in|FAILED|Error|pack written' "$RESULTS/export.log" | tail -n 6
        [[ -f $K/peer.done ]] && tail -n 16 "$RESULTS/peer.txt" || echo "peer still running"
        if [[ ! -f $K/done-smoke ]]; then  # after the peer, so that nothing else is on the GPU while it is timed
            echo "== smoke: the tiny pack on CUDA"
            timeout 120 "$SVDWEB" bench --model "$K/repo/models/tiny-svd" --device cuda --steps 2 --repeat 1 2>&1 | tail -n 14
            touch "$K/done-smoke"
        fi
    } 2>&1 | tee -a "$RESULTS/bench-setup.txt"

    local pack=$K/pack-opt
    [[ -f $pack/unet/model.onnx && ! -f $K/use-plain ]] || pack=$K/pack-plain
    # Variants in order of need; each is skipped (and left for the next device-bench call) when it cannot finish
    # before the call's deadline. Estimates in seconds: session creation + 1-step warm-up + one timed run.
    local -a variants=("$@")
    ((${#variants[@]})) || variants=(device-heuristic-25 nographs-device-heuristic-5 device-exhaustive-5 host-heuristic-5)
    local v est steps
    for v in "${variants[@]}"; do
        [[ -f $K/done-$v ]] && continue
        steps=${v##*-}
        est=$((90 + steps * 3))
        [[ $v == *exhaustive* ]] && est=$((est + 60))
        if ((SECONDS - t0 + est > deadline)); then
            echo "skipped $v (about $est s; $((deadline - SECONDS + t0)) s left in this call): run device-bench again" | tee -a "$RESULTS/bench-setup.txt"
            continue
        fi
        run_variant "$v" "$pack" > "$RESULTS/bench-$v.txt" 2>&1
        if ! grep -q '^exit 0$' "$RESULTS/bench-$v.txt" && [[ $pack == "$K/pack-opt" && -f $K/pack-plain/unet/model.onnx ]] &&
            ((SECONDS - t0 + est <= deadline)); then
            # The optimizer's fused operators are the least tried part: keep the figures coming from the plain pack.
            pack=$K/pack-plain
            touch "$K/use-plain"
            echo "== the optimized pack failed; this and the remaining variants use $pack" >> "$RESULTS/bench-$v.txt"
            run_variant "$v" "$pack" >> "$RESULTS/bench-$v.txt" 2>&1
        fi
        tail -n 22 "$RESULTS/bench-$v.txt"
        touch "$K/done-$v"
    done
    echo "device-bench call took $((SECONDS - t0)) s"
    copy_results
}

case ${1:-} in
    prepare) shift; prepare "$@" ;;
    plan) shift; plan "$@" ;;
    device-start) device_start ;;
    device-piece) device_piece ;;
    device-bench) shift; device_bench "$@" ;;
    *) sed -n '2,13p' "$0"; exit 2 ;;
esac
