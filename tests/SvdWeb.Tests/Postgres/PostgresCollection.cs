using SvdWeb.TestSupport;

namespace SvdWeb.Tests.Postgres;

/// <summary>The tests that share one <see cref="PostgresServer"/>; they run one after another (one server, restarts).</summary>
[CollectionDefinition(Name)]
public sealed class PostgresCollection : ICollectionFixture<PostgresServer>
{
    public const string Name = "PostgreSQL";
}
