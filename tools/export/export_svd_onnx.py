#!/usr/bin/env python3
"""Export a diffusers Stable Video Diffusion checkpoint to an SvdWeb ONNX model pack.

The pack layout and the graph I/O are the contract of src/SvdWeb.Inference/README.md section 3:

    image_encoder/model.onnx  pixel_values [B,3,224,224]          -> image_embeds [B,P]
    vae_encoder/model.onnx    sample [B,3,H,W]                    -> latent [B,4,h,w]  (latent_dist.mode(), unscaled)
    vae_decoder/model.onnx    latent_sample [N,4,h,w]             -> sample [N,3,H,W]  (the N frames are one clip)
    unet/model.onnx           sample [B,F,8,h,w], timestep [B],
                              encoder_hidden_states [B,1,P],
                              added_time_ids [B,3]                -> out_sample [B,F,4,h,w]

plus model_index.json and every component config copied unchanged.

Two sources:
  --checkpoint DIR     a diffusers checkpoint folder (e.g. stable-video-diffusion-img2vid-xt). Weights are read from
                       .safetensors (parsed here, the safetensors package is not needed) or .bin files.
  --from-configs DIR   random weights built from the configs in DIR, each network created right after
                       torch.manual_seed(seed). This is how the tests' pack models/tiny-svd was made:
                       --from-configs models/tiny-svd --seed-unet 0 --seed-vae 1 --seed-image-encoder 2

torch 1.13 cannot export two things the SVD models use; both are patched here at export time only (library code is
not edited): aten::broadcast_to is exported with the aten::expand symbolic, and the UNet's
repeat_interleave(num_frames, dim=0) is traced as unsqueeze/expand/reshape so that no later Reshape keeps the export
time B*F as a constant.

--fp16 converts the exported float32 graphs to float16 at the ONNX level (torch 1.13 has no float16 kernels on the
CPU, so a half model cannot be traced there). The conversion keeps what diffusers keeps in float32: the UNet's
sinusoidal embeddings of the timestep and of the added time ids (diffusers computes both in float32 and casts to the
model dtype before the first Linear), the timestep input (diffusers feeds it float32), Resize scales, and the whole VAE
encoder when the VAE config has force_upcast.
"""

import argparse
import contextlib
import inspect
import json
import mmap
import os
import shutil
import sys
import tempfile
import time

import numpy as np
import onnx
import torch
from onnx import TensorProto, helper, numpy_helper

from diffusers import AutoencoderKLTemporalDecoder, UNetSpatioTemporalConditionModel

TWO_GB = 2**31

# ---------------------------------------------------------------------------------------------------------------------
# Weights


SAFETENSORS_DTYPES = {
    "F64": torch.float64,
    "F32": torch.float32,
    "F16": torch.float16,
    "BF16": torch.bfloat16,
    "I64": torch.int64,
    "I32": torch.int32,
    "I16": torch.int16,
    "I8": torch.int8,
    "U8": torch.uint8,
    "BOOL": torch.bool,
}


def read_safetensors(path):
    """Reads a .safetensors file: an 8-byte little-endian header length, a JSON header, then the raw tensors."""
    state = {}
    with open(path, "rb") as f:
        header_len = int.from_bytes(f.read(8), "little")
        header = json.loads(f.read(header_len))
        data_start = 8 + header_len
        with mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as mm:
            for name, info in header.items():
                if name == "__metadata__":
                    continue
                dtype = SAFETENSORS_DTYPES[info["dtype"]]
                begin, end = info["data_offsets"]
                raw = bytearray(mm[data_start + begin : data_start + end])
                tensor = torch.frombuffer(raw, dtype=dtype) if raw else torch.empty(0, dtype=dtype)
                state[name] = tensor.reshape(info["shape"])
    return state


def find_weight_files(folder, stem):
    """The weight files of one component: full precision first, then the fp16 variant; sharded or not."""
    for variant in ("", ".fp16"):
        for ext in (".safetensors", ".bin"):
            single = os.path.join(folder, f"{stem}{variant}{ext}")
            if os.path.isfile(single):
                return [single]
            index = os.path.join(folder, f"{stem}{variant}{ext}.index.json")
            if os.path.isfile(index):
                with open(index) as f:
                    shards = sorted(set(json.load(f)["weight_map"].values()))
                return [os.path.join(folder, s) for s in shards]
    raise FileNotFoundError(f"no {stem}[.fp16].safetensors or .bin (or a sharded index) in {folder}")


def load_weights(module, folder, stem):
    state = {}
    for path in find_weight_files(folder, stem):
        print(f"  reading {path}")
        if path.endswith(".safetensors"):
            state.update(read_safetensors(path))
        else:
            state.update(torch.load(path, map_location="cpu"))
    state = {k: v.float() if v.is_floating_point() else v for k, v in state.items()}
    # transformers' CLIP checkpoints may carry the position_ids buffer, which this transformers version does not persist
    expected = set(module.state_dict().keys())
    unexpected = [k for k in state if k not in expected]
    if unexpected and all(k.endswith("position_ids") for k in unexpected):
        for k in unexpected:
            del state[k]
    module.load_state_dict(state, strict=True)


def read_json(path):
    with open(path) as f:
        return json.load(f)


