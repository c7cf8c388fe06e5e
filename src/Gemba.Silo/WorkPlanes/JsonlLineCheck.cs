using System.Text;
using System.Text.Json;

namespace Gemba.Silo.WorkPlanes;

/// <summary>
/// What <see cref="JsonDocument"/> lets through but a bead line must not have: a key twice in one
/// object (which value wins differs between readers, and editing it as a node throws), and a string
/// that is not valid text (a lone surrogate escape such as <c>"\ud800"</c>, or invalid UTF-8),
/// which reads without error but throws the moment any string API touches it.
/// </summary>
internal static class JsonlLineCheck
{
    /// <summary>Null when the line is clean; otherwise what is wrong, naming the key.</summary>
    /// <exception cref="JsonException">The line is not JSON at all.</exception>
    public static string? Check(ReadOnlySpan<byte> json)
    {
        var reader = new Utf8JsonReader(json);
        var keys = new Stack<HashSet<string>>();
        var path = new Stack<string>();
        string? pendingKey = null;
        while (reader.Read())
        {
            switch (reader.TokenType)
            {
                case JsonTokenType.StartObject:
                    keys.Push(new HashSet<string>(StringComparer.Ordinal));
                    path.Push(pendingKey ?? "");
                    pendingKey = null;
                    break;
                case JsonTokenType.StartArray:
                    path.Push(pendingKey ?? "");
                    pendingKey = null;
                    break;
                case JsonTokenType.EndObject:
                    keys.Pop();
                    path.Pop();
                    break;
                case JsonTokenType.EndArray:
                    path.Pop();
                    break;
                case JsonTokenType.PropertyName:
                    if (!TryText(ref reader, out var name)) return $"invalid key in {Where(path)}: a lone surrogate escape or invalid UTF-8";
                    if (!keys.Peek().Add(name)) return $"duplicate key \"{name}\" in {Where(path)}";
                    pendingKey = name;
                    break;
                case JsonTokenType.String:
                    if (!TryText(ref reader, out _))
                        return $"invalid string in {Where(path, pendingKey)}: a lone surrogate escape or invalid UTF-8";
                    pendingKey = null;
                    break;
                default:
                    pendingKey = null;
                    break;
            }
        }
        return null;
    }

    private static bool TryText(ref Utf8JsonReader reader, out string text)
    {
        // Plain ASCII without escapes is always valid; only the rest is worth decoding.
        if (!reader.ValueIsEscaped && Ascii.IsValid(reader.ValueSpan))
        {
            text = reader.TokenType == JsonTokenType.PropertyName ? Encoding.ASCII.GetString(reader.ValueSpan) : "";
            return true;
        }
        try
        {
            text = reader.GetString() ?? "";
            return true;
        }
        catch (InvalidOperationException)
        {
            text = "";
            return false;
        }
    }

    private static string Where(Stack<string> path, string? key = null)
    {
        // the stack enumerates innermost first; the outermost entry is the line's own object
        var names = path.Reverse().Skip(1).Where(n => n.Length > 0).ToList();
        if (key is not null) names.Add(key);
        return names.Count == 0 ? "the top-level object" : $"\"{string.Join('.', names)}\"";
    }
}
