namespace SvdWeb.Cli.Postgres;

/// <summary>
/// A column of the PostgreSQL schema as information_schema describes it. An identity column (a surrogate key nothing
/// refers to: claims, data-protection keys, license acceptances) is left to the target to number, so copied rows
/// never collide with rows the target made itself, such as the key ring of an app started once to migrate it.
/// </summary>
internal sealed record TargetColumn(string Name, string DataType, bool IsIdentity);