def build_models(args, components):
    """Returns (unet, vae, image_encoder, source folder), all float32, eval mode, on the CPU; None for a network that no
    requested component needs. The seeds are applied as always, so --components unet gives the same UNet weights as a
    full --from-configs export."""
    src = args.checkpoint or args.from_configs
    unet = vae = image_encoder = None
    if "unet" in components:
        if args.from_configs:
            torch.manual_seed(args.seed_unet)
        unet = UNetSpatioTemporalConditionModel.from_config(UNetSpatioTemporalConditionModel.load_config(os.path.join(src, "unet")))
    if components & {"vae_encoder", "vae_decoder"}:
        if args.from_configs:
            torch.manual_seed(args.seed_vae)
        vae = AutoencoderKLTemporalDecoder.from_config(AutoencoderKLTemporalDecoder.load_config(os.path.join(src, "vae")))
    if "image_encoder" in components:
        # Imported only when needed: a UNet or VAE export runs without transformers installed.
        from transformers import CLIPVisionConfig, CLIPVisionModelWithProjection

        if args.from_configs:
            torch.manual_seed(args.seed_image_encoder)
        image_encoder = CLIPVisionModelWithProjection(CLIPVisionConfig.from_pretrained(os.path.join(src, "image_encoder")))

    if args.checkpoint:
        if unet is not None:
            load_weights(unet, os.path.join(src, "unet"), "diffusion_pytorch_model")
        if vae is not None:
            load_weights(vae, os.path.join(src, "vae"), "diffusion_pytorch_model")
        if image_encoder is not None:
            load_weights(image_encoder, os.path.join(src, "image_encoder"), "model")
    return tuple(m.float().eval() if m is not None else None for m in (unet, vae, image_encoder)) + (src,)


# ---------------------------------------------------------------------------------------------------------------------
# The four graphs


class ImageEncoder(torch.nn.Module):
    def __init__(self, image_encoder):
        super().__init__()
        self.image_encoder = image_encoder

    def forward(self, pixel_values):
        return self.image_encoder(pixel_values).image_embeds


class VaeEncoder(torch.nn.Module):
    def __init__(self, vae):
        super().__init__()
        self.vae = vae

    def forward(self, sample):
        # the mean of the diagonal Gaussian, not scaled by scaling_factor
        return self.vae.encode(sample).latent_dist.mode()


class VaeDecoder(torch.nn.Module):
    def __init__(self, vae):
        super().__init__()
        self.vae = vae

    def forward(self, latent_sample):
        # the N frames are decoded as one clip: num_frames = N
        return self.vae.decode(latent_sample, num_frames=latent_sample.shape[0]).sample


class UNet(torch.nn.Module):
    def __init__(self, unet):
        super().__init__()
        self.unet = unet

    def forward(self, sample, timestep, encoder_hidden_states, added_time_ids):
        return self.unet(sample, timestep, encoder_hidden_states, added_time_ids, return_dict=False)[0]


def export_inputs(unet_cfg, vae_cfg, clip_cfg):
    """Small export inputs; every dynamic axis gets a distinct size so that no axis is traced as another's alias."""
    latent_ch = vae_cfg["latent_channels"]
    down = 2 ** (len(unet_cfg["block_out_channels"]) - 1)  # the latent side must be a multiple of this
    h, w = 3 * down, 5 * down
    if h == w:
        w += down
    f = 3 if unet_cfg.get("num_frames") != 3 else 4
    b = 2
    embed = unet_cfg["cross_attention_dim"]
    return {
        "image_encoder": (torch.rand(3, 3, clip_cfg.image_size, clip_cfg.image_size) * 2 - 1,),
        "vae_encoder": (torch.rand(1, 3, 8 * h, 8 * w) * 2 - 1,),
        "vae_decoder": (torch.randn(f, latent_ch, h, w),),
        "unet": (
            torch.randn(b, f, unet_cfg["in_channels"], h, w),
            torch.tensor([0.5, 1.25])[:b],
            torch.randn(b, 1, embed),
            torch.tensor([[6.0, 127.0, 0.02], [11.0, 180.0, 0.1]])[:b],
        ),
    }


GRAPHS = {
    "image_encoder": (["pixel_values"], ["image_embeds"], {"pixel_values": {0: "B"}, "image_embeds": {0: "B"}}),
    "vae_encoder": (
        ["sample"],
        ["latent"],
        {"sample": {0: "B", 2: "H", 3: "W"}, "latent": {0: "B", 2: "h", 3: "w"}},
    ),
    "vae_decoder": (
        ["latent_sample"],
        ["sample"],
        {"latent_sample": {0: "N", 2: "h", 3: "w"}, "sample": {0: "N", 2: "H", 3: "W"}},
    ),
    "unet": (
        ["sample", "timestep", "encoder_hidden_states", "added_time_ids"],
        ["out_sample"],
        {
            "sample": {0: "B", 1: "F", 3: "h", 4: "w"},
            "timestep": {0: "B"},
            "encoder_hidden_states": {0: "B"},
            "added_time_ids": {0: "B"},
            "out_sample": {0: "B", 1: "F", 3: "h", 4: "w"},
        },
    ),
}


# ---------------------------------------------------------------------------------------------------------------------
# Fused attention
#
# Traced as written, every attention becomes MatMul -> Softmax -> MatMul, and ONNX Runtime then keeps the whole score
# matrix: at SVD-XT's 576x1024, 25 frames and guidance, one top-level spatial map is [2*25*5 heads, 9216, 9216], 42 GB
# in float16. ONNX Runtime's com.microsoft MultiHeadAttention takes Q, K, V as [batch, tokens, heads*head_dim] and has
# flash / memory-efficient kernels on CUDA (and a kernel on the CPU), so the export emits that op for every attention
# itself: a torch.autograd.Function whose forward computes the same attention for tracing and whose symbolic writes
# the fused node. Nothing here needs Python onnxruntime.

MS_DOMAIN = "com.microsoft"


