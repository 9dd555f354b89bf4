namespace SvdWeb.Api;

/// <summary>Body of PUT /api/models/default (admins only): <c>{"model": "svd-xt"}</c>, the pack to make the default.</summary>
public sealed record DefaultPackRequest(string? Model);
