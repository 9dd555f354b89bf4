using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;

namespace SvdWeb.Tests;

/// <summary>
/// Test-only: gives every request the connection address the factory holds at that moment, as if it came from another
/// machine. The test server has no socket, so otherwise RemoteIpAddress is null (an in-process caller). It runs first,
/// before authentication, and sets the connection's address, not X-Forwarded-For: that is what the app must judge by.
/// </summary>
internal sealed class RemoteAddressStartupFilter(Func<IPAddress?> address) : IStartupFilter
{
    public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
    {
        app.Use((context, nextMiddleware) =>
        {
            if (address() is { } remote) context.Connection.RemoteIpAddress = remote;
            return nextMiddleware(context);
        });
        next(app);
    };
}