class FusedMultiHeadAttention(torch.autograd.Function):
    """softmax(scale * Q K^T) V over num_heads heads; exported as one com.microsoft MultiHeadAttention node.

    query [B, S, heads*d], key [B, L, heads*d], value [B, L, heads*dv] -> [B, S, heads*dv]; out_dim = heads*dv, the
    static size the exporter's shape inference needs downstream."""

    @staticmethod
    def forward(ctx, query, key, value, num_heads, scale, out_dim):
        b, s, _ = query.shape
        length = key.shape[1]
        # [B, S, heads*d] -> [B, heads, S, d]
        q = query.reshape(b, s, num_heads, -1).transpose(1, 2)
        k = key.reshape(b, length, num_heads, -1).transpose(1, 2)
        v = value.reshape(b, length, num_heads, -1).transpose(1, 2)
        probs = (torch.matmul(q, k.transpose(-1, -2)) * scale).float().softmax(dim=-1).to(query.dtype)
        # [B, heads, S, dv] -> [B, S, heads*dv]
        return torch.matmul(probs, v).transpose(1, 2).reshape(b, s, -1)

    @staticmethod
    def symbolic(g, query, key, value, num_heads, scale, out_dim):
        out = g.op(f"{MS_DOMAIN}::MultiHeadAttention", query, key, value, num_heads_i=num_heads, scale_f=scale)
        # batch and tokens left open (a traced size would pin the export-time counts into the graph's value_info); the
        # hidden size is static and later shapes need it (the UNet's out_sample channels are inferred from it)
        out.setType(query.type().with_sizes([None, None, out_dim]))
        return out


class FusedAttnProcessor:
    """diffusers' AttnProcessor (attention_processor.py, class AttnProcessor) with get_attention_scores + bmm replaced by
    one fused op. Covers what SVD's UNet uses (3-D hidden states, no mask, no group/spatial/cross norm); anything else
    is refused rather than exported wrongly."""

    def __call__(self, attn, hidden_states, encoder_hidden_states=None, attention_mask=None, temb=None, *args, **kwargs):
        if attention_mask is not None or attn.spatial_norm is not None or attn.group_norm is not None or hidden_states.ndim != 3:
            raise NotImplementedError("fused export covers unmasked 3-D attention without group/spatial norm (SVD's UNet)")
        if getattr(attn, "norm_q", None) is not None or getattr(attn, "norm_k", None) is not None:
            raise NotImplementedError("fused export does not cover q/k normalisation")
        residual = hidden_states
        query = attn.to_q(hidden_states)
        if encoder_hidden_states is None:
            encoder_hidden_states = hidden_states
        elif attn.norm_cross:
            encoder_hidden_states = attn.norm_encoder_hidden_states(encoder_hidden_states)
        key = attn.to_k(encoder_hidden_states)
        value = attn.to_v(encoder_hidden_states)
        hidden_states = FusedMultiHeadAttention.apply(query, key, value, attn.heads, float(attn.scale), int(value.shape[-1]))
        hidden_states = attn.to_out[0](hidden_states)
        hidden_states = attn.to_out[1](hidden_states)
        if attn.residual_connection:
            hidden_states = hidden_states + residual
        return hidden_states / attn.rescale_output_factor


def fused_clip_attention_forward(self, hidden_states, attention_mask=None, causal_attention_mask=None, output_attentions=False, **kwargs):
    """transformers' CLIPAttention.forward (models/clip/modeling_clip.py) with bmm -> softmax -> bmm as one fused op.
    The vision tower passes no masks; a mask or output_attentions is refused rather than exported wrongly."""
    if attention_mask is not None or causal_attention_mask is not None or output_attentions:
        raise NotImplementedError("fused CLIP export covers the unmasked vision tower without output_attentions")
    # CLIPAttention multiplies q by self.scale before Q K^T, where diffusers' processors scale Q K^T. The scale stays
    # where CLIP has it and the fused node's is 1, so that SvdWeb's CPU decomposition (Q K^T times the node's scale)
    # rounds as transformers does: times 1 is exact. On CUDA the value is the same either way.
    query = self.q_proj(hidden_states) * self.scale
    key = self.k_proj(hidden_states)
    value = self.v_proj(hidden_states)
    out = FusedMultiHeadAttention.apply(query, key, value, self.num_heads, 1.0, int(value.shape[-1]))
    return self.out_proj(out), None


@contextlib.contextmanager
def fused_attention(module):
    """Within the block, every attention of `module` (diffusers Attention processors, transformers CLIPAttention
    forwards) runs through FusedMultiHeadAttention; afterwards the module is as it was."""
    restore = []
    for sub in module.modules():
        if hasattr(sub, "attn_processors") and hasattr(sub, "set_attn_processor"):
            # the diffusers model inside the export wrapper: set_attn_processor reaches every Attention below it
            original = sub.attn_processors
            sub.set_attn_processor(FusedAttnProcessor())
            restore.append(lambda sub=sub, original=original: sub.set_attn_processor(original))
            break
    for sub in module.modules():
        if type(sub).__name__.startswith("CLIP") and type(sub).__name__.endswith("Attention") and hasattr(sub, "q_proj"):
            sub.forward = fused_clip_attention_forward.__get__(sub)
            restore.append(lambda sub=sub: sub.__dict__.pop("forward"))
    try:
        yield
    finally:
        for undo in reversed(restore):
            undo()


def count_attention(model):
    """(fused MultiHeadAttention nodes, Softmax nodes) of an ONNX model: what `svdweb models` reads to tell fused from
    materialised attention."""
    fused = sum(1 for n in model.graph.node if n.op_type == "MultiHeadAttention" and n.domain == MS_DOMAIN)
    return fused, sum(1 for n in model.graph.node if n.op_type == "Softmax")


