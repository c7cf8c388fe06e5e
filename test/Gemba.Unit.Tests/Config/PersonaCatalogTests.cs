using Gemba.Config;

namespace Gemba.Unit.Tests.Config;

public sealed class PersonaCatalogTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "gemba-personas-" + Guid.NewGuid().ToString("N"));

    public PersonaCatalogTests() => Directory.CreateDirectory(_dir);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private void Write(string file, string text) => File.WriteAllText(Path.Combine(_dir, file), text);

    [Fact]
    public void Persona_table_wins_over_top_level_keys_and_name_falls_back_to_id()
    {
        Write("pm.toml", "name = \"Top\"\nagent_type = \"codex\"\n[persona]\nname = \"Project manager\"\nskills = [\"plan\", \"triage\"]\nprompt = \"You plan.\"\n");
        Write("engineer.toml", "agent_type = \"claude\"\n");
        Write("notes.txt", "ignored");

        var catalog = PersonaCatalog.Load(_dir);

        Assert.False(catalog.Missing);
        Assert.Empty(catalog.Findings);
        Assert.Equal(
            [
                new PersonaInfo("engineer", "engineer", "claude", [], null),
                new PersonaInfo("pm", "Project manager", "codex", catalog.Personas[1].Skills, "You plan."),
            ],
            catalog.Personas);
        Assert.Equal(["plan", "triage"], catalog.Personas[1].Skills);
        Assert.True(catalog.Ids.SetEquals(["engineer", "pm"]));
    }

    [Fact]
    public void Unparsable_file_is_listed_by_id_with_a_positioned_warning()
    {
        Write("broken.toml", "name = \n");

        var catalog = PersonaCatalog.Load(_dir);

        Assert.Equal(new PersonaInfo("broken", "broken", null, [], null), Assert.Single(catalog.Personas) with { Skills = [] });
        var f = Assert.Single(catalog.Findings);
        Assert.Equal((FindingSeverity.Warning, 1, 8), (f.Severity, f.Line, f.Column));
        Assert.EndsWith("broken.toml", f.File);
    }

    [Fact]
    public void Missing_directory_is_reported_as_missing_not_as_an_error()
    {
        var catalog = PersonaCatalog.Load(Path.Combine(_dir, "nope"));
        Assert.True(catalog.Missing);
        Assert.Empty(catalog.Personas);
        Assert.Empty(catalog.Findings);
    }
}
