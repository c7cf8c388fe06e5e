using Orleans.Storage;

namespace Gemba.Silo.Storage;

/// <summary>A named SQLite grain storage provider's settings (<see cref="SqliteGrainStorageExtensions"/>).</summary>
public sealed class SqliteGrainStorageOptions : IStorageProviderSerializerOptions
{
    /// <summary>The SQLite file holding every grain state of this provider (created if missing).</summary>
    public string DatabasePath { get; set; } = "";

    /// <summary>How long a connection waits on a lock held by another connection or process.</summary>
    public TimeSpan BusyTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How state is rendered; the silo's grain-storage serializer when left unset (<see cref="GembaStateFormat"/>).</summary>
    public IGrainStorageSerializer GrainStorageSerializer { get; set; } = null!;
}
