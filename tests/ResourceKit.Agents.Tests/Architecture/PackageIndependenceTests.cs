using System.Xml.Linq;

namespace ResourceKit.Agents.Tests.Architecture;

/// <summary>Guards the rule from ARCHITECTURE.md: the four wings never reference each other; Agents joins them.</summary>
public sealed class PackageIndependenceTests
{
    private static readonly string[] IndependentPackages = ["Memory", "Scheduling", "Caching", "Cost"];

    [TestCaseSource(nameof(IndependentPackages))]
    public void IndependentPackage_ReferencesNoOtherResourceKitProject(string package)
    {
        var references = ResourceKitReferences(RepositoryLayout.SourceProject(package));

        Assert.That(references, Is.Empty, $"ResourceKit.{package} must stay independent of the other ResourceKit packages.");
    }

    [TestCaseSource(nameof(IndependentPackages))]
    public void IndependentPackage_DoesNotUseAnotherPackagesNamespace(string package)
    {
        var folder = Path.GetDirectoryName(RepositoryLayout.SourceProject(package))!;
        var others = IndependentPackages.Where(p => p != package).Append("Agents").Select(p => $"ResourceKit.{p}").ToArray();

        var offenders = Directory.EnumerateFiles(folder, "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .Where(f => File.ReadLines(f).Any(line => others.Any(o => line.StartsWith($"using {o}", StringComparison.Ordinal))))
            .ToList();

        Assert.That(offenders, Is.Empty);
    }

    [Test]
    public void Agents_ReferencesAllFourPackages()
    {
        var references = ResourceKitReferences(RepositoryLayout.SourceProject("Agents"));

        Assert.That(references, Is.EquivalentTo(IndependentPackages.Select(p => $"ResourceKit.{p}")));
    }

    [Test]
    public void Solution_IsClassicFormatAndListsEveryProject()
    {
        var sln = File.ReadAllText(Path.Combine(RepositoryLayout.Root.FullName, "ResourceKit.sln"));

        Assert.That(sln.TrimStart('\uFEFF', '\r', '\n'), Does.StartWith("Microsoft Visual Studio Solution File, Format Version 12.00"));
        foreach (var package in IndependentPackages.Append("Agents"))
        {
            Assert.That(sln, Does.Contain($"ResourceKit.{package}.csproj"));
            Assert.That(sln, Does.Contain($"ResourceKit.{package}.Tests.csproj"));
        }

        Assert.That(sln, Does.Contain("ResourceKit.Benchmarks.csproj").And.Contain("ResourceKit.AgentHost.csproj"));
    }

    [TestCaseSource(nameof(AllPackages))]
    public void SourcePackage_HasNuGetMetadataAndPackedReadme(string package)
    {
        var project = XDocument.Load(RepositoryLayout.SourceProject(package));
        string? Property(string name) => project.Descendants(name).FirstOrDefault()?.Value;

        Assert.Multiple(() =>
        {
            Assert.That(Property("PackageId"), Is.EqualTo($"ResourceKit.{package}"));
            Assert.That(Property("Description"), Is.Not.Null.And.Length.GreaterThan(40));
            Assert.That(Property("PackageTags"), Is.Not.Null.And.Not.Empty);
            Assert.That(File.Exists(Path.Combine(Path.GetDirectoryName(RepositoryLayout.SourceProject(package))!, "README.md")), Is.True);
        });
    }

    private static IEnumerable<string> AllPackages() => IndependentPackages.Append("Agents");

    private static List<string> ResourceKitReferences(string projectFile) =>
        XDocument.Load(projectFile)
            .Descendants("ProjectReference")
            .Select(r => Path.GetFileNameWithoutExtension(r.Attribute("Include")!.Value.Replace('\\', '/')))
            .Where(name => name.StartsWith("ResourceKit.", StringComparison.Ordinal))
            .ToList();
}
