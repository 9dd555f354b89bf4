namespace SvdWeb.Cli.Postgres;

/// <summary>One table of a copy: rows read from SQLite, rows written, and rows left out because the target already had their key.</summary>
internal sealed record CopiedTable(string Name, int Read, int Copied)
{
    public int Skipped => Read - Copied;
}
