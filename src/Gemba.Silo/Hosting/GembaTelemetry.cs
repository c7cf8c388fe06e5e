using Gemba.Grains.Diagnostics;
using Gemba.Silo.Processes;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using Orleans.Dashboard;

namespace Gemba.Silo.Hosting;

/// <summary>
/// OpenTelemetry and the Orleans dashboard for <c>gemba serve</c>, each only when asked for: with no
/// flag no SDK is registered, so Gemba's spans and instruments have no listener and cost a flag check.
/// </summary>
public static class GembaTelemetry
{
    public const string MetricsPath = "/metrics";
    public const string DashboardPath = "/admin/dashboard";

    /// <summary>The activity sources a trace is made of: ours, the grain calls, and (added apart) HTTP.</summary>
    public static readonly IReadOnlyList<string> TraceSources =
    [
        GembaActivities.SourceName,
        Orleans.Diagnostics.ActivitySources.ApplicationGrainActivitySourceName,
        Orleans.Diagnostics.ActivitySources.RuntimeActivitySourceName,
    ];

    /// <summary>The meters exported: ours, our external calls, Orleans' own, and the HTTP server's.</summary>
    public static readonly IReadOnlyList<string> Meters =
    [
        GembaInstruments.MeterName,
        ProcessInstruments.MeterName,
        "Microsoft.Orleans",
        "Microsoft.AspNetCore.Hosting",
        "Microsoft.AspNetCore.Server.Kestrel",
    ];

    private static bool Tracing(ServeOptions o) => o.OtelConsole || o.OtlpEndpoint is not null || o.Telemetry is not null;

    private static bool Metrics(ServeOptions o) => Tracing(o) || o.Prometheus;

    public static ISiloBuilder AddGembaTelemetry(this ISiloBuilder silo, ServeOptions options, string version)
    {
        if (options.Dashboard) silo.AddDashboard();
        // Grain calls carry the caller's trace context only with propagation on; it costs a filter per call.
        if (silo.Services.AddGembaTelemetry(options, version)) silo.AddActivityPropagation();
        return silo;
    }

    /// <summary>A gateway's telemetry: its HTTP spans join the grain calls it makes (no dashboard: that is a silo's).</summary>
    public static IClientBuilder AddGembaTelemetry(this IClientBuilder client, ServeOptions options, string version)
    {
        if (client.Services.AddGembaTelemetry(options, version)) client.AddActivityPropagation();
        return client;
    }

    /// <returns>Whether tracing is on (the caller then turns on Orleans' trace propagation).</returns>
    private static bool AddGembaTelemetry(this IServiceCollection services, ServeOptions options, string version)
    {
        if (!Metrics(options)) return false;

        var otel = services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService("gemba", serviceVersion: version, serviceInstanceId: Environment.MachineName + ":" + options.Port));
        otel.WithMetrics(m =>
        {
            foreach (var meter in Meters) m.AddMeter(meter);
            if (options.OtelConsole) m.AddConsoleExporter();
            if (options.OtlpEndpoint is { } endpoint) m.AddOtlpExporter(o => o.Endpoint = Otlp(endpoint, o.Protocol, "v1/metrics"));
            if (options.Prometheus) m.AddPrometheusExporter();
        });
        if (Tracing(options))
        {
            otel.WithTracing(t =>
            {
                foreach (var source in TraceSources) t.AddSource(source);
                t.AddAspNetCoreInstrumentation(o => o.Filter = http => !http.Request.Path.StartsWithSegments(MetricsPath));
                if (options.OtelConsole) t.AddConsoleExporter();
                if (options.OtlpEndpoint is { } endpoint) t.AddOtlpExporter(o => o.Endpoint = Otlp(endpoint, o.Protocol, "v1/traces"));
            });
        }
        options.Telemetry?.Invoke(otel);
        return Tracing(options);
    }

    /// <summary>
    /// An endpoint set in code is used as given; over HTTP (OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf)
    /// each signal has its own path below the collector's base URL, which the exporter then does not add.
    /// </summary>
    private static Uri Otlp(string endpoint, OpenTelemetry.Exporter.OtlpExportProtocol protocol, string signalPath) =>
        protocol == OpenTelemetry.Exporter.OtlpExportProtocol.HttpProtobuf && !endpoint.TrimEnd('/').EndsWith(signalPath, StringComparison.Ordinal)
            ? new Uri(endpoint.TrimEnd('/') + "/" + signalPath)
            : new Uri(endpoint);

    /// <summary>
    /// The scrape endpoint and the dashboard; mapped after <c>UseGembaApi</c>, so with <c>--token</c> they
    /// need the bearer token like every other route.
    /// </summary>
    public static WebApplication MapGembaTelemetry(this WebApplication app, ServeOptions options)
    {
        if (options.Prometheus) app.MapPrometheusScrapingEndpoint(MetricsPath);
        if (options.Dashboard && !options.Gateway) app.MapOrleansDashboard(DashboardPath);
        return app;
    }
}
