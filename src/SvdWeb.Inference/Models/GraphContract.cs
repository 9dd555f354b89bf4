using System.Globalization;
using SvdWeb.Inference.Onnx;

namespace SvdWeb.Inference.Models;

/// <summary>
/// What the pipeline feeds one ONNX graph and reads back (Inference README §3.2, "The graphs"), checked against the
/// signature the file declares, before any session exists: names, element types, ranks, and every fixed axis that a
/// config or the pipeline pins down. Dynamic axes (symbolic or unnamed) always pass; a fixed axis must agree. Names are
/// looked up as svdweb.json's "io" maps them (<see cref="PackIo"/>), and a message about a mapped name gives both names.
/// </summary>
internal sealed class GraphContract
{
    private readonly PackComponent _component;
    private readonly TensorRule[] _inputs;
    private readonly TensorRule[] _outputs;
    private readonly TimestepShape _timestepShape;

    private GraphContract(PackComponent component, TensorRule[] inputs, TensorRule[] outputs, TimestepShape timestepShape)
    {
        _component = component;
        _inputs = inputs;
        _outputs = outputs;
        _timestepShape = timestepShape;
    }

    /// <summary>
    /// The contract of <paramref name="component"/>, under the graph names <paramref name="io"/> maps; a config that
    /// could not be read (null) leaves the axes it would pin unchecked, so its graph is still checked for names, types
    /// and ranks.
    /// </summary>
    public static GraphContract For(PackComponent component, ImageEncoderConfig? imageEncoder, VaeConfig? vae, UNetConfig? unet, PackIo io)
    {
        var rgb = Axis("channels", 3, "the pipeline's images are RGB (3 channels)");
        var latentChannels = Axis("channels", vae?.LatentChannels, $"{VaeConfig.RelativePath} latent_channels is {vae?.LatentChannels}", fromConfig: true);
        var names = io.For(component);
        TensorRule Input(string name, params AxisRule[] axes) => new(name, names.Input(name), axes);
        TensorRule Output(string name, params AxisRule[] axes) => new(name, names.Output(name), axes);
        (TensorRule[] Inputs, TensorRule[] Outputs) rules = component switch
        {
            // The pipeline always feeds 224×224 (diffusers' _encode_image()), whatever image_size says.
            PackComponent.ImageEncoder => (
                [Input(Models.ImageEncoder.InputName, Any("B"), rgb, Axis("height", 224, "the pipeline feeds CLIP 224×224 images"),
                    Axis("width", 224, "the pipeline feeds CLIP 224×224 images"))],
                [Output(Models.ImageEncoder.OutputName, Any("B"),
                    Axis("P", imageEncoder?.ProjectionDim, $"{ImageEncoderConfig.RelativePath} projection_dim is {imageEncoder?.ProjectionDim}", fromConfig: true))]),
            PackComponent.VaeEncoder => (
                [Input(Models.VaeEncoder.InputName, Any("B"), rgb, Any("H"), Any("W"))],
                [Output(Models.VaeEncoder.OutputName, Any("B"), latentChannels, Any("h"), Any("w"))]),
            PackComponent.VaeDecoder => (
                [Input(Models.VaeDecoder.InputName, Any("N"), latentChannels, Any("h"), Any("w"))],
                [Output(Models.VaeDecoder.OutputName, Any("N"), rgb, Any("H"), Any("W"))]),
            PackComponent.UNet => (
                [
                    Input(Models.UNet.SampleName, Any("B"), Frames(unet),
                        Axis("channels", unet?.InChannels, $"{UNetConfig.RelativePath} in_channels is {unet?.InChannels}", fromConfig: true), Any("h"), Any("w")),
                    io.UNetTimestepShape == TimestepShape.One
                        ? Input(Models.UNet.TimestepName, Axis("one", 1,
                            $"{ModelPack.SettingsFileName} sets {PackIo.Key}.unet.timestep_shape \"one\", so the pipeline feeds one timestep for the whole batch"))
                        : Input(Models.UNet.TimestepName, Any("B")),
                    Input(Models.UNet.EncoderHiddenStatesName, Any("B"), Axis("tokens", 1, "the pipeline feeds one image embedding per video"),
                        Axis("P", unet?.CrossAttentionDim, $"{UNetConfig.RelativePath} cross_attention_dim is {unet?.CrossAttentionDim}", fromConfig: true)),
                    Input(Models.UNet.AddedTimeIdsName, Any("B"),
                        Axis("ids", 3, "the pipeline feeds 3 added time ids (fps − 1, motion_bucket_id, noise_aug_strength)")),
                ],
                [Output(Models.UNet.OutputName, Any("B"), Frames(unet),
                    Axis("channels", unet?.OutChannels, $"{UNetConfig.RelativePath} out_channels is {unet?.OutChannels}", fromConfig: true), Any("h"), Any("w"))]),
            _ => throw new ArgumentOutOfRangeException(nameof(component), component, "Not a pack component."),
        };
        return new GraphContract(component, rules.Inputs, rules.Outputs, io.UNetTimestepShape);
    }

