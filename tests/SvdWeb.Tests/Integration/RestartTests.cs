using System.Net.Http.Json;
using Microsoft.Data.Sqlite;
using SvdWeb.Api;
using SvdWeb.Gallery;
using SvdWeb.TestSupport;

namespace SvdWeb.Tests.Integration;

/// <summary>A restart loses no job: two hosts in turn over one data folder (one SQLite file); the one stopped mid-run runs again.</summary>
public sealed class RestartTests : IDisposable
{
    private readonly string _data = Directory.CreateTempSubdirectory("svdweb-restart-").FullName;

    [Fact]
    public async Task Restart_WithRunningAndQueuedJobs_RunningGoesBackToItsPlaceAllComplete()
    {
        var ct = TestContext.Current.CancellationToken;
        Guid running, queuedA, queuedB;
        using (var first = new SvdWebFactory(_data))
        {
            var client = first.CreateClient();
            running = await SubmitAsync(client, """{"height":128,"width":256,"numFrames":6,"numInferenceSteps":25,"decodeChunkSize":3,"seed":1}""", ct);
            queuedA = await SubmitAsync(client, JobRequests.SmallRecipe, ct);
            queuedB = await SubmitAsync(client, JobRequests.SmallRecipe.Replace("42", "43", StringComparison.Ordinal), ct);
            await JobPolls.WaitForStatusAsync(client, running, JobStatus.Running, ct);
            await JobPolls.WaitForDenoisedAsync(client, running, 1, ct);
        } // host stops normally here, mid-job

        // Back in the queue, not a lost attempt, and none of the stopped run's outputs (its encoder had started) are left.
        Assert.Equal(("Queued", 1L, 0L), StoredAttempt(running));
        Assert.Equal(["input.png"], Directory.GetFiles(Path.Combine(_data, "media", running.ToString("N"))).Select(Path.GetFileName));

        using var second = new SvdWebFactory(_data);
        var restarted = second.CreateClient();
        var again = await JobPolls.WaitForEndAsync(restarted, running, ct);
        var a = await JobPolls.WaitForEndAsync(restarted, queuedA, ct);
        var b = await JobPolls.WaitForEndAsync(restarted, queuedB, ct);
        Assert.Equal((JobStatus.Succeeded, JobStatus.Succeeded, JobStatus.Succeeded), (again.Status, a.Status, b.Status));
        // At its place: first in line, as it was.
        Assert.True(again.StartedUtc <= a.StartedUtc && a.StartedUtc <= b.StartedUtc, "Queued jobs ran out of order.");
        Assert.Equal(("Succeeded", 2L, 0L), StoredAttempt(running));
    }

    /// <summary>The row's status, attempt and lost attempts, read from the database file while no host runs.</summary>
    private (string Status, long Attempt, long LostAttempts) StoredAttempt(Guid id)
    {
        using var connection = new SqliteConnection($"Data Source={Path.Combine(_data, "svdweb.db")};Pooling=false");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = """SELECT "Status", "Attempt", "LostAttempts" FROM "Generations" WHERE "Id" = $id""";
        command.Parameters.AddWithValue("$id", id.ToString().ToUpperInvariant());
        using var reader = command.ExecuteReader();
        Assert.True(reader.Read(), $"No row for job {id}.");
        return (reader.GetString(0), reader.GetInt64(1), reader.GetInt64(2));
    }

    private static async Task<Guid> SubmitAsync(HttpClient client, string recipe, CancellationToken ct)
    {
        var response = await client.PostAsync("/api/jobs", JobRequests.Form(Fixtures.Image("logo_128x64.png"), recipe), ct);
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<JobDto>(JobRequests.Json, ct))!.Id;
    }

    public void Dispose() => Directory.Delete(_data, recursive: true);
}
