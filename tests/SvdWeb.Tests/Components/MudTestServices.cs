using Microsoft.Extensions.DependencyInjection;
using MudBlazor.Services;

namespace SvdWeb.Tests.Components;

internal static class MudTestServices
{
    /// <summary>MudBlazor's services (localizer, popovers, key interceptor) that its components resolve on render.</summary>
    public static IServiceCollection AddMudServicesForTests(this IServiceCollection services) => services.AddMudServices();
}