    /// <summary>The contract's input and output names of <paramref name="component"/> (Inference README §3.2), the keys svdweb.json may map.</summary>
    public static (IReadOnlyList<string> Inputs, IReadOnlyList<string> Outputs) Names(PackComponent component)
    {
        var contract = For(component, null, null, null, PackIo.Default);
        return (contract._inputs.Select(r => r.Name).ToArray(), contract._outputs.Select(r => r.Name).ToArray());
    }

    /// <summary>Adds one problem per mismatch between the contract and the declared signature.</summary>
    public void Check(OnnxGraphInfo graph, List<string> problems)
    {
        var file = ModelPack.RelativeModelPath(_component);
        var stage = ModelPack.DisplayName(_component);
        var fed = string.Join(", ", _inputs.Select(i => $"{i.GraphName} {i.Layout}"));
        foreach (var rule in _inputs)
        {
            var input = graph.Inputs.FirstOrDefault(i => i.Name == rule.GraphName);
            if (input is null)
            {
                problems.Add($"{file} has no input '{rule.GraphName}'{rule.MappedNote} (its inputs: {Names(graph.Inputs)}); the pipeline feeds {fed}. " +
                    $"{RenameFix(rule, "input", graph.Inputs.Where(i => _inputs.All(r => r.GraphName != i.Name)).ToList(), stage)}");
                continue;
            }
            CheckTensor(input, rule, "input", file, stage, problems);
        }
        foreach (var extra in graph.Inputs.Where(i => _inputs.All(rule => rule.GraphName != i.Name)))
        {
            problems.Add($"{file} has an input '{extra.Name}' {extra.ShapeText} that the pipeline does not feed (it feeds " +
                $"{string.Join(", ", _inputs.Select(i => i.GraphName))}), so ONNX Runtime would refuse every run. Re-export the {stage} with exactly those inputs.");
        }
        foreach (var rule in _outputs)
        {
            var output = graph.Outputs.FirstOrDefault(o => o.Name == rule.GraphName);
            if (output is null)
            {
                problems.Add($"{file} has no output '{rule.GraphName}'{rule.MappedNote} (its outputs: {Names(graph.Outputs)}); the pipeline reads " +
                    $"{rule.GraphName} {rule.Layout}. {RenameFix(rule, "output", graph.Outputs.Where(o => _outputs.All(r => r.GraphName != o.Name)).ToList(), stage)}");
                continue;
            }
            CheckTensor(output, rule, "output", file, stage, problems);
        }
        if (_component == PackComponent.UNet && _timestepShape == TimestepShape.Batch)
            CheckTimestepPerRow(graph, file, stage, problems);
    }

