using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using SvdWeb.Jobs;

namespace SvdWeb.Tests.Integration;

/// <summary>A SignalR client of /hubs/progress on a test server, reading enums as the hub writes them (camelCase names).</summary>
internal static class ProgressHubClient
{
    /// <summary>HTTP long polling through the test server; with a token, sent as a bearer header on negotiate and every poll.</summary>
    public static HubConnection LongPolling(TestServer server, string? secret = null) =>
        new HubConnectionBuilder()
            .WithUrl(new Uri(server.BaseAddress, ProgressHub.Path), options =>
            {
                options.HttpMessageHandlerFactory = _ => server.CreateHandler();
                options.Transports = HttpTransportType.LongPolling;
                if (secret is not null) options.AccessTokenProvider = () => Task.FromResult<string?>(secret);
            })
            .AddJsonProtocol(options => options.PayloadSerializerOptions.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.CamelCase)))
            .Build();
}
