using Orleans.Placement;

namespace Gemba.Grains.Dispatch.Placement;

/// <summary>Places a grain keyed by a scope on the silo <see cref="ScopeSpread"/> chooses among the compatible ones.</summary>
[GenerateSerializer, Immutable, Alias("gemba.ScopeSpreadPlacement")]
public sealed class ScopeSpreadPlacement : PlacementStrategy
{
    public static readonly ScopeSpreadPlacement Instance = new();
}

[AttributeUsage(AttributeTargets.Class, AllowMultiple = false)]
public sealed class ScopeSpreadPlacementAttribute() : PlacementAttribute(ScopeSpreadPlacement.Instance);
