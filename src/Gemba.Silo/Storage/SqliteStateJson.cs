using System.Text.Json;
using System.Text.Json.Serialization;

namespace Gemba.Silo.Storage;

/// <summary>
/// How grain state is rendered in the database: System.Text.Json against the declared state type,
/// so no CLR type names are stored and renaming or moving a state class does not break old rows
/// (the default Orleans storage serializer embeds "$type", orleans-notes §6).
/// </summary>
internal static class SqliteStateJson
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.General)
    {
        // enum names survive reordering of enum members; integers are still accepted on read
        Converters = { new JsonStringEnumConverter() },
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        WriteIndented = false,
    };

    public static string Serialize<T>(T state) => JsonSerializer.Serialize(state, Options);

    public static T? Deserialize<T>(string payload) => JsonSerializer.Deserialize<T>(payload, Options);

    /// <summary>A fresh state after a clear: a parameterless constructor if there is one, else an empty JSON object bound to the constructor.</summary>
    public static T CreateEmpty<T>()
    {
        var type = typeof(T);
        if (type.IsValueType || type.GetConstructor(Type.EmptyTypes) is not null) return Activator.CreateInstance<T>();
        try
        {
            return JsonSerializer.Deserialize<T>("{}", Options)!;
        }
        catch (Exception ex) when (ex is JsonException or NotSupportedException or InvalidOperationException)
        {
            return default!;
        }
    }
}
