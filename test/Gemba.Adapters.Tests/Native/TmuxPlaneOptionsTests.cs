using Gemba.Config;
using Gemba.Silo.Orchestration.Native;
using Microsoft.Extensions.Logging.Abstractions;

namespace Gemba.Adapters.Tests.Native;

/// <summary>The plane refuses settings that would make tmux targets or agent URLs ambiguous.</summary>
public sealed class TmuxPlaneOptionsTests
{
    private static readonly TmuxPlaneOptions Valid = new("http://127.0.0.1:7666/", "/tmp");

    private static void Create(TmuxPlaneOptions options) =>
        _ = new TmuxOrchestrationPlane(options, () => AgentsRegistry.Empty, () => PersonaCatalog.Load("/nonexistent"), NullLogger<TmuxOrchestrationPlane>.Instance);

    [Fact]
    public void Defaults_are_accepted() => Create(Valid);

    [Theory]
    [InlineData("gemba:1")]
    [InlineData("gemba.main")]
    [InlineData("-t")]
    [InlineData("")]
    public void A_session_name_tmux_would_misread_is_refused(string name) =>
        Assert.Contains("session name", Assert.Throws<ArgumentException>(() => Create(Valid with { SessionName = name })).Message);

    [Theory]
    [InlineData("../escape")]
    [InlineData("has space")]
    public void A_socket_name_that_is_not_a_name_is_refused(string name) =>
        Assert.Contains("socket name", Assert.Throws<ArgumentException>(() => Create(Valid with { SocketName = name })).Message);

    [Theory]
    [InlineData("127.0.0.1:7666")]
    [InlineData("ftp://host/")]
    public void A_gemba_url_that_is_not_absolute_http_is_refused(string url) =>
        Assert.Contains("GEMBA_URL", Assert.Throws<ArgumentException>(() => Create(Valid with { GembaUrl = url })).Message);

    [Fact]
    public void The_token_never_shows_in_the_options_text() =>
        Assert.DoesNotContain("s3cret", (Valid with { Token = "s3cret" }).ToString());
}
