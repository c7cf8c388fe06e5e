using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Orleans.Serialization;
using Orleans.Storage;

namespace Gemba.Silo.Storage;

/// <summary>
/// The one format grain state is stored in, by SQLite and Redis alike: Orleans' System.Text.Json grain
/// storage serializer against the declared state type, so no CLR type names are stored and moving or
/// renaming a state class does not break old records (the default serializer embeds "$type",
/// orleans-notes §6). Enums are written by name so reordering their members keeps old records right.
/// </summary>
public static class GembaStateFormat
{
    public static ISiloBuilder UseGembaStateFormat(this ISiloBuilder silo)
    {
        silo.UseSystemTextJsonGrainStorageSerializer();
        silo.Services.Configure<SystemTextJsonGrainStorageSerializerOptions>(o => Apply(o.JsonSerializerOptions));
        return silo;
    }

    /// <summary>A serializer of this format outside a silo's container (tools, tests, the benchmark).</summary>
    public static IGrainStorageSerializer CreateSerializer()
    {
        var options = new SystemTextJsonGrainStorageSerializerOptions();
        Apply(options.JsonSerializerOptions);
        return new SystemTextJsonGrainStorageSerializer(Options.Create(options));
    }

    private static void Apply(JsonSerializerOptions json)
    {
        // Integers are still accepted on read.
        json.Converters.Add(new JsonStringEnumConverter());
        json.NumberHandling |= JsonNumberHandling.AllowNamedFloatingPointLiterals;
    }
}
