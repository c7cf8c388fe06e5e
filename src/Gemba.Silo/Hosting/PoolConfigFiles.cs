using System.Security.Cryptography;
using System.Text;
using Gemba.Config;
using Gemba.Silo.Storage;
using Microsoft.Extensions.Logging;

namespace Gemba.Silo.Hosting;

/// <summary>
/// The pool editor's view of the config files (<see cref="IPoolConfigStore"/>). Everything is read
/// from disk on each call, so what the editor shows is what a reload would apply; agents.toml and
/// the personas are read alongside, because a draft is checked against them exactly as
/// <c>gemba config check</c> checks the file. A save writes only the file the server was started with.
/// </summary>
internal sealed partial class PoolConfigFiles(ConfigState config, IGrainFactory grains, ILogger<PoolConfigFiles> log) : IPoolConfigStore
{
    public const string AbsentVersion = "absent";

    private readonly SemaphoreSlim _saving = new(1, 1);

    private string FilePath => Path.GetFullPath(config.Options.PoolConfig);

    public PersonaCatalog Personas => PersonaCatalog.Load(config.Options.PersonasDir);

    public AgentsRegistry Agents => AgentsRegistry.Load(config.Options.AgentsRegistry);

    public PoolConfigSnapshot Read() => Snapshot(AtomicFile.ReadOrNull(FilePath));

    public PoolConfigDraft Check(PoolConfig draft)
    {
        ArgumentNullException.ThrowIfNull(draft);
        var text = AtomicFile.ReadOrNull(FilePath);
        var (set, body) = Compose(text, draft, version: 0);
        return new PoolConfigDraft(body, TextDiff.Lines(text ?? "", body), set.Findings, set.Resolved, Version(text));
    }

    public async Task<PoolConfigSaveResult> SaveAsync(PoolConfig draft, string baseVersion, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(draft);
        await _saving.WaitAsync(cancellationToken);
        try
        {
            var text = AtomicFile.ReadOrNull(FilePath);
            if (Version(text) != baseVersion)
                return Refused(PoolConfigSaveStatus.Conflict, text, []);
            var (set, body) = Compose(text, draft, config.NextVersion());
            if (set.HasErrors)
                return Refused(PoolConfigSaveStatus.Invalid, text, set.Findings);

            if (body != text && !AtomicFile.TryReplace(FilePath, body, text))
                return Refused(PoolConfigSaveStatus.Conflict, AtomicFile.ReadOrNull(FilePath), []);

            var before = config.Current.Resolved;
            config.Adopt(set);
            await grains.GetGrain<IConfigGrain>(IConfigGrain.Key).Apply(set.Resolved);
            var changes = PoolChanges.Between(before, set.Resolved);
            LogSaved(FilePath, changes.Count);
            return new PoolConfigSaveResult(PoolConfigSaveStatus.Saved, Snapshot(body), set.Findings, changes);
        }
        finally
        {
            _saving.Release();
        }
    }

    /// <summary>The draft as it would be written (the operator's text edited in place), checked with the files beside it.</summary>
    private (ConfigSet Set, string Body) Compose(string? text, PoolConfig draft, long version)
    {
        var body = PoolConfigCodec.Update(text, draft);
        var doc = PoolConfigCodec.Parse(body, FilePath);
        var set = ConfigSet.Compose(doc, Agents, Personas, config.Mode, version, config.ChecksAgentBinaries);
        return (set, body);
    }

    private PoolConfigSaveResult Refused(PoolConfigSaveStatus status, string? text, IReadOnlyList<ConfigFinding> findings) =>
        new(status, Snapshot(text), findings, []);

    private PoolConfigSnapshot Snapshot(string? text)
    {
        var doc = text is null ? PoolConfigCodec.Parse("", FilePath) : PoolConfigCodec.Parse(text, FilePath);
        var set = ConfigSet.Compose(doc, Agents, Personas, config.Mode, 0, config.ChecksAgentBinaries);
        return new PoolConfigSnapshot(FilePath, text ?? "", doc.Config, Version(text), text is not null,
            set.Resolved.MaxParallel, set.Resolved.ReservedForManual, set.Findings);
    }

    /// <summary>A tag of the file's exact content: any outside edit, even whitespace, changes it.</summary>
    public static string Version(string? text) =>
        text is null ? AbsentVersion : "sha256:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)))[..16];

    [LoggerMessage(Level = LogLevel.Information, Message = "pool config saved from the editor to {Path} and applied: {Changes} pool change(s)")]
    private partial void LogSaved(string path, int changes);
}
