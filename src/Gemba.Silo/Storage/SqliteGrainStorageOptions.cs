namespace Gemba.Silo.Storage;

public sealed class SqliteGrainStorageOptions
{
    /// <summary>The SQLite file holding every grain state of this provider (created if missing).</summary>
    public string DatabasePath { get; set; } = "";

    /// <summary>How long a connection waits on a lock held by another connection or process.</summary>
    public TimeSpan BusyTimeout { get; set; } = TimeSpan.FromSeconds(10);
}
