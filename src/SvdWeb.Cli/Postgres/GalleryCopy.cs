using System.Globalization;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace SvdWeb.Cli.Postgres;

/// <summary>
/// Copies every row of an SQLite gallery (DATA/svdweb.db) into a PostgreSQL database, table by table, with plain SQL.
/// </summary>
/// <remarks>
/// Both schemas are the ones the app's own migrations made: the target must have been migrated by starting the app
/// once with the postgres provider. The CLI cannot apply those migrations itself: they are classes of the web
/// project, which the CLI does not reference (it stays free of ASP.NET, and svdweb.dll and SvdWeb.dll cannot share
/// a folder). Instead each target table's columns must match the source table's exactly, so a copy between two app
/// versions is refused with the fix rather than dropping a column. Values are converted by the target column's type,
/// from what EF Core's SQLite provider stores (GUIDs and dates as text, booleans as integers).
/// The whole copy is one transaction on the target: it is all there or not at all.
/// </remarks>
internal static class GalleryCopy
{
    /// <summary>
    /// EF's own bookkeeping (each provider has its own migrations, and SQLite a migration lock table), SQLite's
    /// autoincrement counters, and the workers' heartbeats (the live state of running processes, rebuilt by each).
    /// </summary>
    public static readonly IReadOnlySet<string> NotCopied = new HashSet<string>(StringComparer.Ordinal)
    {
        "__EFMigrationsHistory", "__EFMigrationsLock", "sqlite_sequence", "Workers",
    };

    public const string JobsTable = "Generations";

    /// <summary>The serve counter claims draw from on PostgreSQL (<c>PostgresGalleryDbContext.ClaimSequence</c>).</summary>
    private const string ClaimSequence = "ClaimSeq";

    public static async Task<IReadOnlyList<CopiedTable>> CopyAsync(string sourceDatabase, string connectionString, bool force, CancellationToken ct)
    {
        await using var target = await OpenTargetAsync(connectionString, ct).ConfigureAwait(false);
        var targetTables = await TargetTablesAsync(target, ct).ConfigureAwait(false);
        if (!targetTables.ContainsKey(JobsTable))
        {
            throw new GalleryCopyException(
                $"the PostgreSQL database {Describe(connectionString)} has no gallery tables yet. Start the app once with SvdWeb:Database:Provider=postgres and this connection string (it creates them), stop it, then copy.");
        }

        using var source = OpenSource(sourceDatabase);
        // One read transaction: every table from the same moment, even if something still writes to the file.
        using var snapshot = source.BeginTransaction(deferred: true);
        CheckSchemas(SourceTables(source, snapshot), targetTables, sourceDatabase, connectionString);

        var existingJobs = Convert.ToInt64(await ScalarAsync(target, $"""SELECT COUNT(*) FROM "{JobsTable}" """, ct).ConfigureAwait(false), CultureInfo.InvariantCulture);
        if (existingJobs > 0 && !force)
        {
            throw new GalleryCopyException(
                $"the PostgreSQL database {Describe(connectionString)} already holds {existingJobs} job(s). Copy into a new, migrated database, or add --force to copy anyway (rows whose key is already there are kept as they are, not overwritten).");
        }

        var order = await InsertOrderAsync(target, targetTables.Keys, ct).ConfigureAwait(false);
        await using var transaction = await target.BeginTransactionAsync(ct).ConfigureAwait(false);
        var copied = new List<CopiedTable>();
        foreach (var table in order)
        {
            try
            {
                copied.Add(await CopyTableAsync(source, snapshot, target, table, targetTables[table], ct).ConfigureAwait(false));
            }
            catch (PostgresException ex) when (ex.SqlState is PostgresErrorCodes.ForeignKeyViolation or PostgresErrorCodes.CheckViolation or PostgresErrorCodes.NotNullViolation)
            {
                // With --force, a row the target already had under another key (an account of the same name) leaves
                // the rows that refer to the copied one without it.
                throw new GalleryCopyException(
                    $"a row of table {table} does not fit the PostgreSQL database {Describe(connectionString)} ({ex.MessageText}); nothing was copied. Copy into a new, migrated database.", innerException: ex);
            }
        }
        await AdvanceClaimSequenceAsync(target, ct).ConfigureAwait(false);
        await transaction.CommitAsync(ct).ConfigureAwait(false);
        return copied;
    }

    /// <summary>"database NAME on HOST:PORT", never the password.</summary>
    public static string Describe(string connectionString)
    {
        var parsed = new NpgsqlConnectionStringBuilder(connectionString);
        return string.Create(CultureInfo.InvariantCulture, $"'{parsed.Database}' on {parsed.Host}:{parsed.Port}");
    }

