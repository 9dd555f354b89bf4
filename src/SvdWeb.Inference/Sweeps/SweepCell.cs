namespace SvdWeb.Inference.Sweeps;

/// <summary>One cell of a sweep: its place in the grid (row 0 when there is one axis), its recipe and its label ("motion 60 · seed 2").</summary>
public sealed record SweepCell(int Row, int Column, SvdRecipe Recipe, string Label);
