namespace SvdWeb.Inference.Models;

/// <summary>The result of <see cref="ModelPack.Validate"/>.</summary>
/// <param name="Pack">The loaded pack when there are no problems, else null.</param>
/// <param name="Problems">One line per problem, each naming the file (relative to the pack), what was expected, what
/// was found and the fix. Empty when <paramref name="Pack"/> is set.</param>
public sealed record PackValidation(ModelPack? Pack, IReadOnlyList<string> Problems)
{
    public bool IsValid => Pack is not null;
}
