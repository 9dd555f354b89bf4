using SvdWeb.Options;

namespace SvdWeb.Tests.Options;

public sealed class AccountsOptionsValidatorTests
{
    private static string Failure(AccountsOptions options)
    {
        var result = new AccountsOptionsValidator().Validate(null, options);
        Assert.True(result.Failed, "Expected a validation failure.");
        return result.FailureMessage;
    }

    [Fact]
    public void Validate_Defaults_SucceedsWithProxySignInOff()
    {
        var options = new AccountsOptions();

        Assert.True(new AccountsOptionsValidator().Validate(null, options).Succeeded);
        Assert.False(options.IsProxyMode);
    }

    [Fact]
    public void Validate_HeaderAddressesAndRanges_Succeeds()
    {
        var options = new AccountsOptions { ProxyHeader = "X-Forwarded-User", TrustedProxies = ["127.0.0.1", "::1", "10.1.0.0/16", "2001:db8::/32"] };

        Assert.True(new AccountsOptionsValidator().Validate(null, options).Succeeded);
    }

    [Fact]
    public void Validate_HeaderWithoutProxies_SaysToListTheProxy()
    {
        var message = Failure(new AccountsOptions { ProxyHeader = "X-Forwarded-User" });

        Assert.Contains("SvdWeb:Accounts:ProxyHeader is 'X-Forwarded-User' but SvdWeb:Accounts:TrustedProxies is empty", message, StringComparison.Ordinal);
        Assert.Contains("SvdWeb__Accounts__TrustedProxies__0=127.0.0.1", message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_ProxiesWithoutHeader_SaysToSetIt()
    {
        var message = Failure(new AccountsOptions { TrustedProxies = ["127.0.0.1"] });

        Assert.Contains("SvdWeb:Accounts:TrustedProxies is set but SvdWeb:Accounts:ProxyHeader is empty", message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("10.0.0.1/8")]      // bits after the prefix
    [InlineData("10.0.0.0/33")]
    [InlineData("10.0.0.300")]
    [InlineData("10.1")]            // inet_aton would read 10.0.0.1
    [InlineData("proxy.lab")]
    [InlineData("")]
    public void Validate_MalformedEntry_NamesIt(string entry)
    {
        var message = Failure(new AccountsOptions { ProxyHeader = "X-Forwarded-User", TrustedProxies = ["127.0.0.1", entry] });

        Assert.Contains($"SvdWeb:Accounts:TrustedProxies entry '{entry}' is not an IP address or CIDR range", message, StringComparison.Ordinal);
        Assert.DoesNotContain("'127.0.0.1'", message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_HeaderWithSpace_NotAHeaderName()
    {
        var message = Failure(new AccountsOptions { ProxyHeader = "X Forwarded User", TrustedProxies = ["127.0.0.1"] });

        Assert.Contains("SvdWeb:Accounts:ProxyHeader 'X Forwarded User' is not an HTTP header name", message, StringComparison.Ordinal);
    }
}
