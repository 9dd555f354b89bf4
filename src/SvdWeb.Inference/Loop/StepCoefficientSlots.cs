namespace SvdWeb.Inference.Loop;

/// <summary>
/// The per-step scalars the device loop's step graph reads from its one small host input, in this order
/// (<see cref="DenoisingGraphs"/>): the step's σ̂, σ²+1, c_out and dt, then the NEXT step's scale_model_input divisor
/// and timestep, so one graph call both finishes step i and prepares the UNet input of step i+1.
/// </summary>
internal static class StepCoefficientSlots
{
    public const int Sigma = 0, SkipDivisor = 1, OutputScale = 2, Dt = 3, NextInputDivisor = 4, NextTimestep = 5, Count = 6;
}