    /// <summary>
    /// The fix for a missing input or output: when the graph has names the contract does not claim, it may simply use
    /// other names (another exporter's), which svdweb.json can map; a concrete mapping is offered when one name is left.
    /// </summary>
    private string RenameFix(TensorRule rule, string kind, IReadOnlyList<OnnxValueInfo> unclaimed, string stage)
    {
        var direction = kind + "s";
        var component = PackIo.ComponentKey(_component);
        if (rule.GraphName != rule.Name)
        {
            return $"Fix {ModelPack.SettingsFileName} {PackIo.Key}.{component}.{direction}.{rule.Name} to the graph's name for it" +
                (unclaimed.Count == 0 ? "" : $" (unused there: {Names(unclaimed)})") + ", or remove the mapping.";
        }
        var graphName = unclaimed.Count == 1 ? unclaimed[0].Name : "<its name in the graph>";
        return $"Re-export the {stage} with the {kind} name {rule.Name}, or, if the graph calls it otherwise, map it in {ModelPack.SettingsFileName}: " +
            $"{{\"{PackIo.Key}\": {{\"{component}\": {{\"{direction}\": {{\"{rule.Name}\": \"{graphName}\"}}}}}}}}.";
    }

    /// <summary>
    /// A timestep fixed at [1] beside a sample whose batch is not fixed at 1 is the TensorRT repo's export: one
    /// timestep for the whole batch. Fed a timestep per row, it fails on every run with guidance, so say so now.
    /// </summary>
    private void CheckTimestepPerRow(OnnxGraphInfo graph, string file, string stage, List<string> problems)
    {
        var timestepRule = _inputs.Single(r => r.Name == Models.UNet.TimestepName);
        var sampleRule = _inputs.Single(r => r.Name == Models.UNet.SampleName);
        var timestep = graph.Inputs.FirstOrDefault(i => i.Name == timestepRule.GraphName);
        var sample = graph.Inputs.FirstOrDefault(i => i.Name == sampleRule.GraphName);
        if (timestep?.Shape is not [{ Value: 1 }] || sample?.Shape is not [var sampleBatch, ..] || sampleBatch.Value == 1)
            return;
        problems.Add($"{file} input '{timestep.Name}'{timestepRule.MappedNote} is {timestep.ShapeText}, but the pipeline feeds one timestep per batch row " +
            $"(timestep [B], as diffusers' export takes it), and the batch of '{sample.Name}' {sample.ShapeText} is not fixed at 1, so every run with guidance would fail. " +
            $"If the graph broadcasts one timestep to the whole batch (the TensorRT repo's export does), set \"timestep_shape\": \"one\" under " +
            $"{PackIo.Key}.{PackIo.ComponentKey(PackComponent.UNet)} in {ModelPack.SettingsFileName}; otherwise re-export the {stage} with a dynamic batch axis on the timestep.");
    }

    private static void CheckTensor(OnnxValueInfo value, TensorRule rule, string kind, string file, string stage, List<string> problems)
    {
        var what = $"{file} {kind} '{value.Name}'{rule.MappedNote}";
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

    private readonly record struct AxisRule(string Label, int? Expected, string? Why, bool FromConfig);

    /// <param name="Name">The contract's name (Inference README §3.2).</param>
    /// <param name="GraphName">The name in the ONNX file: <paramref name="Name"/> unless svdweb.json maps it.</param>
    private sealed record TensorRule(string Name, string GraphName, AxisRule[] Axes)
    {
        /// <summary>" (mapped from out_sample in svdweb.json)" for a mapped name, so a message names both; else empty.</summary>
        public string MappedNote => GraphName == Name ? "" : $" (mapped from {Name} in {ModelPack.SettingsFileName})";

        /// <summary>"[B,F,8,h,w]": the value an axis must have where one is known, else its name.</summary>
        public string Layout => $"[{string.Join(',', Axes.Select(a => a.Expected?.ToString(CultureInfo.InvariantCulture) ?? a.Label))}]";

        // The UNet's 5-D tensors are the layout people get wrong: diffusers puts frames before channels.
        public string Note => Axes.Length == 5 ? " (frames before channels)" : "";
    }
}
