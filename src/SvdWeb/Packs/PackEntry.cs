using SvdWeb.Inference.Models;

namespace SvdWeb.Packs;

/// <summary>A folder in the models folder: the loaded pack when valid, else its problems.</summary>
public sealed record PackEntry(string Name, string Folder, ModelPack? Pack, IReadOnlyList<string> Problems)
{
    public bool IsValid => Pack is not null;
}
