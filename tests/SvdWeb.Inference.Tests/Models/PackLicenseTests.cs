using SvdWeb.Inference.Models;
using SvdWeb.TestSupport;

namespace SvdWeb.Inference.Tests.Models;

public sealed class PackLicenseTests
{
    private const string CommunityLicense = "STABILITY AI COMMUNITY LICENSE AGREEMENT\nLast Updated: July 5, 2024\nSee https://stability.ai/community-license-agreement for details.\n";

    [Fact]
    public void Load_TinyPack_HasNoLicense()
    {
        Assert.Null(ModelPack.Load(Fixtures.TinyPack).License);
    }

    [Fact]
    public void Load_PackWithLicenseMd_ReadsTextHashAndFirstAddress()
    {
        using var copy = new TempPackCopy();
        copy.WriteText("LICENSE.md", CommunityLicense);

        var license = ModelPack.Load(copy.Folder).License;

        Assert.NotNull(license);
        Assert.Equal("LICENSE.md", license.FileName);
        Assert.Equal(CommunityLicense, license.Text);
        Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(copy.PathOf("LICENSE.md")))), license.Sha256);
        Assert.Equal(new Uri("https://stability.ai/community-license-agreement"), license.Url);
    }

    [Fact]
    public void Load_LicenseUrlInSettings_TakesPrecedence()
    {
        using var copy = new TempPackCopy();
        copy.WriteText("LICENSE", CommunityLicense);
        copy.WriteText("svdweb.json", "{\"default_height\": 64, \"default_width\": 128, \"license_url\": \"https://example.org/svd-license\"}");

        Assert.Equal(new Uri("https://example.org/svd-license"), ModelPack.Load(copy.Folder).License!.Url);
    }

    [Fact]
    public void Validate_LicenseUrlNotWebAddress_NamesKey()
    {
        using var copy = new TempPackCopy();
        copy.WriteText("svdweb.json", "{\"default_height\": 64, \"default_width\": 128, \"license_url\": \"LICENSE.md\"}");

        var problem = Assert.Single(ModelPack.Validate(copy.Folder).Problems);

        Assert.Contains("svdweb.json: key 'license_url' is \"LICENSE.md\"", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_ModelCardWithLicenseFrontMatter_IsTheLicense()
    {
        using var copy = new TempPackCopy();
        copy.WriteText("README.md", "---\nlicense: other\nlicense_name: stable-video-diffusion-community\nlicense_link: https://huggingface.co/stabilityai/stable-video-diffusion-img2vid-xt/blob/main/LICENSE.md\n---\n# SVD-XT\n");

        var license = ModelPack.Load(copy.Folder).License;

        Assert.Equal("README.md", license!.FileName);
        Assert.Equal("https://huggingface.co/stabilityai/stable-video-diffusion-img2vid-xt/blob/main/LICENSE.md", license.Url!.ToString());
    }

    [Fact]
    public void Load_ReadmeWithoutLicenseKey_IsNoLicense()
    {
        using var copy = new TempPackCopy();
        copy.WriteText("README.md", "# notes\nA pack for tests.\n");

        Assert.Null(ModelPack.Load(copy.Folder).License);
    }

    [Fact]
    public void Load_ChangedLicense_ChangesHash()
    {
        using var copy = new TempPackCopy();
        copy.WriteText("LICENSE", CommunityLicense);
        var before = ModelPack.Load(copy.Folder).License!.Sha256;

        copy.WriteText("LICENSE", CommunityLicense + "Amended.\n");

        Assert.NotEqual(before, ModelPack.Load(copy.Folder).License!.Sha256);
    }
}