@contextlib.contextmanager
def torch113_export_fixes(opset):
    """The two export-only fixes torch 1.13 needs (see the module docstring). A no-op where torch does not need them."""
    from torch.onnx import symbolic_opset9

    patched_symbolic = False
    if tuple(int(p) for p in torch.__version__.split(".")[:2]) < (2, 0):

        def broadcast_to(g, self, size):
            return symbolic_opset9.expand(g, self, size, None)

        torch.onnx.register_custom_op_symbolic("aten::broadcast_to", broadcast_to, opset)
        patched_symbolic = True

    original = torch.Tensor.repeat_interleave

    def repeat_interleave(self, repeats, dim=None, *args, **kwargs):
        # under tracing, num_frames = sample.shape[1] arrives as a 0-d tensor
        scalar = isinstance(repeats, int) or (isinstance(repeats, torch.Tensor) and repeats.dim() == 0)
        if scalar and dim is not None and not args and not kwargs:
            dim = dim % self.dim()
            shape = list(self.shape)
            sizes = shape[: dim + 1] + [repeats] + shape[dim + 1 :]
            return self.unsqueeze(dim + 1).expand(sizes).reshape(shape[:dim] + [-1] + shape[dim + 1 :])
        return original(self, repeats, dim, *args, **kwargs)

    torch.Tensor.repeat_interleave = repeat_interleave
    try:
        yield
    finally:
        torch.Tensor.repeat_interleave = original
        if patched_symbolic:
            torch.onnx.unregister_custom_op_symbolic("aten::broadcast_to", opset)


@contextlib.contextmanager
def torch113_baddbmm_fix():
    """torch 1.13's CPU baddbmm multiplies its uninitialised `input` by beta=0, which can turn diffusers' attention
    scores into NaN (see the fixtures README). For the torch reference runs only: give it zeros when beta is 0."""
    original = torch.baddbmm

    def baddbmm(input, batch1, batch2, *, beta=1, alpha=1, out=None):
        if beta == 0:
            input = torch.zeros_like(input)
        return original(input, batch1, batch2, beta=beta, alpha=alpha, out=out)

    torch.baddbmm = baddbmm
    try:
        yield
    finally:
        torch.baddbmm = original


def export_graph(module, inputs, name, path, opset, fused):
    input_names, output_names, axes = GRAPHS[name]
    os.makedirs(os.path.dirname(path), exist_ok=True)
    # torch >= 2.9 exports with the dynamo exporter unless told otherwise; the graphs here (dynamic_axes, the
    # repeat_interleave rewrite) are made for the TorchScript tracer that torch 1.13 uses, so keep that one.
    tracer = {"dynamo": False} if "dynamo" in inspect.signature(torch.onnx.export).parameters else {}
    fusion = fused_attention(module) if fused else contextlib.nullcontext()
    with torch.no_grad(), torch113_export_fixes(opset), fusion:
        torch.onnx.export(
            module,
            inputs,
            path,
            input_names=input_names,
            output_names=output_names,
            dynamic_axes=axes,
            opset_version=opset,
            do_constant_folding=True,
            custom_opsets={MS_DOMAIN: 1} if fused else None,
            **tracer,
        )


# ---------------------------------------------------------------------------------------------------------------------
# float32 -> float16 at the ONNX level

STOP_OPS = {"MatMul", "Gemm", "Conv", "ConvTranspose"}  # where a float32 region meets the weights: cast to float16 there
INT64_OPS = {"Shape", "Size", "NonZero", "ArgMax", "ArgMin"}
BOOL_OPS = {"Equal", "Less", "Greater", "LessOrEqual", "GreaterOrEqual", "Not", "And", "Or", "Xor", "IsNaN", "IsInf"}


def tensor_types(graph):
    """Element type of every tensor, propagated through the graph (enough for torch's exports)."""
    types = {t.name: t.data_type for t in graph.initializer}
    for vi in list(graph.input) + list(graph.output):
        types[vi.name] = vi.type.tensor_type.elem_type
    for node in graph.node:
        attrs = {a.name: a for a in node.attribute}
        if node.op_type == "Cast":
            t = attrs["to"].i
        elif node.op_type in INT64_OPS:
            t = TensorProto.INT64
        elif node.op_type in BOOL_OPS:
            t = TensorProto.BOOL
        elif node.op_type == "Constant":
            t = attrs["value"].t.data_type if "value" in attrs else TensorProto.FLOAT
        elif node.op_type == "ConstantOfShape":
            t = attrs["value"].t.data_type if "value" in attrs else TensorProto.FLOAT
        elif node.op_type == "Where":
            t = types.get(node.input[1], TensorProto.FLOAT)
        else:
            t = next((types[i] for i in node.input if i in types), TensorProto.FLOAT)
        for o in node.output:
            types[o] = t
    return types


def to_fp16_array(array):
    finite = np.isfinite(array)
    clipped = np.where(finite, np.clip(array, -65504.0, 65504.0), array)
    return clipped.astype(np.float16)


