using SvdWeb.Inference;

namespace SvdWeb.Jobs;

/// <summary>The pack ships a license no admin has accepted (or its license changed since); nothing was stored.</summary>
public sealed class PackLicenseNotAcceptedException(string pack, string licenseFile)
    : UserFacingException($"Model pack '{pack}' ships a license ({licenseFile}) that has not been accepted. An admin must accept the license on /models before anyone can use this pack.")
{
    public string Pack { get; } = pack;

    public override int Status => 403;

    public override string Title => "Model pack license not accepted";
}
