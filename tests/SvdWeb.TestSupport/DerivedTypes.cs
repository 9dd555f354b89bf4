using System.Reflection;

namespace SvdWeb.TestSupport;

/// <summary>The classes a table of expectations must cover: a new one that is missing from it fails the test that lists them.</summary>
public static class DerivedTypes
{
    public static IReadOnlyList<Type> ConcreteOf(Type baseType, params Assembly[] assemblies) =>
        assemblies.SelectMany(a => a.GetTypes()).Where(t => t.IsSubclassOf(baseType) && !t.IsAbstract)
            .OrderBy(t => t.FullName, StringComparer.Ordinal).ToArray();
}
