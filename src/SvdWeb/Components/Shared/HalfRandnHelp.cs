using SvdWeb.Inference.Models;
using SvdWeb.Inference.Rng;

namespace SvdWeb.Components.Shared;

/// <summary>
/// What the recipe's <c>halfRandn</c> means, in the words of the Create page's setting and the detail page's recipe, so
/// the two never disagree. The facts are <see cref="HalfRandnMode"/>'s (Inference README §6.6): torch's pull request
/// #179834 replaced the float16 <c>torch.randn</c> algorithm, and a pack draws its starting latents in float16 only
/// when its UNet is float16 (SvdPipeline's PrepareLatents).
/// </summary>
public static class HalfRandnHelp
{
    public const string Explanation =
        "halfRandn only matters for float16 packs. torch 2.12 changed how torch.randn makes float16 noise: " +
        "\"legacy\" reproduces torch ≤ 2.11, \"new\" torch ≥ 2.12; the same seed gives entirely different noise in the two. " +
        "Pick the one of the torch whose video you want to match. It changes the video only for float16 packs: " +
        "a float32 pack draws float32 noise and ignores it.";

    public static string Label(HalfRandnMode mode) => mode switch
    {
        HalfRandnMode.Legacy => "legacy (torch ≤ 2.11)",
        HalfRandnMode.New => "new (torch ≥ 2.12)",
        _ => mode.ToString().ToLowerInvariant(),
    };

    /// <summary>Whether the setting changes this pack's video: it does when the pack's UNet is float16.</summary>
    public static string PackNote(ModelPack? pack) => pack is null
        ? ""
        : pack.WeightTypes.GetValueOrDefault(PackComponent.UNet) == "float16"
            ? $"{pack.Name} is a float16 pack: this choice changes its video."
            : $"{pack.Name} is {pack.Precision}: this choice changes nothing for it.";
}
