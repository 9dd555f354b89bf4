#!/usr/bin/env python3
"""The diffusers peer of `svdweb bench`: StableVideoDiffusionPipeline on the same random-weight model, same recipe.

The networks are built from a pack's configs exactly as tools/export/export_svd_onnx.py does in --from-configs mode
(each one created on the CPU in float32 right after torch.manual_seed(seed), same default seeds 0 / 1 / 2), so the
ONNX pack exported from the same folder and this pipeline hold identical weights (--check-pack compares them). Then
they are cast to --dtype and moved to --device, and the pipeline runs the recipe of src/SvdWeb.Cli/Commands/
BenchCommand.cs: its gradient image at the output size, seed 42, 25 steps, guidance 1.0 -> 3.0, fps 7, motion 127,
noise_aug_strength 0.02, every frame decoded at once unless --decode-chunk-size says otherwise. One warm-up run
(1 step, as svdweb bench does) is followed by --repeat timed runs.

Per-stage times are taken with torch.cuda.synchronize() around each stage (wrapped pipeline methods and UNet hooks):
  image encoder   pipe._encode_image: CLIP preprocessing (antialiased resize, CLIPImageProcessor) + CLIP forward
  VAE encode      pipe._encode_vae_image (the VAE encoder; float32 when force_upcast, as diffusers runs it)
  UNet step       one denoising step: UNet call (batch 2 with CFG) + guidance + Euler step, from callback_on_step_end
  UNet forward    the UNet call alone
  decode          pipe.decode_latents (every chunk), and per chunk
  total           the whole pipe() call, output_type="np" (the frames as float arrays on the host)
Peak memory: torch.cuda.max_memory_allocated / max_memory_reserved of the timed runs (CUDA), peak RSS (CPU).

Run on a GPU machine (torch 2.x) with diffusers v0.31.0, transformers 4.45 and huggingface_hub 0.26 sources on
PYTHONPATH (tools/bench/gpu_session.sh sets that up), e.g.:
    python3 tools/bench/diffusers_peer.py --configs tools/bench/svd-xt-random --device cuda --dtype fp16 \
        --frames 25 --size 1024x576 --steps 25 --repeat 1
On a CPU (the tests' tiny configs):
    python3 tools/bench/diffusers_peer.py --configs models/tiny-svd --device cpu --dtype fp32 --steps 3 \
        --check-pack models/tiny-svd
"""

import argparse
import json
import os
import platform
import resource
import sys
import time

import numpy as np
import torch
from PIL import Image

from diffusers import (
    AutoencoderKLTemporalDecoder,
    EulerDiscreteScheduler,
    StableVideoDiffusionPipeline,
    UNetSpatioTemporalConditionModel,
)
from transformers import CLIPImageProcessor, CLIPVisionConfig, CLIPVisionModelWithProjection

# The export tool's torch 1.13 workaround, shared so both sides run the networks the same way.
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "export"))
from export_svd_onnx import torch113_baddbmm_fix  # noqa: E402

DTYPES = {"fp16": torch.float16, "fp32": torch.float32, "bf16": torch.bfloat16}


def build_models(configs, seed_unet, seed_vae, seed_image_encoder):
    """The export tool's --from-configs build_models, line for line: float32, on the CPU, seeded per network."""
    unet_cfg = UNetSpatioTemporalConditionModel.load_config(os.path.join(configs, "unet"))
    vae_cfg = AutoencoderKLTemporalDecoder.load_config(os.path.join(configs, "vae"))
    clip_cfg = CLIPVisionConfig.from_pretrained(os.path.join(configs, "image_encoder"))
    torch.manual_seed(seed_unet)
    unet = UNetSpatioTemporalConditionModel.from_config(unet_cfg)
    torch.manual_seed(seed_vae)
    vae = AutoencoderKLTemporalDecoder.from_config(vae_cfg)
    torch.manual_seed(seed_image_encoder)
    image_encoder = CLIPVisionModelWithProjection(clip_cfg)
    return unet.float().eval(), vae.float().eval(), image_encoder.float().eval()


