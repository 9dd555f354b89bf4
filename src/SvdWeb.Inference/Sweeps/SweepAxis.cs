using System.Globalization;

namespace SvdWeb.Inference.Sweeps;

/// <summary>One varied setting of a sweep and the values it takes, in the order given (the grid's column or row order).</summary>
public sealed record SweepAxis(SweepParameter Parameter, IReadOnlyList<double> Values)
{
    /// <summary>The most values one axis may list; the product of both axes is held to <see cref="SweepPlan.MaxCells"/> as well.</summary>
    public const int MaxValues = SweepPlan.MaxCells;

    /// <summary>
    /// Reads "name=v1,v2,…" (the CLI's --vary and the API's <c>vary</c> field), e.g. "motionBucketId=60,127,200".
    /// </summary>
    /// <exception cref="SvdInputException">Field "vary": the text, the parameter or a value is not usable, saying which and how to fix it.</exception>
    public static SweepAxis Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var equals = text.IndexOf('=', StringComparison.Ordinal);
        if (equals <= 0)
            throw Problem($"'{Shorten(text)}' is not a varied setting. Write NAME=V1,V2,… such as motionBucketId=60,127,200; NAME is one of {SweepParameter.Names}.");
        var name = text[..equals].Trim();
        var parameter = SweepParameter.Find(name)
            ?? throw Problem($"'{Shorten(name)}' cannot be varied. A sweep varies one or two of {SweepParameter.Names}.");
        var parts = text[(equals + 1)..].Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length < 2)
            throw Problem($"{parameter.Name} lists {parts.Length} value(s); a varied setting needs at least 2, separated by commas (e.g. {parameter.Name}=1,2).");
        if (parts.Length > MaxValues)
            throw Problem($"{parameter.Name} lists {parts.Length} values; a sweep has at most {SweepPlan.MaxCells} cells, so at most {MaxValues} values.");
        var values = new List<double>(parts.Length);
        foreach (var part in parts)
        {
            if (!double.TryParse(part, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || !double.IsFinite(value))
                throw Problem($"{parameter.Name} value '{Shorten(part)}' is not a number. Use digits with '.' for decimals, separated by commas.");
            if (parameter.IsWhole && (value != Math.Floor(value) || Math.Abs(value) > long.MaxValue / 2))
                throw Problem($"{parameter.Name} value '{Shorten(part)}' must be a whole number.");
            if (values.Contains(value))
                throw Problem($"{parameter.Name} lists {parameter.Format(value)} twice; each value makes one cell, so list each once.");
            values.Add(value);
        }
        return new SweepAxis(parameter, values);
    }

    /// <summary>The axis as <see cref="Parse"/> reads it back: "motionBucketId=60,127,200".</summary>
    public override string ToString() => $"{Parameter.Name}={ValuesText}";

    /// <summary>The values, comma-separated, invariant: how the sweep row stores them.</summary>
    public string ValuesText => string.Join(",", Values.Select(Parameter.Format));

    /// <summary>A cell's label part: "motion 60".</summary>
    public string LabelOf(int index) => $"{Parameter.Label} {Parameter.Format(Values[index])}";

    internal static SvdInputException Problem(string message) => new("vary", message);

    private static string Shorten(string text) => text.Length > 40 ? text[..40] + "…" : text;
}
