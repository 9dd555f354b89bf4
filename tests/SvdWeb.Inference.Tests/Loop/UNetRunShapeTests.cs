using Microsoft.ML.OnnxRuntime.Tensors;
using SvdWeb.Inference.Loop;

namespace SvdWeb.Inference.Tests.Loop;

/// <summary>
/// The key of a captured graph: two runs may share a graph exactly when every bound buffer has the same size and
/// element type, so each component on its own must make a different key, and what binds no buffer must not.
/// </summary>
public sealed class UNetRunShapeTests
{
    private static readonly UNetRunShape Base = LoopShapes.Run();

    public static TheoryData<string> Components => new(
        "Videos", "UNetBatch", "Frames", "LatentChannels", "LatentHeight", "LatentWidth", "EmbedDim", "TimestepCount",
        "SampleType", "TimestepType", "EncoderHiddenStatesType", "AddedTimeIdsType", "NoisePredType");

    [Theory]
    [MemberData(nameof(Components))]
    public void Equals_OneComponentDiffers_IsAnotherShape(string component)
    {
        const TensorElementType Half = TensorElementType.Float16;
        var other = component switch
        {
            "Videos" => Base with { Videos = 2 },
            "UNetBatch" => Base with { UNetBatch = 1 },
            "Frames" => Base with { Frames = 3 },
            "LatentChannels" => Base with { LatentChannels = 8 },
            "LatentHeight" => Base with { LatentHeight = 16 },
            "LatentWidth" => Base with { LatentWidth = 8 },
            "EmbedDim" => Base with { EmbedDim = 1024 },
            "TimestepCount" => Base with { TimestepCount = 1 },
            "SampleType" => Base with { SampleType = Half },
            "TimestepType" => Base with { TimestepType = Half },
            "EncoderHiddenStatesType" => Base with { EncoderHiddenStatesType = Half },
            "AddedTimeIdsType" => Base with { AddedTimeIdsType = Half },
            "NoisePredType" => Base with { NoisePredType = Half },
            _ => throw new ArgumentOutOfRangeException(nameof(component)),
        };

        Assert.NotEqual(Base, other);
        Assert.False(Base.Equals(other));
    }

    [Fact]
    public void Of_SameRunShape_IsEqualWithTheSameHash()
    {
        var a = UNetRunShape.Of(LoopShapes.Denoising());
        var b = UNetRunShape.Of(LoopShapes.Denoising());

        Assert.Equal(a, b);
        Assert.Equal(a.GetHashCode(), b.GetHashCode());
    }

    [Fact]
    public void Of_PreviewsAndPredictionType_DoNotChangeTheKey()
    {
        // Neither binds a UNet buffer (the preview is a host output of the uncaptured step graph), so both share a graph.
        var plain = LoopShapes.Denoising();
        var previews = plain with { Preview = true, VPrediction = false };

        Assert.NotEqual(plain, previews);
        Assert.Equal(UNetRunShape.Of(plain), UNetRunShape.Of(previews));
    }

    [Fact]
    public void Of_GuidanceDoublesTheBatch_IsAnotherShape()
    {
        // Two videos without guidance and one with it both give a UNet batch of 2, but not the same latents buffers.
        var twoVideos = UNetRunShape.Of(LoopShapes.Denoising(videos: 2, guidance: false));
        var guided = UNetRunShape.Of(LoopShapes.Denoising(videos: 1, guidance: true));

        Assert.Equal(twoVideos.UNetBatch, guided.UNetBatch);
        Assert.NotEqual(twoVideos, guided);
    }

    [Fact]
    public void Describe_NamesTheSizes()
    {
        Assert.Equal("V=1 Bu=2 F=2 C=4 h×w=8×16 P=32 timesteps=2 Float", Base.Describe());
    }
}