def convert_to_fp16(model, keep_fp32_inputs=(), fp32_region_inputs=()):
    """Rewrites a float32 graph to float16.

    keep_fp32_inputs: graph inputs that stay float32 and start a float32 region.
    fp32_region_inputs: graph inputs typed float16 whose values enter a float32 region through a Cast (diffusers feeds
    them in the model dtype and upcasts them itself).
    The float32 region grows forward through every node with a float input in it, up to STOP_OPS; where it feeds a
    float16 node a Cast to float16 is inserted.
    """
    graph = model.graph
    # Constant nodes become initializers, so that every constant is handled in one place.
    constants = []
    for node in list(graph.node):
        if node.op_type == "Constant" and len(node.attribute) == 1 and node.attribute[0].name == "value":
            tensor = onnx.TensorProto()
            tensor.CopyFrom(node.attribute[0].t)
            tensor.name = node.output[0]
            constants.append(tensor)
            graph.node.remove(node)
    graph.initializer.extend(constants)

    types = tensor_types(graph)
    initializers = {t.name: t for t in graph.initializer}

    # the float32 region
    region = set(keep_fp32_inputs)
    new_nodes_front = []
    for name in fp32_region_inputs:
        upcast = name + "_fp32"
        new_nodes_front.append(helper.make_node("Cast", [name], [upcast], to=TensorProto.FLOAT, name=upcast + "_cast"))
        region.add(upcast)
        for node in graph.node:
            for i, inp in enumerate(node.input):
                if inp == name:
                    node.input[i] = upcast
    region_nodes = set()
    for idx, node in enumerate(graph.node):
        if node.op_type in STOP_OPS:
            continue
        if any(i in region and types.get(i) == TensorProto.FLOAT for i in node.input):
            region_nodes.add(idx)
            region.update(node.output)

    fp32_copies = {}
    downcasts = {}
    out_nodes = list(new_nodes_front)
    for idx, node in enumerate(graph.node):
        in_region = idx in region_nodes
        for i, inp in enumerate(node.input):
            if not inp:
                continue
            if inp in initializers and initializers[inp].data_type == TensorProto.FLOAT:
                keep = in_region or (node.op_type == "Resize" and i == 2)
                if keep:
                    if inp not in fp32_copies:
                        copy = onnx.TensorProto()
                        copy.CopyFrom(initializers[inp])
                        copy.name = inp + "_fp32"
                        fp32_copies[inp] = copy
                    node.input[i] = inp + "_fp32"
            elif not in_region and inp in region and types.get(inp) == TensorProto.FLOAT:
                if inp not in downcasts:
                    down = inp + "_fp16"
                    downcasts[inp] = down
                    out_nodes.append(helper.make_node("Cast", [inp], [down], to=TensorProto.FLOAT16, name=down + "_cast"))
                node.input[i] = downcasts[inp]
        if not in_region:
            for a in node.attribute:
                if node.op_type == "Cast" and a.name == "to" and a.i == TensorProto.FLOAT:
                    a.i = TensorProto.FLOAT16
                if a.type == onnx.AttributeProto.TENSOR and a.t.data_type == TensorProto.FLOAT:
                    a.t.CopyFrom(numpy_helper.from_array(to_fp16_array(numpy_helper.to_array(a.t)), a.t.name))
        out_nodes.append(node)

    for tensor in graph.initializer:
        if tensor.data_type == TensorProto.FLOAT:
            tensor.CopyFrom(numpy_helper.from_array(to_fp16_array(numpy_helper.to_array(tensor)), tensor.name))
    graph.initializer.extend(fp32_copies.values())
    del graph.node[:]
    graph.node.extend(out_nodes)

    for vi in list(graph.input) + list(graph.output):
        tt = vi.type.tensor_type
        if tt.elem_type == TensorProto.FLOAT and vi.name not in keep_fp32_inputs:
            tt.elem_type = TensorProto.FLOAT16
    del graph.value_info[:]
    return model


def save_graph(model, path):
    """Saves one model.onnx, with its weights in model.onnx_data beside it when the model is over 2 GB."""
    weights = sum(len(t.raw_data) for t in model.graph.initializer)
    if weights >= TWO_GB - 64 * 2**20:
        onnx.save_model(
            model, path, save_as_external_data=True, all_tensors_to_one_file=True, location="model.onnx_data",
            size_threshold=1024,
        )
    else:
        onnx.save_model(model, path)
    onnx.checker.check_model(path)


# SvdWeb reads this metadata entry as the graph's parameter count (OnnxGraphInfo.ParameterCountKey).
PARAMETER_COUNT_KEY = "svdweb.parameter_count"


def graph_parameters(name, net):
    """The parameters of the torch modules a graph runs. Counting the ONNX initializers instead would depend on how the
    graph was made: tracing drops unread parameters, constant folding adds tensors, and the float16 conversion keeps
    float32 copies for its float32 regions. The two VAE graphs split the VAE, so the four counts add up to torch's."""
    parts = {"vae_encoder": ("encoder", "quant_conv"), "vae_decoder": ("decoder", "post_quant_conv")}.get(name)
    modules = [net] if parts is None else [m for m in (getattr(net, part, None) for part in parts) if m is not None]
    return sum(p.numel() for module in modules for p in module.parameters())


def finish_graph(exported_path, path, fp16, parameters, keep_fp32_inputs=(), fp32_region_inputs=(),
                 static_output_dims=None):
    """Loads torch's export (which may be split into one file per tensor), optionally converts it to float16, and
    saves it as the pack's model.onnx with the torch parameter count in its metadata. static_output_dims
    {output: {axis: size}} writes sizes the contract fixes where torch's shape inference could not carry them through
    a custom op (it leaves a generated dim_param)."""
    model = onnx.load(exported_path)
    entry = model.metadata_props.add()
    entry.key, entry.value = PARAMETER_COUNT_KEY, str(parameters)
    for output in model.graph.output:
        for axis, size in (static_output_dims or {}).get(output.name, {}).items():
            dim = output.type.tensor_type.shape.dim[axis]
            dim.Clear()
            dim.dim_value = size
    if fp16:
        model = convert_to_fp16(model, keep_fp32_inputs, fp32_region_inputs)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    save_graph(model, path)


# ---------------------------------------------------------------------------------------------------------------------
# Optimizer and verification


# The com.microsoft operators the optimized UNet may hold, with where the ONNX Runtime SvdWeb ships (1.31,
# Directory.Packages.props) has kernels: (CPU float32, CPU float16, CUDA float32, CUDA float16), from ONNX Runtime's
# docs/OperatorKernels.md. The same table as src/SvdWeb.Inference/Onnx/FusedOperatorKernels.cs; on the CPU, SvdWeb
# decomposes the first six back into standard operators at load time, so only the CUDA columns decide the export.
SHIPPED_ORT_KERNELS = {
    "GroupNorm": (False, False, True, True),
    "SkipGroupNorm": (False, False, True, True),
    "BiasSplitGelu": (False, False, True, True),
    "BiasAdd": (False, False, True, True),
    "NhwcConv": (False, False, True, True),
    "Gelu": (True, False, True, True),
    "MultiHeadAttention": (True, False, True, True),
    "SkipLayerNormalization": (True, True, True, True),
    "BiasGelu": (True, False, True, True),
    "FastGelu": (True, False, True, True),
}

