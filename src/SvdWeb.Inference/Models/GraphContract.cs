using System.Globalization;
using SvdWeb.Inference.Onnx;

namespace SvdWeb.Inference.Models;

/// <summary>
/// What the pipeline feeds one ONNX graph and reads back (spec §1, "The ONNX model-pack contract"), checked against the
/// signature the file declares, before any session exists: names, element types, ranks, and every fixed axis that a
/// config or the pipeline pins down. Dynamic axes (symbolic or unnamed) always pass; a fixed axis must agree.
/// </summary>
internal sealed class GraphContract
{
    private readonly PackComponent _component;
    private readonly TensorRule[] _inputs;
    private readonly TensorRule[] _outputs;

    private GraphContract(PackComponent component, TensorRule[] inputs, TensorRule[] outputs)
    {
        _component = component;
        _inputs = inputs;
        _outputs = outputs;
    }

    /// <summary>
    /// The contract of <paramref name="component"/>; a config that could not be read (null) leaves the axes it would
    /// pin unchecked, so its graph is still checked for names, types and ranks.
    /// </summary>
    public static GraphContract For(PackComponent component, ImageEncoderConfig? imageEncoder, VaeConfig? vae, UNetConfig? unet)
    {
        var rgb = Axis("channels", 3, "the pipeline's images are RGB (3 channels)");
        var latentChannels = Axis("channels", vae?.LatentChannels, $"{VaeConfig.RelativePath} latent_channels is {vae?.LatentChannels}", fromConfig: true);
        return component switch
        {
            // The pipeline always feeds 224×224 (PIPE L207), whatever image_size says.
            PackComponent.ImageEncoder => new(component,
                [Tensor(Models.ImageEncoder.InputName, Any("B"), rgb, Axis("height", 224, "the pipeline feeds CLIP 224×224 images"),
                    Axis("width", 224, "the pipeline feeds CLIP 224×224 images"))],
                [Tensor(Models.ImageEncoder.OutputName, Any("B"),
                    Axis("P", imageEncoder?.ProjectionDim, $"{ImageEncoderConfig.RelativePath} projection_dim is {imageEncoder?.ProjectionDim}", fromConfig: true))]),
            PackComponent.VaeEncoder => new(component,
                [Tensor(Models.VaeEncoder.InputName, Any("B"), rgb, Any("H"), Any("W"))],
                [Tensor(Models.VaeEncoder.OutputName, Any("B"), latentChannels, Any("h"), Any("w"))]),
            PackComponent.VaeDecoder => new(component,
                [Tensor(Models.VaeDecoder.InputName, Any("N"), latentChannels, Any("h"), Any("w"))],
                [Tensor(Models.VaeDecoder.OutputName, Any("N"), rgb, Any("H"), Any("W"))]),
            PackComponent.UNet => new(component,
                [
                    Tensor(Models.UNet.SampleName, Any("B"), Frames(unet),
                        Axis("channels", unet?.InChannels, $"{UNetConfig.RelativePath} in_channels is {unet?.InChannels}", fromConfig: true), Any("h"), Any("w")),
                    Tensor(Models.UNet.TimestepName, Any("B")),
                    Tensor(Models.UNet.EncoderHiddenStatesName, Any("B"), Axis("tokens", 1, "the pipeline feeds one image embedding per video"),
                        Axis("P", unet?.CrossAttentionDim, $"{UNetConfig.RelativePath} cross_attention_dim is {unet?.CrossAttentionDim}", fromConfig: true)),
                    Tensor(Models.UNet.AddedTimeIdsName, Any("B"),
                        Axis("ids", 3, "the pipeline feeds 3 added time ids (fps − 1, motion_bucket_id, noise_aug_strength)")),
                ],
                [Tensor(Models.UNet.OutputName, Any("B"), Frames(unet),
                    Axis("channels", unet?.OutChannels, $"{UNetConfig.RelativePath} out_channels is {unet?.OutChannels}", fromConfig: true), Any("h"), Any("w"))]),
            _ => throw new ArgumentOutOfRangeException(nameof(component), component, "Not a pack component."),
        };
    }