def check_pack(pack, modules):
    """Compares every named ONNX initializer of the pack (unet.*, vae.*, image_encoder.*) with the torch parameter or
    buffer of the same name, cast to the initializer's dtype. Unnamed initializers (onnx::MatMul_N, transposed copies
    made by the exporter) are skipped. Returns the number of mismatches."""
    import onnx
    from onnx import numpy_helper

    bad = 0
    for graph, prefix, module in (
        ("unet", "unet.", modules["unet"]),
        ("vae_encoder", "vae.", modules["vae"]),
        ("vae_decoder", "vae.", modules["vae"]),
        ("image_encoder", "image_encoder.", modules["image_encoder"]),
    ):
        tensors = dict(module.state_dict())
        model = onnx.load(os.path.join(pack, graph, "model.onnx"))  # external data (model.onnx_data) is loaded too
        same = differ = 0
        for init in model.graph.initializer:
            if not init.name.startswith(prefix) or init.name[len(prefix):] not in tensors:
                continue
            got = numpy_helper.to_array(init)
            want = tensors[init.name[len(prefix):]].detach().cpu().numpy().astype(got.dtype)
            if got.shape == want.shape and np.array_equal(got, want):
                same += 1
            else:
                differ += 1
                if differ <= 3:
                    print(f"  {graph}: {init.name} differs (onnx {got.dtype}{list(got.shape)}, torch {list(want.shape)})")
        print(f"check-pack {graph:13s}: {same} named initializers equal to the torch weights, {differ} differ")
        bad += differ + (1 if same == 0 else 0)
    return bad


def gradient(width, height):
    """BenchCommand.Gradient: R = x*255/(W-1), G = y*255/(H-1) (integer division), B = 128."""
    x = np.arange(width, dtype=np.int64) * 255 // max(1, width - 1)
    y = np.arange(height, dtype=np.int64) * 255 // max(1, height - 1)
    rgb = np.empty((height, width, 3), dtype=np.uint8)
    rgb[..., 0] = x[None, :]
    rgb[..., 1] = y[:, None]
    rgb[..., 2] = 128
    return Image.fromarray(rgb, "RGB")


class StageTimer:
    """Wraps the pipeline's stage methods and hooks the UNet and the VAE decoder; every mark synchronizes the device."""

    def __init__(self, pipe, device):
        self.cuda = device.type == "cuda"
        self.reset()
        for name in ("_encode_image", "_encode_vae_image", "decode_latents"):
            setattr(pipe, name, self._timed(name, getattr(pipe, name)))
        pipe.unet.register_forward_pre_hook(lambda m, a: self._unet_start())
        pipe.unet.register_forward_hook(lambda m, a, o: self._unet_end())
        pipe.vae.decoder.register_forward_pre_hook(lambda m, a: self._mark("chunk_start"))
        pipe.vae.decoder.register_forward_hook(lambda m, a, o: self._chunk_end())

    def reset(self):
        self.times = {"_encode_image": [], "_encode_vae_image": [], "decode_latents": []}
        self.unet_forward, self.steps, self.chunks = [], [], []
        self.step_start = self.unet_start = self.chunk_start = None

    def now(self):
        if self.cuda:
            torch.cuda.synchronize()
        return time.perf_counter()

    def _mark(self, name):
        setattr(self, name, self.now())

    def _timed(self, name, fn):
        def run(*args, **kwargs):
            start = self.now()
            result = fn(*args, **kwargs)
            self.times[name].append(self.now() - start)
            return result

        return run

    def _unet_start(self):
        t = self.now()
        self.unet_start = t
        if self.step_start is None:  # the first step starts at its UNet call; later ones where the last one ended
            self.step_start = t

    def _unet_end(self):
        self.unet_forward.append(self.now() - self.unet_start)

    def _chunk_end(self):
        self.chunks.append(self.now() - self.chunk_start)

    def on_step_end(self, pipe, step, timestep, callback_kwargs):
        t = self.now()
        self.steps.append(t - self.step_start)
        self.step_start = t
        return callback_kwargs


