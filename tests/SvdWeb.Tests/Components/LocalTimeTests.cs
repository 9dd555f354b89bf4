using Bunit;
using SvdWeb.Components.Shared;
using SvdWeb.Gallery;
using SvdWeb.Inference;
using SvdWeb.Inference.Models;
using SvdWeb.TestSupport;

namespace SvdWeb.Tests.Components;

/// <summary>
/// The one component every page shows dates with: a time element carrying the instant as ISO 8601 UTC, UTC text until
/// the browser's Intl.DateTimeFormat answers (bUnit's JS interop stands in for it), and one question per value.
/// </summary>
public sealed class LocalTimeTests : BunitContext
{
    private const string FormatTime = "svdweb.formatTime";
    private static readonly DateTime Instant = new(2026, 3, 10, 12, 5, 30, DateTimeKind.Utc);

    public LocalTimeTests()
    {
        JSInterop.Mode = JSRuntimeMode.Strict;
        Services.AddMudServicesForTests();
    }

    [Fact]
    public void Render_BeforeTheBrowserAnswers_IsoUtcAttributeAndUtcText()
    {
        JSInterop.Setup<string?>(FormatTime, "2026-03-10T12:05:30Z", "DateTime");

        var time = Render<LocalTime>(p => p.Add(c => c.Value, Instant)).Find("time");

        Assert.Equal("2026-03-10T12:05:30Z", time.GetAttribute("datetime"));
        // Labelled UTC, so text the browser has not (yet) converted is never read as local time.
        Assert.Equal("2026-03-10 12:05 UTC", time.TextContent);
        Assert.Equal("2026-03-10 12:05 UTC", time.GetAttribute("title"));
    }

    [Theory]
    [InlineData(DateTimeKind.Unspecified)]
    [InlineData(DateTimeKind.Local)]
    public void Render_NotUtcKind_AttributeStillTheUtcInstant(DateTimeKind kind)
    {
        JSInterop.Setup<string?>(FormatTime, "2026-03-10T12:05:30Z", "DateTime");
        // EF's SQLite provider reads Unspecified; a Local value means the same instant in the server's zone.
        var value = kind == DateTimeKind.Local ? Instant.ToLocalTime() : DateTime.SpecifyKind(Instant, DateTimeKind.Unspecified);

        var time = Render<LocalTime>(p => p.Add(c => c.Value, value)).Find("time");

        Assert.Equal("2026-03-10T12:05:30Z", time.GetAttribute("datetime"));
    }

    [Fact]
    public void Render_BrowserAnswers_ShowsItsLocalTextAndKeepsTheUtcAttribute()
    {
        JSInterop.Setup<string?>(FormatTime, "2026-03-10T12:05:30Z", "DateTimeSeconds").SetResult("10.03.2026, 21:05:30");

        var cut = Render<LocalTime>(p => p.Add(c => c.Value, Instant).Add(c => c.Format, LocalTimeFormat.DateTimeSeconds));

        cut.WaitForAssertion(() => Assert.Equal("10.03.2026, 21:05:30", cut.Find("time").TextContent));
        Assert.Equal("2026-03-10T12:05:30Z", cut.Find("time").GetAttribute("datetime"));
        Assert.Equal("2026-03-10 12:05:30 UTC", cut.Find("time").GetAttribute("title"));
    }

    [Fact]
    public void Rerender_SameValue_AsksTheBrowserOnce_NewValueAsksAgain()
    {
        JSInterop.Setup<string?>(FormatTime, "2026-03-10T12:05:30Z", "DateTime").SetResult("first");
        var later = JSInterop.Setup<string?>(FormatTime, "2026-03-11T00:00:00Z", "DateTime");
        var cut = Render<LocalTime>(p => p.Add(c => c.Value, Instant));
        cut.WaitForAssertion(() => Assert.Equal("first", cut.Find("time").TextContent));

        cut.Render(p => p.Add(c => c.Value, Instant));
        cut.Render(p => p.Add(c => c.Value, Instant));

        Assert.Single(JSInterop.Invocations, i => i.Identifier == FormatTime);
        cut.Render(p => p.Add(c => c.Value, new DateTime(2026, 3, 11, 0, 0, 0, DateTimeKind.Utc)));
        // The previous value's local text never stands for the new value: UTC until the browser answers.
        Assert.Equal("2026-03-11 00:00 UTC", cut.Find("time").TextContent);
        later.SetResult("second");
        cut.WaitForAssertion(() => Assert.Equal("second", cut.Find("time").TextContent));
        Assert.Equal(2, JSInterop.Invocations.Count(i => i.Identifier == FormatTime));
    }

    [Fact]
    public void Render_TimeFormat_UtcTextIsTheTimeOnly()
    {
        JSInterop.Setup<string?>(FormatTime, "2026-03-11T00:00:00Z", "Time");

        var time = Render<LocalTime>(p => p.Add(c => c.Value, new DateTime(2026, 3, 11, 0, 0, 0, DateTimeKind.Utc)).Add(c => c.Format, LocalTimeFormat.Time)).Find("time");

        Assert.Equal("00:00 UTC", time.TextContent);
        Assert.Equal("2026-03-11T00:00:00Z", time.GetAttribute("datetime"));
    }

    [Fact]
    public void GalleryCard_ShowsItsDateThroughLocalTime()
    {
        JSInterop.Mode = JSRuntimeMode.Loose;
        var item = new Job
        {
            Id = Guid.NewGuid(),
            CreatedUtc = Instant,
            ModelName = "tiny-svd",
            ModelHash = new string('a', 64),
            MediaFolder = "x",
            InputFileName = "logo.png",
            InputFile = "input.png",
            InputSha256 = new string('b', 64),
            Recipe = SvdRecipe.Defaults.Resolve(ModelPack.Load(Fixtures.TinyPack)),
        };

        var card = Render<GalleryCard>(p => p.Add(c => c.Item, item));

        Assert.Equal("2026-03-10T12:05:30Z", card.FindComponent<LocalTime>().Find("time").GetAttribute("datetime"));
    }
}
