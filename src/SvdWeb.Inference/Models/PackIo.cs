using System.Text.Json;

namespace SvdWeb.Inference.Models;

/// <summary>
/// The input and output names of a pack's graphs, and the UNet's timestep shape, when a tool other than ours exported
/// them (svdweb.json <c>"io"</c>), so a lab can reuse the ONNX files it has. The TensorRT repo's SVD UNet, for one,
/// names its output <c>latent</c> and takes a timestep of shape [1]:
/// <c>{"io": {"unet": {"outputs": {"out_sample": "latent"}, "timestep_shape": "one"}}}</c>. Validation checks each
/// graph under these names, and the pipeline binds them; without "io" every graph has the contract's names (Inference
/// README §3.2).
/// </summary>
public sealed class PackIo
{
    /// <summary>The key of the mapping in svdweb.json.</summary>
    public const string Key = "io";

    private const string InputsKey = "inputs", OutputsKey = "outputs", TimestepShapeKey = "timestep_shape";
    private const string Fix = "The \"io\" map in svdweb.json names a graph's inputs and outputs when another tool exported it, e.g. " +
        "{\"io\": {\"unet\": {\"outputs\": {\"out_sample\": \"latent\"}, \"timestep_shape\": \"one\"}}} (README, 'Using real weights').";

    private readonly IReadOnlyDictionary<PackComponent, IoMapping> _mappings;

    internal PackIo(IReadOnlyDictionary<PackComponent, IoMapping> mappings, TimestepShape unetTimestepShape)
    {
        _mappings = mappings;
        UNetTimestepShape = unetTimestepShape;
    }

    /// <summary>No "io" in svdweb.json: the contract's names, and a timestep per batch row.</summary>
    public static PackIo Default { get; } = new(new Dictionary<PackComponent, IoMapping>(), TimestepShape.Batch);

    /// <summary>Batch ([Bu], the default) unless svdweb.json sets <c>io.unet.timestep_shape</c> to "one" ([1]).</summary>
    public TimestepShape UNetTimestepShape { get; }

    /// <summary>The names of <paramref name="component"/>'s inputs and outputs in its ONNX file.</summary>
    public IoMapping For(PackComponent component) => _mappings.GetValueOrDefault(component, IoMapping.Identity);

    /// <summary>A component's key under "io": its folder in the pack ("unet", "vae_decoder", …).</summary>
    public static string ComponentKey(PackComponent component)
    {
        var relativePath = ModelPack.RelativeModelPath(component);
        return relativePath[..relativePath.IndexOf('/', StringComparison.Ordinal)];
    }

