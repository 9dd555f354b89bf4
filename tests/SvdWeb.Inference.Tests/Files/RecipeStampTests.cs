namespace SvdWeb.Inference.Tests.Files;

/// <summary>The wrapping of the recipe that SvdWeb writes into files: one ASCII line, versioned, told apart from other comments.</summary>
public sealed class RecipeStampTests
{
    private static readonly RecipeStamp Stamp = new(new SvdRecipe { Model = "packé", Seed = 7, Height = 64 }, "ab12", Guid.Parse("6c0f7f7e-3b8e-4a43-a1c2-5f0e0f3e2d11"));

    [Fact]
    public void ToJson_OneAsciiLineNamingFormatVersionPackAndItem()
    {
        var json = Stamp.ToJson();

        Assert.DoesNotContain('\n', json);
        Assert.All(json, c => Assert.True(c < 128, $"non-ASCII '{c}'"));
        Assert.StartsWith("{\"format\":\"svdweb-recipe\",\"version\":1,\"model\":\"pack\\u00E9\",\"modelHash\":\"ab12\",\"item\":\"6c0f7f7e-3b8e-4a43-a1c2-5f0e0f3e2d11\",\"recipe\":{", json, StringComparison.Ordinal);
        Assert.Equal(Stamp, RecipeStamp.Parse(json));
    }

    [Fact]
    public void Recipe_IsTheRecipeJsonAsWrittenAlone()
    {
        using var document = System.Text.Json.JsonDocument.Parse(Stamp.ToJson());

        Assert.Equal(Stamp.Recipe, SvdRecipe.FromJson(document.RootElement.GetProperty("recipe").GetRawText()));
    }

    [Theory]
    [InlineData("Made with another tool")]
    [InlineData("{\"seed\": 42}")]
    [InlineData("{\"format\":\"other\",\"version\":1,\"recipe\":{}}")]
    [InlineData("[1, 2]")]
    public void Parse_NotSvdWebs_Null(string text) => Assert.Null(RecipeStamp.Parse(text));

    [Fact]
    public void Parse_NewerVersion_SaysToUpdate()
    {
        var ex = Assert.Throws<SvdInputException>(() => RecipeStamp.Parse("{\"format\":\"svdweb-recipe\",\"version\":2,\"recipe\":{}}"));

        Assert.Contains("newer SvdWeb (recipe format 2; this one reads up to 1)", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_InvalidRecipe_NamesTheField()
    {
        var ex = Assert.Throws<SvdInputException>(() => RecipeStamp.Parse("{\"format\":\"svdweb-recipe\",\"version\":1,\"recipe\":{\"seed\":\"x\"}}"));

        Assert.Equal("seed", ex.Field);
    }
}
