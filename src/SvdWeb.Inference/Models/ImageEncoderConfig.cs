namespace SvdWeb.Inference.Models;

/// <summary>The keys of <c>image_encoder/config.json</c> (transformers' CLIPVisionConfig) that validation and the pipeline read.</summary>
/// <param name="ProjectionDim">P, the length of image_embeds: 1024 for SVD; must equal the UNet's cross_attention_dim.</param>
/// <param name="ImageSize">The size CLIP was trained on (224). The pipeline feeds 224×224 regardless (_encode_image()).</param>
/// <param name="HiddenSize">Width of the vision transformer (1280 for ViT-H/14); informational.</param>
public sealed record ImageEncoderConfig(int ProjectionDim, int ImageSize, int HiddenSize)
{
    public const string RelativePath = "image_encoder/config.json";

    internal static ImageEncoderConfig? Read(PackJsonFile json)
    {
        var projectionDim = json.Int("projection_dim");
        var imageSize = json.Int("image_size");
        var hiddenSize = json.Int("hidden_size");
        if (projectionDim is null || imageSize is null || hiddenSize is null)
            return null;
        return new ImageEncoderConfig(projectionDim.Value, imageSize.Value, hiddenSize.Value);
    }
}
