namespace SvdWeb.Inference.Models;

/// <summary>
/// How one graph of a pack names its inputs and outputs: the contract name (Inference README §3.2, e.g.
/// <c>out_sample</c>) to the name in the ONNX file (e.g. <c>latent</c>). A name svdweb.json does not map is the graph's
/// own, so a pack exported to the contract needs no mapping at all.
/// </summary>
public sealed class IoMapping
{
    internal IoMapping(IReadOnlyDictionary<string, string> inputs, IReadOnlyDictionary<string, string> outputs)
    {
        Inputs = inputs;
        Outputs = outputs;
    }

    /// <summary>No renames: every input and output has its contract name.</summary>
    public static IoMapping Identity { get; } = new(new Dictionary<string, string>(), new Dictionary<string, string>());

    /// <summary>The mapped inputs only, contract name to graph name.</summary>
    public IReadOnlyDictionary<string, string> Inputs { get; }

    /// <summary>The mapped outputs only, contract name to graph name.</summary>
    public IReadOnlyDictionary<string, string> Outputs { get; }

    /// <summary>The graph's name for the contract input <paramref name="contractName"/>.</summary>
    public string Input(string contractName) => Inputs.GetValueOrDefault(contractName, contractName);

    /// <summary>The graph's name for the contract output <paramref name="contractName"/>.</summary>
    public string Output(string contractName) => Outputs.GetValueOrDefault(contractName, contractName);
}