# The fusions asked for, by FusionOptions attribute; an attribute the installed onnxruntime does not have is reported.
UNET_FUSIONS_ON = (
    "enable_group_norm",        # Reshape → InstanceNormalization → Reshape → Mul → Add (→ Sigmoid·Mul) ⇒ GroupNorm
    "group_norm_channels_last",  # GroupNorm in NHWC, its CUDA kernel's layout, with Transposes around it
    "enable_skip_group_norm",   # Add(s) feeding a GroupNorm ⇒ SkipGroupNorm (the sum as its second output)
    "enable_bias_splitgelu",    # GEGLU: Add bias, two Slices, Gelu, Mul ⇒ BiasSplitGelu
    "enable_bias_add",          # the feed-forward's out bias + the residual ⇒ BiasAdd
    "enable_nhwc_conv",         # Conv ⇒ Transpose, NhwcConv, Transpose (the Transposes between fused ops cancel)
    "enable_skip_layer_norm",   # Add + LayerNormalization ⇒ SkipLayerNormalization
    "enable_bias_skip_layer_norm",
    "enable_layer_norm",
    "enable_gelu",              # erf-form GELU ⇒ Gelu, which BiasSplitGelu then absorbs
)
UNET_FUSIONS_OFF = (
    # our own MultiHeadAttention nodes are already in the graph; the optimizer's attention fusions look for
    # MatMul → Softmax → MatMul and would only repack what is there
    "enable_attention",
    "use_multi_head_attention",
    "enable_packed_qkv",
    "enable_packed_kv",
    # keeps the erf GELU exact (FastGelu is the tanh approximation)
    "enable_gelu_approximation",
    "enable_bias_gelu",
)

# Fused vs unfused UNet on the same provider and inputs, as max |fused - unfused| / max |unfused|. float32: the fused
# kernels reorder reductions (GroupNorm's mean and variance in one pass, cuDNN's NHWC algorithms), a few float32 ulps per
# op, measured in the 1e-6..1e-5 range over a UNet; 1e-3 leaves two orders of margin and still catches a wrong layout or
# group count (those differ by O(1)). float16: unit roundoff 2^-11 = 4.9e-4, and the fused kernels keep float32
# intermediates the unfused graph rounds to float16 tens of times; 3e-2 is a few dozen of those roundings.
FUSION_TOLERANCE = {False: 1e-3, True: 3e-2}


def count_microsoft_ops(model):
    counts = {}
    for node in model.graph.node:
        if node.domain == "com.microsoft":
            counts[node.op_type] = counts.get(node.op_type, 0) + 1
    return counts


def optimize_unet(path, verification_inputs, is_fp16):
    """ONNX Runtime's UNet fusions on the exported UNet, checked against the shipped ONNX Runtime's CUDA kernels and
    against the unfused graph. Returns quietly (the pack keeps the unfused UNet) where onnxruntime is missing."""
    try:
        from onnxruntime.transformers import optimizer
        from onnxruntime.transformers.fusion_options import FusionOptions
    except ImportError:
        print("  --optimize skipped: onnxruntime.transformers is not importable here, so the UNet stays unfused "
              "(the pack works as it is, without the fused GroupNorm/GEGLU/NHWC kernels); "
              "`pip install onnxruntime-gpu` and export again to fuse it")
        return
    import onnxruntime as ort

    options = FusionOptions("unet")
    missing = []
    for name in UNET_FUSIONS_ON:
        if hasattr(options, name):
            setattr(options, name, True)
        else:
            missing.append(name)
    for name in UNET_FUSIONS_OFF:
        if hasattr(options, name):
            setattr(options, name, False)
    if missing:
        print(f"  onnxruntime {ort.__version__} has no fusion option {', '.join(missing)}; those fusions are not applied")

    folder = os.path.dirname(path)
    with tempfile.TemporaryDirectory(prefix=".unfused-", dir=folder) as tmp:
        # the unfused UNet, kept for the comparison below, with its external data beside it
        unfused = os.path.join(tmp, "model.onnx")
        save_graph(onnx.load(path), unfused)
        before = count_microsoft_ops(onnx.load(unfused, load_external_data=False))

        print(f"  running onnxruntime {ort.__version__}'s transformer optimizer (model_type=unet, opt_level=0) on the UNet")
        opt = optimizer.optimize_model(unfused, model_type="unet", opt_level=0, optimization_options=options,
                                       use_gpu=True, only_onnxruntime=False)
        after = count_microsoft_ops(opt.model)
        if after.get("MultiHeadAttention", 0) != before.get("MultiHeadAttention", 0):
            raise SystemExit(f"--optimize changed the fused attention ({before.get('MultiHeadAttention', 0)} "
                             f"MultiHeadAttention before, {after.get('MultiHeadAttention', 0)} after); "
                             "export with --no-optimize")
        print("  fused operators: " + (", ".join(f"{op} {n}" for op, n in sorted(after.items())) or "none"))
        column = 3 if is_fp16 else 2
        refused = sorted(op for op in after if op not in SHIPPED_ORT_KERNELS or not SHIPPED_ORT_KERNELS[op][column])
        if refused:
            raise SystemExit(
                f"--optimize wrote {', '.join(refused)}, which the ONNX Runtime SvdWeb ships (1.31) has no CUDA "
                f"{'float16' if is_fp16 else 'float32'} kernel for (or SvdWeb does not know); export with --no-optimize, "
                "or add the operator to SHIPPED_ORT_KERNELS and FusedOperatorKernels.cs once SvdWeb ships a runtime that has it")

        data = os.path.join(folder, "model.onnx_data")
        if os.path.exists(data):
            os.remove(data)
        save_graph(opt.model, path)
        print(f"  optimized UNet saved ({'float16' if is_fp16 else 'float32'})")
        compare_fused_unet(path, unfused, verification_inputs, is_fp16)