def peak_rss_mib():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # Linux reports KiB


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--configs", required=True, help="folder with unet/, vae/, image_encoder/, feature_extractor/, scheduler/ configs")
    parser.add_argument("--device", choices=["cuda", "cpu"], default="cuda")
    parser.add_argument("--dtype", choices=sorted(DTYPES), default="fp16")
    parser.add_argument("--frames", type=int, help="frames per video (default: the UNet's num_frames)")
    parser.add_argument("--size", help="WIDTHxHEIGHT (default: the pack's svdweb.json, else 1024x576)")
    parser.add_argument("--steps", type=int, default=25)
    parser.add_argument("--decode-chunk-size", type=int, help="frames decoded at once (default: all, as svdweb bench)")
    parser.add_argument("--repeat", type=int, default=3, help="timed runs after the warm-up (default 3, as svdweb bench)")
    parser.add_argument("--warmup-steps", type=int, default=1, help="steps of the warm-up run (default 1, as svdweb bench; 0: none)")
    parser.add_argument("--seed", type=int, default=42, help="generator seed (default 42, as svdweb bench)")
    parser.add_argument("--seed-unet", type=int, default=0)
    parser.add_argument("--seed-vae", type=int, default=1)
    parser.add_argument("--seed-image-encoder", type=int, default=2)
    parser.add_argument("--image", help="input image file instead of BenchCommand's gradient (stretched to --size)")
    parser.add_argument("--save-image", help="write the input image used (PNG) here")
    parser.add_argument("--check-pack", help="an ONNX pack exported from the same configs: compare its weights with these")
    parser.add_argument("--threads", type=int, default=0, help="torch CPU threads (0: torch's default)")
    parser.add_argument(
        "--start-timed-after", metavar="FILE",
        help="build, load and warm up at once, but wait for FILE to exist before the timed runs (the GPU kit starts "
        "this while the ONNX export still runs on the CPU, and times only once it has finished)",
    )
    parser.add_argument("--json", help="write the results as JSON here")
    parser.add_argument(
        "--save-frames", metavar="DIR",
        help="write the last run's frames here as frame_0000.png, ... (8-bit as diffusers' output_type='pil' makes them), "
        "to compare with svdweb generate --frames-dir",
    )
    args = parser.parse_args(argv)

    device, dtype = torch.device(args.device), DTYPES[args.dtype]
    if device.type == "cuda" and not torch.cuda.is_available():
        parser.error("--device cuda, but torch.cuda.is_available() is False")
    if args.repeat < 1:
        parser.error(f"--repeat must be at least 1, but is {args.repeat}")
    if args.threads:
        torch.set_num_threads(args.threads)

    settings_path = os.path.join(args.configs, "svdweb.json")
    settings = json.load(open(settings_path)) if os.path.isfile(settings_path) else {}
    if args.size:
        width, height = (int(v) for v in args.size.lower().split("x"))
    else:
        width, height = settings.get("default_width", 1024), settings.get("default_height", 576)

    import diffusers
    import transformers

    print(
        f"torch {torch.__version__}, diffusers {diffusers.__version__}, transformers {transformers.__version__}, "
        f"python {platform.python_version()}"
    )
    if device.type == "cuda":
        print(f"device: {torch.cuda.get_device_name(device)}, CUDA {torch.version.cuda}, cuDNN {torch.backends.cudnn.version()}")

    t0 = time.perf_counter()
    unet, vae, image_encoder = build_models(args.configs, args.seed_unet, args.seed_vae, args.seed_image_encoder)
    build_s = time.perf_counter() - t0
    params = {n: sum(p.numel() for p in m.parameters()) for n, m in (("unet", unet), ("vae", vae), ("image_encoder", image_encoder))}
    print(
        f"built from {args.configs} in {build_s:.1f} s (seeds unet {args.seed_unet}, vae {args.seed_vae}, "
        f"image encoder {args.seed_image_encoder}): parameters "
        + ", ".join(f"{n} {c / 1e6:.1f} M" for n, c in params.items())
    )
    if args.check_pack:
        bad = check_pack(args.check_pack, {"unet": unet, "vae": vae, "image_encoder": image_encoder})
        if bad:
            print(f"check-pack: the weights of {args.check_pack} are NOT those built here", file=sys.stderr)
            return 1

    t0 = time.perf_counter()
    pipe = StableVideoDiffusionPipeline(
        vae=vae,
        image_encoder=image_encoder,
        unet=unet,
        scheduler=EulerDiscreteScheduler.from_pretrained(os.path.join(args.configs, "scheduler")),
        feature_extractor=CLIPImageProcessor.from_pretrained(os.path.join(args.configs, "feature_extractor")),
    )
    pipe = pipe.to(device=device, dtype=dtype)
    pipe.set_progress_bar_config(disable=True)
    if device.type == "cuda":
        torch.cuda.synchronize()
    load_s = time.perf_counter() - t0
    weights_mib = torch.cuda.memory_allocated(device) / 2**20 if device.type == "cuda" else None
    processors = sorted({type(p).__name__ for p in pipe.unet.attn_processors.values()})
    print(f"moved to {device} as {dtype} in {load_s:.1f} s" + (f", {weights_mib:.0f} MiB allocated" if weights_mib else "") + f"; UNet attention: {', '.join(processors)}")

    image = Image.open(args.image).convert("RGB").resize((width, height), Image.LANCZOS) if args.image else gradient(width, height)
    if args.save_image:
        image.save(args.save_image)
    frames = args.frames or pipe.unet.config.num_frames
    chunk = args.decode_chunk_size or frames
    recipe = dict(
        height=height, width=width, num_frames=frames, min_guidance_scale=1.0, max_guidance_scale=3.0, fps=7,
        motion_bucket_id=127, noise_aug_strength=0.02, decode_chunk_size=chunk, output_type="np",
    )
    print(f"{frames} frames, {width}x{height}, {args.steps} steps, CFG on (UNet batch 2), decode chunk {chunk}, seed {args.seed}, {args.repeat} timed run(s)")

    timer = StageTimer(pipe, device)

    def run(steps):
        timer.reset()
        start = timer.now()
        with torch.inference_mode(), torch113_baddbmm_fix():
            out = pipe(
                image, num_inference_steps=steps, generator=torch.manual_seed(args.seed),
                callback_on_step_end=timer.on_step_end, **recipe,
            ).frames
        total = timer.now() - start
        return total, out

    warm_s = 0.0
    if args.warmup_steps > 0:
        warm_s, _ = run(args.warmup_steps)
        print(f"warm-up ({args.warmup_steps} step(s)): {warm_s * 1000:.0f} ms")

    if args.start_timed_after and not os.path.exists(args.start_timed_after):
        print(f"waiting for {args.start_timed_after} before the timed runs", flush=True)
        waited = time.perf_counter()
        while not os.path.exists(args.start_timed_after):
            time.sleep(2)
        print(f"  waited {time.perf_counter() - waited:.0f} s", flush=True)

    if device.type == "cuda":
        torch.cuda.reset_peak_memory_stats(device)
    runs = []
    for r in range(args.repeat):
        total, out = run(args.steps)
        runs.append(
            dict(
                total=total, image_encoder=sum(timer.times["_encode_image"]), vae_encode=sum(timer.times["_encode_vae_image"]),
                decode=sum(timer.times["decode_latents"]), steps=list(timer.steps), unet_forward=list(timer.unet_forward),
                chunks=list(timer.chunks),
            )
        )
        print(f"run {r + 1}: {total * 1000:.0f} ms, frames {tuple(np.asarray(out).shape)}, finite {bool(np.isfinite(np.asarray(out)).all())}")

    if args.save_frames:
        os.makedirs(args.save_frames, exist_ok=True)
        video = np.asarray(out)[0]  # [F, H, W, 3] floats in [0, 1]
        # diffusers' VaeImageProcessor.numpy_to_pil: (images * 255).round() as uint8.
        for f, frame in enumerate((video * 255).round().astype("uint8")):
            Image.fromarray(frame, "RGB").save(os.path.join(args.save_frames, f"frame_{f:04d}.png"))
        print(f"frames written to {args.save_frames}")

    def ms(values):
        values = [v * 1000 for v in values]
        return f"{np.mean(values):10.1f} {np.min(values):10.1f}"

    steps = [s for r in runs for s in r["steps"]]
    forwards = [s for r in runs for s in r["unet_forward"]]
    chunks = [s for r in runs for s in r["chunks"]]
    print()
    print("stage                    mean ms     min ms")
    print(f"image encoder         {ms(r['image_encoder'] for r in runs)}")
    print(f"VAE encode            {ms(r['vae_encode'] for r in runs)}")
    print(f"UNet step             {ms(steps)}")
    print(f"UNet forward          {ms(forwards)}")
    print(f"decode (all chunks)   {ms(r['decode'] for r in runs)}")
    print(f"decode per chunk      {ms(chunks)}")
    print(f"total                 {ms(r['total'] for r in runs)}")
    print()
    memory = {"peak_rss_mib": peak_rss_mib()}
    if device.type == "cuda":
        memory.update(
            weights_mib=weights_mib,
            max_allocated_mib=torch.cuda.max_memory_allocated(device) / 2**20,
            max_reserved_mib=torch.cuda.max_memory_reserved(device) / 2**20,
        )
        print(
            f"peak GPU memory (timed runs): {memory['max_allocated_mib']:.0f} MiB allocated, "
            f"{memory['max_reserved_mib']:.0f} MiB reserved (torch.cuda.max_memory_*; weights {weights_mib:.0f} MiB)"
        )
    else:
        print("peak GPU memory: n/a (CPU run)")
    print(f"peak RSS: {memory['peak_rss_mib']:.0f} MiB")

    if args.json:
        with open(args.json, "w") as f:
            json.dump(
                dict(
                    torch=torch.__version__, diffusers=diffusers.__version__, device=str(device), dtype=args.dtype,
                    gpu=torch.cuda.get_device_name(device) if device.type == "cuda" else None,
                    frames=frames, width=width, height=height, steps=args.steps, decode_chunk_size=chunk,
                    parameters=params, build_s=build_s, load_s=load_s, warmup_s=warm_s, runs=runs, memory=memory,
                ),
                f,
                indent=1,
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
