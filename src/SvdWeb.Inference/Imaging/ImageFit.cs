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

    /// <summary>The largest centred region of the target aspect ratio (rounded to whole pixels, at least one).</summary>
    private static RgbImage CenterCrop(RgbImage image, int width, int height)
    {
        // Compare aspect ratios exactly in integers: image.W / image.H against width / height.
        var lhs = (long)image.Width * height;
        var rhs = (long)width * image.Height;
        if (lhs == rhs) return image;
        int cropWidth = image.Width, cropHeight = image.Height;
        if (lhs > rhs)
            cropWidth = Math.Clamp((int)Math.Round((double)image.Height * width / height, MidpointRounding.AwayFromZero), 1, image.Width);
        else
            cropHeight = Math.Clamp((int)Math.Round((double)image.Width * height / width, MidpointRounding.AwayFromZero), 1, image.Height);
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
        var lhs = (long)image.Width * height;
        var rhs = (long)width * image.Height;
        if (lhs == rhs) return image;
        int canvasWidth = image.Width, canvasHeight = image.Height;
        if (lhs > rhs)
            canvasHeight = Math.Max(image.Height, (int)Math.Round((double)image.Width * height / width, MidpointRounding.AwayFromZero));
        else
            canvasWidth = Math.Max(image.Width, (int)Math.Round((double)image.Height * width / height, MidpointRounding.AwayFromZero));
        if (canvasWidth == image.Width && canvasHeight == image.Height) return image;
        int left = (canvasWidth - image.Width) / 2, top = (canvasHeight - image.Height) / 2;
        var pixels = new byte[checked(canvasWidth * canvasHeight * 3)];
        for (var y = 0; y < image.Height; y++)
            image.Pixels.AsSpan(y * image.Width * 3, image.Width * 3).CopyTo(pixels.AsSpan(((top + y) * canvasWidth + left) * 3));
        return new RgbImage(canvasWidth, canvasHeight, pixels);
    }
}