    /// <summary>Adds one problem per mismatch between the contract and the declared signature.</summary>
    public void Check(OnnxGraphInfo graph, List<string> problems)
    {
        var file = ModelPack.RelativeModelPath(_component);
        var stage = ModelPack.DisplayName(_component);
        var fed = string.Join(", ", _inputs.Select(i => $"{i.Name} {i.Layout}"));
        foreach (var rule in _inputs)
        {
            var input = graph.Inputs.FirstOrDefault(i => i.Name == rule.Name);
            if (input is null)
            {
                problems.Add($"{file} has no input '{rule.Name}' (its inputs: {Names(graph.Inputs)}); the pipeline feeds {fed}. " +
                    $"Re-export the {stage} with these input names.");
                continue;
            }
            CheckTensor(input, rule, "input", file, stage, problems);
        }
        foreach (var extra in graph.Inputs.Where(i => _inputs.All(rule => rule.Name != i.Name)))
        {
            problems.Add($"{file} has an input '{extra.Name}' {extra.ShapeText} that the pipeline does not feed (it feeds " +
                $"{string.Join(", ", _inputs.Select(i => i.Name))}), so ONNX Runtime would refuse every run. Re-export the {stage} with exactly those inputs.");
        }
        foreach (var rule in _outputs)
        {
            var output = graph.Outputs.FirstOrDefault(o => o.Name == rule.Name);
            if (output is null)
            {
                problems.Add($"{file} has no output '{rule.Name}' (its outputs: {Names(graph.Outputs)}); the pipeline reads " +
                    $"{rule.Name} {rule.Layout}. Re-export the {stage} with that output name.");
                continue;
            }
            CheckTensor(output, rule, "output", file, stage, problems);
        }
    }

    private static void CheckTensor(OnnxValueInfo value, TensorRule rule, string kind, string file, string stage, List<string> problems)
    {
        var what = $"{file} {kind} '{value.Name}'";
        if (value.ElementType is not (OnnxElementType.Float or OnnxElementType.Float16))
        {
            var type = value.ElementType == OnnxElementType.Undefined ? "not a tensor of a known type" : OnnxElementType.Name(value.ElementType);
            problems.Add($"{what} is {type}, but the pipeline exchanges only float32 or float16 tensors. Re-export the {stage} in float32 or float16.");
        }
        // A file that declares no shape (rare; exporters always write one) can only be checked when it runs.
        if (value.Shape is not { } shape)
            return;
        if (shape.Count != rule.Axes.Length)
        {
            var verb = kind == "input" ? "feeds" : "reads";
            problems.Add($"{what} has rank {shape.Count} {value.ShapeText}, but the pipeline {verb} rank {rule.Axes.Length} " +
                $"{rule.Layout}{rule.Note}. Re-export the {stage} with that layout.");
            return;
        }
        for (var axis = 0; axis < shape.Count; axis++)
        {
            var expect = rule.Axes[axis];
            if (shape[axis].Value is not { } found || expect.Expected is not { } expected || found == expected)
                continue;
            var fix = expect.FromConfig
                ? $"The graph and the configs come from different models: re-export the {stage} from the checkpoint whose configs the pack holds, or copy that checkpoint's configs."
                : $"Re-export the {stage} with {expected} on that axis (or leave it dynamic).";
            problems.Add(string.Create(CultureInfo.InvariantCulture,
                $"{what} is {value.ShapeText}: axis {axis} ({expect.Label}) is fixed at {found}, but {expect.Why}. {fix}"));
        }
    }

    private static string Names(IReadOnlyList<OnnxValueInfo> values) =>
        values.Count == 0 ? "none" : string.Join(", ", values.Select(v => v.Name));

    // The frame axis may be fixed only at num_frames: a graph exported for another count could not run the default.
    private static AxisRule Frames(UNetConfig? unet) =>
        Axis("F", unet?.NumFrames, $"{UNetConfig.RelativePath} num_frames is {unet?.NumFrames}", fromConfig: true);

    private static AxisRule Any(string label) => new(label, null, null, false);

    private static AxisRule Axis(string label, int? expected, string why, bool fromConfig = false) => new(label, expected, why, fromConfig);

    private static TensorRule Tensor(string name, params AxisRule[] axes) => new(name, axes);

    private readonly record struct AxisRule(string Label, int? Expected, string? Why, bool FromConfig);

    private sealed record TensorRule(string Name, AxisRule[] Axes)
    {
        /// <summary>"[B,F,8,h,w]": the value an axis must have where one is known, else its name.</summary>
        public string Layout => $"[{string.Join(',', Axes.Select(a => a.Expected?.ToString(CultureInfo.InvariantCulture) ?? a.Label))}]";

        // The UNet's 5-D tensors are the layout people get wrong: diffusers puts frames before channels.
        public string Note => Axes.Length == 5 ? " (frames before channels)" : "";
    }
}
