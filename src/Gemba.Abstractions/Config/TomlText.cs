using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Tomlyn.Syntax;

namespace Gemba.Config;

/// <summary>
/// Small TOML helpers shared by the readers and writers: key paths out of the syntax tree,
/// human descriptions of values for findings, and the lexical rules we render with.
/// </summary>
internal static partial class TomlText
{
    [GeneratedRegex("^[A-Za-z0-9_-]+$")]
    private static partial Regex BareKey();

    public static List<string> KeyPath(KeySyntax? key)
    {
        var path = new List<string>();
        if (key?.Key is { } first)
            path.Add(KeyPart(first));
        if (key?.DotKeys is { } dots)
            foreach (var dot in dots)
                if (dot.Key is { } part)
                    path.Add(KeyPart(part));
        return path;
    }

    private static string KeyPart(BareKeyOrStringValueSyntax part) => part switch
    {
        BareKeySyntax bare => bare.Key?.Text ?? "",
        StringValueSyntax quoted => quoted.Value ?? "",
        _ => "",
    };

    /// <summary>1-based line and column of a node: Tomlyn's positions are 0-based.</summary>
    public static (int Line, int Column) Position(SyntaxNode node) =>
        (node.Span.Start.Line + 1, node.Span.Start.Column + 1);

    public static string Describe(ValueSyntax value) => value switch
    {
        StringValueSyntax s => $"string {Quote(s.Value ?? "")}",
        IntegerValueSyntax i => $"integer {i.Value.ToString(CultureInfo.InvariantCulture)}",
        FloatValueSyntax f => $"float {Float(f.Value)}",
        BooleanValueSyntax b => $"boolean {(b.Value ? "true" : "false")}",
        ArraySyntax => "an array",
        InlineTableSyntax => "a table",
        DateTimeValueSyntax => "a date-time",
        _ => "an invalid value",
    };

    /// <summary>A key as TOML needs it: bare when the spec allows, quoted otherwise (a dot in a scope must not split it).</summary>
    public static string Key(string key) => BareKey().IsMatch(key) ? key : Quote(key);

    public static string Dotted(IEnumerable<string> path) => string.Join('.', path.Select(Key));

    public static string Quote(string value)
    {
        var sb = new StringBuilder(value.Length + 2).Append('"');
        foreach (var c in value)
        {
            switch (c)
            {
                case '"': sb.Append("\\\""); break;
                case '\\': sb.Append("\\\\"); break;
                case '\b': sb.Append("\\b"); break;
                case '\t': sb.Append("\\t"); break;
                case '\n': sb.Append("\\n"); break;
                case '\f': sb.Append("\\f"); break;
                case '\r': sb.Append("\\r"); break;
                default:
                    if (char.IsControl(c))
                        sb.Append("\\u").Append(((int)c).ToString("X4", CultureInfo.InvariantCulture));
                    else
                        sb.Append(c);
                    break;
            }
        }
        return sb.Append('"').ToString();
    }

    /// <summary>Always a TOML float: <c>1.0</c>, never <c>1</c>, which would read back as an integer.</summary>
    public static string Float(double value)
    {
        if (double.IsNaN(value)) return "nan";
        if (double.IsPositiveInfinity(value)) return "inf";
        if (double.IsNegativeInfinity(value)) return "-inf";
        var text = value.ToString("R", CultureInfo.InvariantCulture);
        return text.Contains('.') || text.Contains('E') ? text : text + ".0";
    }

    public static string Integer(long value) => value.ToString(CultureInfo.InvariantCulture);
}
