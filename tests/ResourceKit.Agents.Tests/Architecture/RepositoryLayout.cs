namespace ResourceKit.Agents.Tests.Architecture;

/// <summary>Finds the repository root from the test output folder, so layout tests read the real project files.</summary>
internal static class RepositoryLayout
{
    public static DirectoryInfo Root { get; } = FindRoot();

    public static string SourceProject(string package) =>
        Path.Combine(Root.FullName, "src", $"ResourceKit.{package}", $"ResourceKit.{package}.csproj");

    private static DirectoryInfo FindRoot()
    {
        for (var dir = new DirectoryInfo(TestContext.CurrentContext.TestDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "ResourceKit.sln")))
            {
                return dir;
            }
        }

        throw new InvalidOperationException("ResourceKit.sln not found above " + TestContext.CurrentContext.TestDirectory);
    }
}
