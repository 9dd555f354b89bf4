namespace SvdWeb.Inference.Imaging;

/// <summary>
/// Brings an image to the output aspect ratio before the pipeline sees it (<see cref="FitMode"/>). Only the framing
/// changes, never the pixels kept: the result still goes through diffusers' own resize, so <see cref="FitMode.Stretch"/>
/// (the image as given) is exactly diffusers' behaviour, and crop or pad equal diffusers run on the cropped or padded
/// image.
/// </summary>
public static class ImageFit
{
    public static RgbImage Apply(RgbImage image, int width, int height, FitMode fit)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        return fit switch
        {
            FitMode.Stretch => image,
            FitMode.Crop => CenterCrop(image, width, height),
            FitMode.Pad => Pad(image, width, height),
            _ => throw new ArgumentOutOfRangeException(nameof(fit), fit, "Fit must be stretch, crop or pad."),
        };
    }

    /// <summary>The size <see cref="Apply"/> gives an image of this size, without touching pixels (to check a recipe early).</summary>
    public static (int Width, int Height) SizeOf(int imageWidth, int imageHeight, int width, int height, FitMode fit)
    {
        // Compare aspect ratios exactly in integers: image.W / image.H against width / height.
        var lhs = (long)imageWidth * height;
        var rhs = (long)width * imageHeight;
        if (fit == FitMode.Stretch || lhs == rhs) return (imageWidth, imageHeight);
        if (fit == FitMode.Crop)
        {
            return lhs > rhs
                ? (Math.Clamp((int)Math.Round((double)imageHeight * width / height, MidpointRounding.AwayFromZero), 1, imageWidth), imageHeight)
                : (imageWidth, Math.Clamp((int)Math.Round((double)imageWidth * height / width, MidpointRounding.AwayFromZero), 1, imageHeight));
        }
        return lhs > rhs
            ? (imageWidth, Math.Max(imageHeight, (int)Math.Round((double)imageWidth * height / width, MidpointRounding.AwayFromZero)))
            : (Math.Max(imageWidth, (int)Math.Round((double)imageHeight * width / height, MidpointRounding.AwayFromZero)), imageHeight);
    }

    /// <summary>The largest centred region of the target aspect ratio (rounded to whole pixels, at least one).</summary>
    private static RgbImage CenterCrop(RgbImage image, int width, int height)
    {
        var (cropWidth, cropHeight) = SizeOf(image.Width, image.Height, width, height, FitMode.Crop);
        if (cropWidth == image.Width && cropHeight == image.Height) return image;
        int left = (image.Width - cropWidth) / 2, top = (image.Height - cropHeight) / 2;
        var pixels = new byte[cropWidth * cropHeight * 3];
        for (var y = 0; y < cropHeight; y++)
            image.Pixels.AsSpan(((top + y) * image.Width + left) * 3, cropWidth * 3).CopyTo(pixels.AsSpan(y * cropWidth * 3));
        return new RgbImage(cropWidth, cropHeight, pixels);
    }

    /// <summary>The smallest canvas of the target aspect ratio holding the whole image, centred on black.</summary>
    private static RgbImage Pad(RgbImage image, int width, int height)
    {
        var (canvasWidth, canvasHeight) = SizeOf(image.Width, image.Height, width, height, FitMode.Pad);
        if (canvasWidth == image.Width && canvasHeight == image.Height) return image;
        int left = (canvasWidth - image.Width) / 2, top = (canvasHeight - image.Height) / 2;
        var pixels = new byte[checked(canvasWidth * canvasHeight * 3)];
        for (var y = 0; y < image.Height; y++)
            image.Pixels.AsSpan(y * image.Width * 3, image.Width * 3).CopyTo(pixels.AsSpan(((top + y) * canvasWidth + left) * 3));
        return new RgbImage(canvasWidth, canvasHeight, pixels);
    }
}