    private static async Task<NpgsqlConnection> OpenTargetAsync(string connectionString, CancellationToken ct)
    {
        NpgsqlConnection connection;
        try
        {
            connection = new NpgsqlConnection(connectionString);
        }
        catch (ArgumentException ex)
        {
            throw new GalleryCopyException($"the connection string is not valid ({ex.Message}). Give it as the app takes it, e.g. \"Host=db.lab;Database=svdweb;Username=svdweb;Password=...\".", innerException: ex);
        }
        try
        {
            await connection.OpenAsync(ct).ConfigureAwait(false);
            return connection;
        }
        catch (NpgsqlException ex)
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw new GalleryCopyException(
                $"cannot connect to PostgreSQL {Describe(connectionString)}: {ex.Message} Check that the server runs and the connection string (host, port, database, user, password) is right.", 503, ex);
        }
    }

    private static SqliteConnection OpenSource(string database)
    {
        // ReadWrite, not ReadOnly, for the same reason as the backup (a WAL reader writes the shared-memory index), and
        // not ReadWriteCreate: a wrong path must fail. No row is written. No pooling, so Dispose closes the file.
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = database, Mode = SqliteOpenMode.ReadWrite, Pooling = false }.ToString());
        try
        {
            connection.Open();
            using var busy = connection.CreateCommand();
            busy.CommandText = "PRAGMA busy_timeout = 30000;";
            busy.ExecuteNonQuery();
            return connection;
        }
        catch (SqliteException ex)
        {
            connection.Dispose();
            throw new GalleryCopyException($"'{database}' is not a readable SQLite database (SQLite: {ex.Message}). Check that --data-folder points at the app's data folder.", innerException: ex);
        }
    }

    /// <summary>Each base table of the target's schema and its columns in order.</summary>
    private static async Task<Dictionary<string, IReadOnlyList<TargetColumn>>> TargetTablesAsync(NpgsqlConnection target, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand("""
            SELECT c.table_name, c.column_name, c.data_type, c.is_identity = 'YES'
            FROM information_schema.columns c
            JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name
            WHERE c.table_schema = current_schema() AND t.table_type = 'BASE TABLE'
            ORDER BY c.table_name, c.ordinal_position
            """, target);
        var tables = new Dictionary<string, List<TargetColumn>>(StringComparer.Ordinal);
        await using (var reader = await command.ExecuteReaderAsync(ct).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(ct).ConfigureAwait(false))
            {
                var table = reader.GetString(0);
                if (NotCopied.Contains(table)) continue;
                if (!tables.TryGetValue(table, out var columns)) tables[table] = columns = [];
                columns.Add(new TargetColumn(reader.GetString(1), reader.GetString(2), reader.GetBoolean(3)));
            }
        }
        return tables.ToDictionary(t => t.Key, t => (IReadOnlyList<TargetColumn>)t.Value, StringComparer.Ordinal);
    }

    private static Dictionary<string, HashSet<string>> SourceTables(SqliteConnection source, SqliteTransaction snapshot)
    {
        var names = new List<string>();
        using (var list = source.CreateCommand())
        {
            list.Transaction = snapshot;
            list.CommandText = "SELECT name FROM sqlite_master WHERE type = 'table'";
            using var reader = list.ExecuteReader();
            while (reader.Read()) names.Add(reader.GetString(0));
        }
        var tables = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        foreach (var name in names.Where(n => !NotCopied.Contains(n)))
        {
            using var info = source.CreateCommand();
            info.Transaction = snapshot;
            info.CommandText = $"SELECT name FROM pragma_table_info('{name.Replace("'", "''", StringComparison.Ordinal)}')";
            using var reader = info.ExecuteReader();
            var columns = new HashSet<string>(StringComparer.Ordinal);
            while (reader.Read()) columns.Add(reader.GetString(0));
            tables[name] = columns;
        }
        return tables;
    }

    private static void CheckSchemas(Dictionary<string, HashSet<string>> source, Dictionary<string, IReadOnlyList<TargetColumn>> target, string sourceDatabase, string connectionString)
    {
        const string upgradeSource = "Start the current app once on that data folder with the sqlite provider (it upgrades the database), stop it, then copy.";
        const string upgradeTarget = "Start the current app once with the postgres provider (it upgrades the database), stop it, then copy.";
        foreach (var (table, columns) in target)
        {
            if (!source.TryGetValue(table, out var sourceColumns))
                throw new GalleryCopyException($"the gallery '{sourceDatabase}' has no table {table}: it is older than the app that migrated the PostgreSQL database. {upgradeSource}");
            var targetColumns = columns.Select(c => c.Name).ToHashSet(StringComparer.Ordinal);
            if (sourceColumns.Except(targetColumns).FirstOrDefault() is { } extra)
                throw new GalleryCopyException($"table {table} of the PostgreSQL database {Describe(connectionString)} has no column {extra}: the database is older than the gallery. {upgradeTarget}");
            if (targetColumns.Except(sourceColumns).FirstOrDefault() is { } lacking)
                throw new GalleryCopyException($"table {table} of the gallery '{sourceDatabase}' has no column {lacking}: the gallery is older than the PostgreSQL database. {upgradeSource}");
        }
        if (source.Keys.Except(target.Keys).FirstOrDefault() is { } unknown)
            throw new GalleryCopyException($"the PostgreSQL database {Describe(connectionString)} has no table {unknown}: it is older than the gallery. {upgradeTarget}");
    }

    /// <summary>Referenced tables before the tables that refer to them (users before their roles, tokens and jobs' owners).</summary>
    private static async Task<IReadOnlyList<string>> InsertOrderAsync(NpgsqlConnection target, IEnumerable<string> tables, CancellationToken ct)
    {
        var references = new List<(string From, string To)>();
        await using (var command = new NpgsqlCommand("""
            SELECT f.relname, t.relname FROM pg_constraint k
            JOIN pg_class f ON f.oid = k.conrelid JOIN pg_class t ON t.oid = k.confrelid
            WHERE k.contype = 'f' AND k.connamespace = current_schema()::regnamespace
            """, target))
        await using (var reader = await command.ExecuteReaderAsync(ct).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(ct).ConfigureAwait(false)) references.Add((reader.GetString(0), reader.GetString(1)));
        }
        var remaining = tables.Order(StringComparer.Ordinal).ToList();
        var order = new List<string>();
        while (remaining.Count > 0)
        {
            var ready = remaining.First(t => !references.Any(r => r.From == t && r.To != t && remaining.Contains(r.To)));
            order.Add(ready);
            remaining.Remove(ready);
        }
        return order;
    }

    private static async Task<CopiedTable> CopyTableAsync(SqliteConnection source, SqliteTransaction snapshot, NpgsqlConnection target, string table, IReadOnlyList<TargetColumn> allColumns, CancellationToken ct)
    {
        var columns = allColumns.Where(c => !c.IsIdentity).ToList();
        var names = string.Join(", ", columns.Select(c => $"\"{c.Name}\""));
        using var read = source.CreateCommand();
        read.Transaction = snapshot;
        read.CommandText = $"SELECT {names} FROM \"{table}\"";
        await using var insert = new NpgsqlCommand(
            $"INSERT INTO \"{table}\" ({names}) VALUES ({string.Join(", ", columns.Select((_, i) => $"${i + 1}"))}) ON CONFLICT DO NOTHING", target);
        foreach (var _ in columns) insert.Parameters.Add(new NpgsqlParameter());
        int rows = 0, copied = 0;
        using var reader = read.ExecuteReader();
        while (reader.Read())
        {
            rows++;
            for (var i = 0; i < columns.Count; i++)
                insert.Parameters[i].Value = ToTargetValue(reader.IsDBNull(i) ? null : reader.GetValue(i), columns[i], table);
            copied += await insert.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
        }
        return new CopiedTable(table, rows, copied);
    }

    /// <summary>What EF Core's SQLite provider stored, as the PostgreSQL column's type.</summary>
    private static object ToTargetValue(object? value, TargetColumn column, string table) => value switch
    {
        null => DBNull.Value,
        _ => column.DataType switch
        {
            "uuid" => value is byte[] bytes ? new Guid(bytes) : Guid.Parse((string)value, CultureInfo.InvariantCulture),
            // Everything the app stores is UTC; a DateTimeOffset (Identity's LockoutEnd) carries its offset in the text.
            "timestamp with time zone" => DateTime.Parse((string)value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal),
            "timestamp without time zone" => DateTime.Parse((string)value, CultureInfo.InvariantCulture),
            "boolean" => Convert.ToInt64(value, CultureInfo.InvariantCulture) != 0,
            "smallint" => Convert.ToInt16(value, CultureInfo.InvariantCulture),
            "integer" => Convert.ToInt32(value, CultureInfo.InvariantCulture),
            "bigint" => Convert.ToInt64(value, CultureInfo.InvariantCulture),
            "real" => Convert.ToSingle(value, CultureInfo.InvariantCulture),
            "double precision" => Convert.ToDouble(value, CultureInfo.InvariantCulture),
            "numeric" => Convert.ToDecimal(value, CultureInfo.InvariantCulture),
            "text" or "character varying" => Convert.ToString(value, CultureInfo.InvariantCulture) ?? "",
            "bytea" => (byte[])value,
            _ => throw new NotSupportedException($"Column {table}.{column.Name} has PostgreSQL type {column.DataType}, which the copy does not convert yet."),
        },
    };

    /// <summary>Claims go on numbering after the copied jobs' serve order, so the fair order continues where SQLite left it.</summary>
    private static async Task AdvanceClaimSequenceAsync(NpgsqlConnection target, CancellationToken ct)
    {
        if (await ScalarAsync(target, $"""SELECT to_regclass('"{ClaimSequence}"') IS NOT NULL""", ct).ConfigureAwait(false) is not true) return;
        if (await ScalarAsync(target, $"""SELECT MAX("{ClaimSequence}") FROM "{JobsTable}" """, ct).ConfigureAwait(false) is not long highest) return;
        // nextval, so a sequence already past the copied numbers (a target that had claims) never goes back.
        await ScalarAsync(target, $"""SELECT setval('"{ClaimSequence}"', GREATEST({highest}, nextval('"{ClaimSequence}"')))""", ct).ConfigureAwait(false);
    }

    private static async Task<object?> ScalarAsync(NpgsqlConnection connection, string sql, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        return await command.ExecuteScalarAsync(ct).ConfigureAwait(false);
    }
}
