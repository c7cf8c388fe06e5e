using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Serialization;
using Gemba.Events;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace Gemba.Silo.Events;

/// <summary>
/// The event hub of a process in a Redis cluster (a silo, or a process that is only an Orleans
/// client): every <see cref="GembaEvent"/> published anywhere in the service reaches this
/// process's subscribers once. Best effort like <see cref="EventHub"/>: while Redis is unreachable
/// events of other processes are missed, never queued up.
/// </summary>
/// <remarks>
/// Own events are delivered to local subscribers directly and also sent to the channel tagged with
/// this process's origin id; the echo is skipped. Delivering only through Redis would be simpler,
/// but then a Redis hiccup would blank the live view of work this very process is doing, and each
/// local event would wait for a network round trip.
/// </remarks>
internal sealed partial class RedisEventRelay : IGembaEvents, IHostedService, IAsyncDisposable
{
    /// <summary>The SSE stream's JSON (snake_case), so the channel can be read with the same expectations.</summary>
    internal static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    private readonly EventHub _local = new();
    private readonly ConfigurationOptions _redis;
    private readonly RedisChannel _channel;
    private readonly ILogger<RedisEventRelay> _log;
    private ConnectionMultiplexer? _connection;
    private ChannelMessageQueue? _queue;
    private int _sendFailuresLogged;

    /// <param name="redis">Copied: the relay keeps its own connection apart from Orleans' providers.</param>
    /// <param name="serviceId">The Orleans service id; the channel is <c>{serviceId}/events</c>.</param>
    public RedisEventRelay(ConfigurationOptions redis, string serviceId, ILogger<RedisEventRelay> log)
    {
        _redis = redis.Clone();
        // Keep reconnecting in the background rather than failing the process when Redis blinks.
        _redis.AbortOnConnectFail = false;
        _channel = RedisChannel.Literal(ChannelName(serviceId));
        _log = log;
    }

    /// <summary>This process's tag on what it sends, to recognise its own echo.</summary>
    public string Origin { get; } = Guid.NewGuid().ToString("N");

    public static string ChannelName(string serviceId) => $"{serviceId}/events";

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        _connection = await ConnectionMultiplexer.ConnectAsync(_redis);
        _queue = await _connection.GetSubscriber().SubscribeAsync(_channel);
        // The queue hands messages over one at a time in arrival order, so each origin's events stay in order.
        _queue.OnMessage(message => Receive(message.Message));
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_queue is { } queue)
        {
            _queue = null;
            await queue.UnsubscribeAsync();
        }
    }

    public void Publish(GembaEvent @event)
    {
        _local.Publish(@event);
        if (_connection is not { } connection) return;
        try
        {
            var payload = JsonSerializer.Serialize(new RelayedEvent(Origin, @event), Json);
            connection.GetSubscriber().Publish(_channel, payload, CommandFlags.FireAndForget);
        }
        catch (RedisException ex)
        {
            // One line per outage is enough; the count resets once a message goes through again.
            if (Interlocked.Increment(ref _sendFailuresLogged) == 1) LogSendFailed(_channel.ToString(), ex);
            return;
        }
        Volatile.Write(ref _sendFailuresLogged, 0);
    }

    public IAsyncEnumerable<GembaEvent> SubscribeAsync(CancellationToken cancellationToken) => _local.SubscribeAsync(cancellationToken);

    private void Receive(RedisValue message)
    {
        RelayedEvent? relayed;
        try
        {
            relayed = JsonSerializer.Deserialize<RelayedEvent>(message.ToString(), Json);
        }
        catch (JsonException ex)
        {
            LogUnreadable(_channel.ToString(), Truncate(message.ToString()), ex);
            return;
        }
        if (relayed?.Event is not { Kind: not null } @event || string.IsNullOrEmpty(relayed.Origin))
        {
            LogUnreadable(_channel.ToString(), Truncate(message.ToString()), null);
            return;
        }
        if (relayed.Origin == Origin) return;
        _local.Publish(@event);
    }

    private static string Truncate(string text) => text.Length <= 200 ? text : text[..200] + "…";

    public async ValueTask DisposeAsync()
    {
        if (_connection is { } connection)
        {
            _connection = null;
            await connection.DisposeAsync();
        }
    }

    /// <summary>What travels on the channel: the event as the SSE stream shows it, and who sent it.</summary>
    internal sealed record RelayedEvent(string Origin, GembaEvent Event);

    [LoggerMessage(Level = LogLevel.Warning, Message = "live events: sending to Redis channel {Channel} failed; other processes miss this process's events until it works again")]
    private partial void LogSendFailed(string channel, Exception ex);

    [LoggerMessage(Level = LogLevel.Warning, Message = "live events: skipped an unreadable message on Redis channel {Channel}: {Message}")]
    private partial void LogUnreadable(string channel, string message, Exception? ex);
}