def compare_fused_unet(fused, unfused, inputs, is_fp16):
    """Runs the fused and the unfused UNet on the verification inputs and fails over FUSION_TOLERANCE."""
    import onnxruntime as ort

    if "CUDAExecutionProvider" not in ort.get_available_providers():
        print("  fused-vs-unfused check skipped: this onnxruntime has no CUDA provider, and GroupNorm, SkipGroupNorm, "
              "BiasSplitGelu, BiasAdd and NhwcConv have no CPU kernel; run `svdweb models --check-fusions` on the pack, "
              "and a CPU generate (SvdWeb decomposes them there)")
        return
    options = ort.SessionOptions()
    outputs = []
    for graph in (unfused, fused):
        session = ort.InferenceSession(graph, options, providers=["CUDAExecutionProvider"])
        feeds = {}
        for meta, value in zip(session.get_inputs(), inputs):
            feeds[meta.name] = value.numpy().astype(np.float16 if meta.type == "tensor(float16)" else np.float32)
        outputs.append(session.run(None, feeds)[0].astype(np.float32))
        del session
    expected, got = outputs
    diff = np.abs(got - expected)
    scale = max(float(np.abs(expected).max()), 1e-12)
    tolerance = FUSION_TOLERANCE[is_fp16]
    print(f"  fused vs unfused UNet (CUDA, shapes {[tuple(i.shape) for i in inputs]}): max_abs {diff.max():.3g}, "
          f"max_rel {diff.max() / scale:.3g} (tolerance {tolerance:g}), finite {bool(np.isfinite(got).all())}")
    if not np.isfinite(got).all() or diff.max() / scale > tolerance:
        raise SystemExit("the fused UNet does not compute what the unfused one does; export with --no-optimize "
                         "and report the onnxruntime version above")


def verification_cases(cfgs):
    """Inputs of other shapes than the export ones, per graph, seeded."""
    unet_cfg, vae_cfg, clip_cfg = cfgs
    down = 2 ** (len(unet_cfg["block_out_channels"]) - 1)
    h, w = 2 * down, 4 * down
    f = 2
    torch.manual_seed(1234)
    return {
        "image_encoder": (torch.rand(1, 3, clip_cfg.image_size, clip_cfg.image_size) * 2 - 1,),
        "vae_encoder": (torch.rand(2, 3, 8 * h, 8 * w) * 2 - 1,),
        "vae_decoder": (torch.randn(f, vae_cfg["latent_channels"], h, w),),
        "unet": (
            torch.randn(1, f, unet_cfg["in_channels"], h, w),
            torch.tensor([0.75]),
            torch.randn(1, 1, unet_cfg["cross_attention_dim"]),
            torch.tensor([[6.0, 127.0, 0.02]]),
        ),
    }


def verify(pack, modules, cfgs, fp16_names):
    """Runs each graph in onnxruntime on inputs of other shapes than the export ones and prints max |ort - torch|."""
    try:
        import onnxruntime as ort
    except ImportError:
        print("verification skipped: onnxruntime is not importable here (the pack was still written)")
        return
    cases = verification_cases(cfgs)
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    providers = [p for p in ("CUDAExecutionProvider", "CPUExecutionProvider") if p in ort.get_available_providers()]
    print(f"verification (onnxruntime {ort.__version__}, {providers[0]}):")
    for name, inputs in ((n, c) for n, c in cases.items() if n in modules):
        with torch.no_grad(), torch113_baddbmm_fix():
            expected = modules[name](*inputs).numpy()
        graph = os.path.join(pack, name, "model.onnx")
        fused_ops = sorted(op for op in count_microsoft_ops(onnx.load(graph, load_external_data=False))
                           if not SHIPPED_ORT_KERNELS.get(op, (False,) * 4)[0])
        if providers[0] == "CPUExecutionProvider" and fused_ops:
            print(f"  {name:13s} skipped: {', '.join(fused_ops)} have no CPU kernel in onnxruntime (SvdWeb decomposes "
                  "them on its CPU provider); check the pack with `svdweb models --check-fusions`")
            continue
        session = ort.InferenceSession(graph, options, providers=providers)
        feeds = {}
        for meta, value in zip(session.get_inputs(), inputs):
            dtype = np.float16 if meta.type == "tensor(float16)" else np.float32
            feeds[meta.name] = value.numpy().astype(dtype)
        got = session.run(None, feeds)[0].astype(np.float32)
        diff = np.abs(got - expected)
        scale = max(float(np.abs(expected).max()), 1e-12)
        note = " (float16 graph vs float32 torch)" if name in fp16_names else ""
        print(
            f"  {name:13s} shapes {[tuple(i.shape) for i in inputs]}: max_abs {diff.max():.3g}, "
            f"max_rel {diff.max() / scale:.3g}, finite {bool(np.isfinite(got).all())}{note}"
        )


# ---------------------------------------------------------------------------------------------------------------------
# Pack files


