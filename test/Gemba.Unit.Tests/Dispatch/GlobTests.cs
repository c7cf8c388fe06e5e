using Gemba.Grains.Dispatch;

namespace Gemba.Unit.Tests.Dispatch;

public sealed class GlobTests
{
    [Theory]
    [InlineData("src/**", "src/a/b/c.ts", true)]
    [InlineData("src/**/*.ts", "src/x.ts", true)]
    [InlineData("src/**/*.ts", "src/a/b/x.ts", true)]
    [InlineData("src/**/*.ts", "src/a/b/x.go", false)]
    [InlineData("src/*.ts", "src/a/x.ts", false)]
    [InlineData("src/?.ts", "src/a.ts", true)]
    [InlineData("src/?.ts", "src/ab.ts", false)]
    [InlineData("src/[a-c]*.ts", "src/beta.ts", true)]
    [InlineData("src/[!a-c]*.ts", "src/beta.ts", false)]
    [InlineData("a/**/b/**/c", "a/x/b/y/z/c", true)]
    public void Matches_like_a_shell_glob(string pattern, string path, bool expected) =>
        Assert.Equal(expected, Glob.Match(pattern.Split('/'), path.Split('/')));

    [Theory]
    [InlineData("./src//a/", "src/a/**")]
    [InlineData("/src/a/./b.ts", "src/a/b.ts")]
    [InlineData("src/a/../b.ts", "src/b.ts")]
    public void Targets_normalise(string raw, string expected) => Assert.Equal(expected, PathText.NormaliseTarget(raw));
}
