namespace SvdWeb.Inference.Models;

/// <summary>
/// The two keys of <c>feature_extractor/preprocessor_config.json</c> the pipeline uses: CLIP normalisation's per-channel
/// mean and std (RGB). diffusers forces resize, crop and rescale off and normalize on (_encode_image()), so the file's
/// other keys do not matter.
/// </summary>
/// <param name="ImageMean">3 values, parsed as double then rounded to float32: transformers normalises with float32 arrays.</param>
/// <param name="ImageStd">3 values, each greater than 0, rounded the same way.</param>
public sealed record FeatureExtractorConfig(IReadOnlyList<float> ImageMean, IReadOnlyList<float> ImageStd)
{
    public const string RelativePath = "feature_extractor/preprocessor_config.json";

    internal static FeatureExtractorConfig? Read(PackJsonFile json)
    {
        var mean = json.NumberArray("image_mean", 3);
        var std = json.NumberArray("image_std", 3, above: 0);
        if (mean is null || std is null)
            return null;
        return new FeatureExtractorConfig(mean.Select(v => (float)v).ToArray(), std.Select(v => (float)v).ToArray());
    }
}
