using SvdWeb.Inference.Onnx;

namespace SvdWeb.Inference;

/// <summary>What a run produced, with the fully resolved recipe that reproduces it and where it ran.</summary>
public sealed record SvdResult(ResolvedRecipe Recipe, IReadOnlyList<SvdVideo> Videos, ExecutionProviderInfo Provider, SvdTimings Timings);
