using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using SvdWeb.Accounts;
using SvdWeb.Api;
using SvdWeb.Gallery;
using SvdWeb.Jobs;
using SvdWeb.Tests.Accounts;
using SvdWeb.Tests.Integration;
using SvdWeb.TestSupport;

namespace SvdWeb.Tests.Postgres;

/// <summary>
/// <c>svdweb copy-to-postgres</c> from a gallery the app made on SQLite into a real PostgreSQL database the app
/// migrated: afterwards the app on PostgreSQL over the same data folder serves everything the SQLite one did.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class PostgresCopyTests(PostgresServer server) : IDisposable
{
    private readonly string _data = Directory.CreateTempSubdirectory("svdweb-copy-").FullName;

    private static Dictionary<string, string?> OnPostgres(string connection, string role = "all") => new()
    {
        ["SvdWeb:Database:Provider"] = "postgres",
        ["SvdWeb:Database:ConnectionString"] = connection,
        ["SvdWeb:Role"] = role,
    };

    [Fact]
    public async Task Copy_GalleryMadeOnSqlite_AppOnPostgresListsServesSignsInAndTakesTheToken()
    {
        Assert.SkipWhen(server.Unavailable is not null, server.Unavailable ?? "");
        var ct = TestContext.Current.CancellationToken;
        Guid job;
        string secret;
        byte[] video;
        await using (var sqlite = new SvdWebFactory(_data))
        {
            var aliceId = await sqlite.Services.GetRequiredService<AccountService>().CreateAsync("alice", "alice password", admin: false, ct);
            secret = (await sqlite.Services.GetRequiredService<ApiTokenService>().CreateAsync(aliceId, "lab script", ct)).Secret;
            var client = Bearer(sqlite, secret);
            var response = await client.PostAsync("/api/jobs", JobRequests.Form(Fixtures.Image("logo_128x64.png"), JobRequests.SmallRecipe), ct);
            Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
            job = (await response.Content.ReadFromJsonAsync<JobDto>(JobRequests.Json, ct))!.Id;
            Assert.Equal(JobStatus.Succeeded, (await JobPolls.WaitForEndAsync(client, job, ct)).Status);
            video = await client.GetByteArrayAsync($"/api/jobs/{job}/video", ct);
        }
        var connection = await server.CreateDatabaseAsync(ct);
        // Migrated as the README says: the app started once with the postgres provider (on the gallery's own data
        // folder, whose media it must leave alone while its database holds no job).
        await using (var once = new SvdWebFactory(_data, settings: OnPostgres(connection, "web")))
        {
            _ = once.Services;
        }

        var copy = await CopyCommand.RunAsync(_data, connection, ct);

        Assert.True(copy.ExitCode == 0, copy.StandardOutput + copy.StandardError);
        foreach (var line in new[] { "Generations: 1 copied", "AspNetUsers: 1 copied", "AspNetUserRoles: 1 copied", "ApiTokens: 1 copied", "DataProtectionKeys: " })
            Assert.Contains(line, copy.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("AspNetRoles: 0 copied, 2 already there", copy.StandardOutput, StringComparison.Ordinal);
        Assert.DoesNotContain("Workers", copy.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("1 jobs; 0 media files missing", copy.StandardOutput, StringComparison.Ordinal);
        Assert.DoesNotContain("missing:", copy.StandardOutput, StringComparison.Ordinal);

        await using var postgres = new SvdWebFactory(_data, settings: OnPostgres(connection));
        Assert.IsType<Gallery.Postgres.PostgresGalleryDbContext>(await postgres.Services.GetRequiredService<IDbContextFactory<GalleryDbContext>>().CreateDbContextAsync(ct));
        var browser = await SignIn.AsAsync(postgres, "alice", "alice password", ct);
        Assert.Contains(job.ToString(), await browser.GetStringAsync("/api/gallery", ct), StringComparison.Ordinal);
        Assert.Equal(video, await browser.GetByteArrayAsync($"/api/jobs/{job}/video", ct));
        var byToken = await Bearer(postgres, secret).GetFromJsonAsync<JobDto>($"/api/jobs/{job}", JobRequests.Json, ct);
        Assert.Equal((JobStatus.Succeeded, 1), (byToken!.Status, byToken.VideoCount));
        Assert.Equal("alice", (await postgres.Services.GetRequiredService<JobService>().FindAsync(job, ct))!.OwnerName);
        Assert.DoesNotContain(postgres.Logs.Entries, e => e.Message.Contains("missing files", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Copy_TargetAlreadyHoldsJobs_RefusedAndNothingWrittenUntilForce()
    {
        Assert.SkipWhen(server.Unavailable is not null, server.Unavailable ?? "");
        var ct = TestContext.Current.CancellationToken;
        await using (var sqlite = new SvdWebFactory(_data))
        {
            await sqlite.Services.GetRequiredService<AccountService>().CreateAsync("bob", "bob password", admin: false, ct);
        }
        var connection = await server.CreateDatabaseAsync(ct);
        await using var web = new SvdWebFactory(_data, settings: OnPostgres(connection, "web"));
        var existing = await QueueRows.AddAsync(web.Services, "carol", ct);

        var refused = await CopyCommand.RunAsync(_data, connection, ct);

        Assert.Equal(1, refused.ExitCode);
        Assert.Contains("already holds 1 job(s)", refused.StandardError, StringComparison.Ordinal);
        Assert.Contains("--force", refused.StandardError, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", refused.StandardError, StringComparison.Ordinal);
        Assert.DoesNotContain(await web.Services.GetRequiredService<AccountService>().ListAsync(ct), u => u.UserName == "bob");

        var forced = await CopyCommand.RunAsync(_data, connection, ct, "--force");

        Assert.True(forced.ExitCode == 0, forced.StandardOutput + forced.StandardError);
        Assert.Contains("AspNetUsers: 1 copied", forced.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("0 jobs;", forced.StandardOutput, StringComparison.Ordinal);
        Assert.Contains(await web.Services.GetRequiredService<AccountService>().ListAsync(ct), u => u.UserName == "bob");
        Assert.Equal(JobStatus.Queued, (await QueueRows.GetAsync(web.Services, existing, ct)).Status);
    }

    [Fact]
    public async Task Copy_TargetNotMigrated_RefusedSayingToStartTheAppOnItAndNothingCopied()
    {
        Assert.SkipWhen(server.Unavailable is not null, server.Unavailable ?? "");
        var ct = TestContext.Current.CancellationToken;
        await SourceGalleryAsync(ct);
        var connection = await server.CreateDatabaseAsync(ct);

        var refused = await CopyCommand.RunAsync(_data, connection, ct);

        Assert.Equal(1, refused.ExitCode);
        Assert.Contains("has no gallery tables yet", refused.StandardError, StringComparison.Ordinal);
        Assert.Contains("Start the app once with SvdWeb:Database:Provider=postgres and this connection string", refused.StandardError, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", refused.StandardError, StringComparison.Ordinal);
        Assert.Equal(0L, await ScalarAsync(connection, "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = current_schema()", ct));
    }

    /// <summary>
    /// The target migrated by another app version than the gallery's: a column a later migration adds (the target is
    /// newer) or one it lacks (the target is older), as the app's own migrations would leave it.
    /// </summary>
    [Theory]
    [InlineData("""ALTER TABLE "Generations" ADD COLUMN "AddedLater" integer""", "table Generations of the gallery", "has no column AddedLater: the gallery is older than the PostgreSQL database", "Start the current app once on that data folder with the sqlite provider (it upgrades the database), stop it, then copy.")]
    [InlineData("""ALTER TABLE "Generations" DROP COLUMN "LostAttempts" """, "table Generations of the PostgreSQL database", "has no column LostAttempts: the database is older than the gallery", "Start the current app once with the postgres provider (it upgrades the database), stop it, then copy.")]
    public async Task Copy_TargetAtAnotherMigration_RefusedNamingTableColumnAndUpgradeAndNothingCopied(string alter, string where, string problem, string fix)
    {
        Assert.SkipWhen(server.Unavailable is not null, server.Unavailable ?? "");
        var ct = TestContext.Current.CancellationToken;
        await SourceGalleryAsync(ct);
        var connection = await server.CreateDatabaseAsync(ct);
        await using (var once = new SvdWebFactory(_data, settings: OnPostgres(connection, "web")))
        {
            _ = once.Server;   // starts the host: the app's migrations make the tables
        }
        await ExecuteAsync(connection, alter, ct);

        var refused = await CopyCommand.RunAsync(_data, connection, ct);

        Assert.Equal(1, refused.ExitCode);
        Assert.Contains(where, refused.StandardError, StringComparison.Ordinal);
        Assert.Contains(problem, refused.StandardError, StringComparison.Ordinal);
        Assert.Contains(fix, refused.StandardError, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", refused.StandardError, StringComparison.Ordinal);
        Assert.Equal(0L, await ScalarAsync(connection, """SELECT COUNT(*) FROM "AspNetUsers" WHERE "UserName" = 'bob'""", ct));
        Assert.Equal(0L, await ScalarAsync(connection, """SELECT COUNT(*) FROM "Generations" """, ct));
    }

    /// <summary>A gallery on SQLite holding an account and a job, what a copy would carry over.</summary>
    private async Task SourceGalleryAsync(CancellationToken ct)
    {
        await using var sqlite = new SvdWebFactory(_data);
        await sqlite.Services.GetRequiredService<AccountService>().CreateAsync("bob", "bob password", admin: false, ct);
        await QueueRows.AddAsync(sqlite.Services, "bob", ct);
    }

    private static async Task ExecuteAsync(string connection, string sql, CancellationToken ct)
    {
        await using var db = new Npgsql.NpgsqlConnection(connection);
        await db.OpenAsync(ct);
        await using var command = new Npgsql.NpgsqlCommand(sql, db);
        await command.ExecuteNonQueryAsync(ct);
    }

    private static async Task<long> ScalarAsync(string connection, string sql, CancellationToken ct)
    {
        await using var db = new Npgsql.NpgsqlConnection(connection);
        await db.OpenAsync(ct);
        await using var command = new Npgsql.NpgsqlCommand(sql, db);
        return Convert.ToInt64(await command.ExecuteScalarAsync(ct), System.Globalization.CultureInfo.InvariantCulture);
    }

    private static HttpClient Bearer(SvdWebFactory factory, string secret)
    {
        var client = SignIn.Client(factory);
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", secret);
        return client;
    }

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_data, recursive: true);
    }
}
