namespace SvdWeb.Inference;

/// <summary>
/// A model pack that cannot be used: a missing or unreadable file, a config that does not parse, an ONNX graph whose
/// inputs or outputs do not match the pipeline's contract, or components that do not fit together. Each problem is
/// one line naming the file, what was expected, what was found and the fix; <see cref="Problems"/> lists them all.
/// </summary>
public sealed class ModelPackException : UserFacingException
{
    public ModelPackException(string packFolder, IReadOnlyList<string> problems)
        : base(FormatMessage(packFolder, problems))
    {
        PackFolder = packFolder;
        Problems = problems;
    }

    public ModelPackException(string packFolder, string problem, Exception? innerException = null)
        : base(FormatMessage(packFolder, [problem]), innerException)
    {
        PackFolder = packFolder;
        Problems = [problem];
    }

    public string PackFolder { get; }

    public IReadOnlyList<string> Problems { get; }

    public override int Status => 422;

    public override string Title => "The model pack cannot be used";

    private static string FormatMessage(string packFolder, IReadOnlyList<string> problems) => problems.Count == 1
        ? $"Model pack '{packFolder}': {problems[0]}"
        : $"Model pack '{packFolder}' has {problems.Count} problems:{Environment.NewLine}- " +
          string.Join(Environment.NewLine + "- ", problems);
}