def copy_pack_files(src, out):
    copies = [
        "model_index.json",
        "feature_extractor/preprocessor_config.json",
        "image_encoder/config.json",
        "vae/config.json",
        "unet/config.json",
        "scheduler/scheduler_config.json",
    ]
    for rel in copies:
        source = os.path.join(src, rel)
        if not os.path.isfile(source):
            raise FileNotFoundError(f"{source} is missing: the pack needs every component config")
        os.makedirs(os.path.dirname(os.path.join(out, rel)) or out, exist_ok=True)
        shutil.copyfile(source, os.path.join(out, rel))
    for name in ("LICENSE", "LICENSE.md", "LICENSE.txt", "LICENSE.MD"):
        if os.path.isfile(os.path.join(src, name)):
            shutil.copyfile(os.path.join(src, name), os.path.join(out, name))
            break
    else:
        if os.path.isfile(os.path.join(src, "README.md")):
            shutil.copyfile(os.path.join(src, "README.md"), os.path.join(out, "README.md"))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--checkpoint", help="diffusers SVD checkpoint folder (with model_index.json)")
    source.add_argument(
        "--from-configs", "--random-init", dest="from_configs",
        help="random weights from this pack or checkpoint's configs (how models/tiny-svd was made)",
    )
    parser.add_argument("--seed-unet", type=int, default=0)
    parser.add_argument("--seed-vae", type=int, default=1)
    parser.add_argument("--seed-image-encoder", type=int, default=2)
    parser.add_argument("--out", required=True, help="pack folder to write (must be empty or absent)")
    parser.add_argument("--fp16", action="store_true", help="UNet, image encoder and VAE decoder in float16")
    parser.add_argument(
        "--optimize", action=argparse.BooleanOptionalAction, default=True,
        help="fuse the UNet with onnxruntime's transformer optimizer (GroupNorm, SkipGroupNorm, BiasSplitGelu, BiasAdd, "
             "NhwcConv, SkipLayerNormalization; on by default, skipped with a message when onnxruntime is missing)",
    )
    parser.add_argument("--opset", type=int, default=17)
    parser.add_argument(
        "--attention", choices=("fused", "unfused"), default="fused",
        help="fused (default): every attention of the UNet and the image encoder as one com.microsoft "
        "MultiHeadAttention node (flash / memory-efficient on CUDA); unfused: MatMul -> Softmax -> MatMul as traced, "
        "which materialises the score matrices (tens of GB at SVD-XT's default size)",
    )
    parser.add_argument(
        "--components", default=",".join(GRAPHS),
        help="comma-separated graphs to write (default: all four); e.g. unet to re-export one graph into an empty --out",
    )
    parser.add_argument("--no-verify", dest="verify", action="store_false", help="skip the onnxruntime check")
    args = parser.parse_args(argv)
    components = {c.strip() for c in args.components.split(",") if c.strip()}
    if not components or components - set(GRAPHS):
        parser.error(f"--components takes names from {', '.join(GRAPHS)}; got {args.components!r}")

    if os.path.exists(args.out) and os.listdir(args.out):
        parser.error(f"--out {args.out} exists and is not empty")
    # torch starts with one thread where OMP_NUM_THREADS is unset in some builds (Debian's among them); an export of the
    # full-size UNet is hours on one core, so take every core this process may run on.
    torch.set_num_threads(len(os.sched_getaffinity(0)))

    t0 = time.time()
    print(f"torch {torch.__version__} ({torch.get_num_threads()} threads), onnx {onnx.__version__}, opset {args.opset}, "
          f"{args.attention} attention")
    unet, vae, clip, src = build_models(args, components)
    unet_cfg = read_json(os.path.join(src, "unet", "config.json"))
    vae_cfg = read_json(os.path.join(src, "vae", "config.json"))
    clip_cfg = argparse.Namespace(**read_json(os.path.join(src, "image_encoder", "config.json")))
    wrappers = {"image_encoder": (ImageEncoder, clip), "vae_encoder": (VaeEncoder, vae),
                "vae_decoder": (VaeDecoder, vae), "unet": (UNet, unet)}
    modules = {name: wrap(net).eval() for name, (wrap, net) in wrappers.items() if name in components}
    force_upcast = bool(vae_cfg.get("force_upcast", False))
    fp16_names = set()
    if args.fp16:
        fp16_names = ({"image_encoder", "vae_decoder", "unet"} | (set() if force_upcast else {"vae_encoder"})) & components

    torch.manual_seed(0)
    inputs = export_inputs(unet_cfg, vae_cfg, clip_cfg)
    copy_pack_files(src, args.out)
    fused = args.attention == "fused"
    for name, module in modules.items():
        path = os.path.join(args.out, name, "model.onnx")
        print(f"exporting {name} -> {path}" + (" (float16)" if name in fp16_names else ""))
        with tempfile.TemporaryDirectory(prefix=".export-", dir=args.out) as tmp:
            tmp_path = os.path.join(tmp, "model.onnx")
            export_graph(module, inputs[name], name, tmp_path, args.opset, fused and name in ("unet", "image_encoder"))
            parameters = graph_parameters(name, wrappers[name][1])
            if name == "unet":
                # diffusers feeds the timestep as float32 and upcasts added_time_ids before their sinusoidal embedding
                finish_graph(tmp_path, path, name in fp16_names, parameters, ("timestep",), ("added_time_ids",),
                             {"out_sample": {2: unet_cfg["out_channels"]}})
            elif name == "image_encoder":
                # the contract's [B,P]: P is projection_dim, which the fused op's missing shape inference loses
                finish_graph(tmp_path, path, name in fp16_names, parameters,
                             static_output_dims={"image_embeds": {1: clip_cfg.projection_dim}})
            else:
                finish_graph(tmp_path, path, name in fp16_names, parameters)
        print(f"  {parameters:,} parameters")
        if name in ("unet", "image_encoder"):
            mha, softmax = count_attention(onnx.load(path, load_external_data=False))
            print(f"  attention: {mha} fused MultiHeadAttention, {softmax} Softmax (materialised)")
        if name == "unet" and args.optimize:
            optimize_unet(path, verification_cases((unet_cfg, vae_cfg, clip_cfg))["unet"], name in fp16_names)

    if args.verify:
        verify(args.out, modules, (unet_cfg, vae_cfg, clip_cfg), fp16_names)
    print(f"pack written to {args.out} in {time.time() - t0:.0f} s")


if __name__ == "__main__":
    sys.exit(main())