    /// <summary>
    /// Reads svdweb.json's "io", adding a problem (naming the key, what was found and the fix) for each entry it cannot
    /// use and leaving that entry out, so the graph checks that follow do not repeat the same mistake in other words.
    /// </summary>
    internal static PackIo Read(PackJsonFile settings)
    {
        if (settings.Element(Key) is not { } io)
            return Default;
        var components = Enum.GetValues<PackComponent>();
        var componentList = JoinAnd(components.Select(ComponentKey));
        if (io.ValueKind != JsonValueKind.Object)
        {
            Problem(settings, $"key '{Key}' is {Found(io)}, but it must be an object keyed by component ({componentList}).");
            return Default;
        }

        var mappings = new Dictionary<PackComponent, IoMapping>();
        var timestepShape = TimestepShape.Batch;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var entry in io.EnumerateObject())
        {
            var path = $"{Key}.{entry.Name}";
            var component = components.Cast<PackComponent?>().FirstOrDefault(c => ComponentKey(c!.Value) == entry.Name);
            if (component is null)
                Problem(settings, $"key '{path}' is not a pack component; the components are {componentList}.");
            else if (!seen.Add(entry.Name))
                Problem(settings, $"key '{path}' appears twice; keep one.");
            else if (entry.Value.ValueKind != JsonValueKind.Object)
                Problem(settings, $"key '{path}' is {Found(entry.Value)}, but it must be an object with optional '{InputsKey}' and '{OutputsKey}' maps{TimestepNote(component.Value)}.");
            else
                mappings[component.Value] = ReadComponent(settings, component.Value, entry.Value, path, ref timestepShape);
        }
        return new PackIo(mappings, timestepShape);
    }

    private static IoMapping ReadComponent(PackJsonFile settings, PackComponent component, JsonElement value, string path, ref TimestepShape timestepShape)
    {
        var (contractInputs, contractOutputs) = GraphContract.Names(component);
        var inputs = new Dictionary<string, string>(StringComparer.Ordinal);
        var outputs = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var entry in value.EnumerateObject())
        {
            var key = $"{path}.{entry.Name}";
            switch (entry.Name)
            {
                case InputsKey:
                    inputs = ReadNames(settings, component, "input", contractInputs, entry.Value, key);
                    break;
                case OutputsKey:
                    outputs = ReadNames(settings, component, "output", contractOutputs, entry.Value, key);
                    break;
                case TimestepShapeKey when component == PackComponent.UNet:
                    timestepShape = ReadTimestepShape(settings, entry.Value, key);
                    break;
                case TimestepShapeKey:
                    Problem(settings, $"key '{key}' is set, but only the unet takes a timestep; move it to '{Key}.{ComponentKey(PackComponent.UNet)}'.");
                    break;
                default:
                    var keys = component == PackComponent.UNet
                        ? $"'{InputsKey}', '{OutputsKey}' and '{TimestepShapeKey}'"
                        : $"'{InputsKey}' and '{OutputsKey}'";
                    Problem(settings, $"unknown key '{key}'; the keys SvdWeb reads there are {keys}.");
                    break;
            }
        }
        return inputs.Count == 0 && outputs.Count == 0 ? IoMapping.Identity : new IoMapping(inputs, outputs);
    }

    /// <summary>One "inputs" or "outputs" map: contract name → the graph's name.</summary>
    private static Dictionary<string, string> ReadNames(PackJsonFile settings, PackComponent component, string kind,
        IReadOnlyList<string> contractNames, JsonElement map, string path)
    {
        var file = ModelPack.RelativeModelPath(component);
        var mapped = new Dictionary<string, string>(StringComparer.Ordinal);
        if (map.ValueKind != JsonValueKind.Object)
        {
            Problem(settings, $"key '{path}' is {Found(map)}, but it must be an object from the contract's {kind} names to the names in {file}, " +
                $"e.g. {{\"{contractNames[0]}\": \"<name in {file}>\"}}.");
            return mapped;
        }
        foreach (var entry in map.EnumerateObject())
        {
            var key = $"{path}.{entry.Name}";
            var target = entry.Value.ValueKind == JsonValueKind.String ? entry.Value.GetString() : null;
            if (!contractNames.Contains(entry.Name, StringComparer.Ordinal))
            {
                // The likeliest slip is writing the map the wrong way round, graph name first.
                Problem(settings, target is not null && contractNames.Contains(target, StringComparer.Ordinal)
                    ? $"key '{key}' is not a contract {kind} name of the {ModelPack.DisplayName(component)}, but its value \"{target}\" is: the map goes from the contract's name to the name in {file}, so write \"{target}\": \"{entry.Name}\"."
                    : $"key '{key}' is not a contract {kind} name of the {ModelPack.DisplayName(component)}; the names it can map are {JoinAnd(contractNames)}.");
            }
            else if (mapped.ContainsKey(entry.Name))
            {
                Problem(settings, $"key '{key}' appears twice; keep one.");
            }
            else if (string.IsNullOrEmpty(target))
            {
                Problem(settings, $"key '{key}' is {Found(entry.Value)}, but it must be a non-empty string: the name of the {kind} {entry.Name} in {file}.");
            }
            else
            {
                mapped[entry.Name] = target;
            }
        }

        // A graph input is one tensor, so two contract names cannot share it; an unmapped name keeps its own name and
        // takes part too (mapping sample to "timestep" collides with the timestep, unless timestep is mapped away).
        foreach (var clash in contractNames.GroupBy(c => mapped.GetValueOrDefault(c, c), StringComparer.Ordinal).Where(g => g.Count() > 1))
        {
            var names = clash.Select(c => mapped.ContainsKey(c) ? c : $"{c} (unmapped, so it keeps its own name)");
            Problem(settings, $"key '{path}' maps {JoinAnd(names)} to the same {kind} '{clash.Key}' of {file}, but each contract {kind} is a tensor of its own. " +
                "Map each to a different name (to swap two names, map both).");
            foreach (var contractName in clash)
                mapped.Remove(contractName);
        }
        return mapped;
    }

    private static TimestepShape ReadTimestepShape(PackJsonFile settings, JsonElement value, string key)
    {
        switch (value.ValueKind == JsonValueKind.String ? value.GetString() : null)
        {
            case "batch":
                return TimestepShape.Batch;
            case "one":
                return TimestepShape.One;
            default:
                Problem(settings, $"key '{key}' is {Found(value)}, but it must be \"batch\" (timestep [B], one value per batch row, as diffusers' export takes it; the default) " +
                    "or \"one\" (timestep [1], one value for the whole batch, as the TensorRT repo's export takes it).");
                return TimestepShape.Batch;
        }
    }

    private static string TimestepNote(PackComponent component) =>
        component == PackComponent.UNet ? $" and an optional '{TimestepShapeKey}'" : "";

    private static void Problem(PackJsonFile settings, string problem) => settings.AddProblem(problem, Fix);

    private static string Found(JsonElement value) => $"{PackJsonFile.Describe(value)} (JSON {PackJsonFile.Kind(value)})";

    /// <summary>"a", "a and b", "a, b and c".</summary>
    private static string JoinAnd(IEnumerable<string> items)
    {
        var list = items.ToList();
        return list.Count <= 1 ? string.Concat(list) : $"{string.Join(", ", list[..^1])} and {list[^1]}";
    }
}
