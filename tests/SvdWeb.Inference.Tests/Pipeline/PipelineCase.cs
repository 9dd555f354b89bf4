using System.Text.Json;
using SvdWeb.Inference.Imaging;
using SvdWeb.TestSupport;

namespace SvdWeb.Inference.Tests.Pipeline;

/// <summary>One of the golden pipeline runs (golden/manifest.json → pipeline.cases): its call, and its tensors by name.</summary>
internal sealed record PipelineCase(string Name, string ImageFile, SvdRecipe Recipe, IReadOnlyDictionary<string, string> TensorFiles)
{
    public static PipelineCase Load(string name)
    {
        var json = Fixtures.Manifest.GetProperty("pipeline").GetProperty("cases").GetProperty(name);
        var call = json.GetProperty("call");
        var kwargs = call.GetProperty("kwargs");
        var recipe = new SvdRecipe
        {
            Height = kwargs.GetProperty("height").GetInt32(),
            Width = kwargs.GetProperty("width").GetInt32(),
            NumFrames = kwargs.GetProperty("num_frames").GetInt32(),
            NumInferenceSteps = kwargs.GetProperty("num_inference_steps").GetInt32(),
            MinGuidanceScale = (float)kwargs.GetProperty("min_guidance_scale").GetDouble(),
            MaxGuidanceScale = (float)kwargs.GetProperty("max_guidance_scale").GetDouble(),
            Fps = kwargs.GetProperty("fps").GetInt32(),
            MotionBucketId = kwargs.GetProperty("motion_bucket_id").GetInt32(),
            NoiseAugStrength = (float)kwargs.GetProperty("noise_aug_strength").GetDouble(),
            DecodeChunkSize = kwargs.GetProperty("decode_chunk_size").GetInt32(),
            Seed = call.GetProperty("seed").GetInt64(),
        };
        var tensors = json.GetProperty("tensors").EnumerateObject()
            .ToDictionary(t => t.Name, t => t.Value.GetProperty("file").GetString()!);
        return new PipelineCase(name, Path.GetFileName(call.GetProperty("image").GetString()!), recipe, tensors);
    }

    public RgbImage LoadImage() => ImageLoader.Load(Fixtures.Image(ImageFile), ImageLimits.Default);

    public NpyArray Golden(string tensor) => Fixtures.Golden(TensorFiles[tensor]);
}
