using System.Text.Json;
using IotAi.Protocol;

namespace IotAi.Protocol.Tests;

public sealed class ModelQualityReportTests
{
    private static readonly long[] FiveInTopBin = [.. Enumerable.Repeat(0L, ModelQualityReport.Bins - 1), 5];

    [Theory]
    [InlineData(0.0, 0)]
    [InlineData(0.049, 0)]
    [InlineData(0.05, 1)]
    [InlineData(0.61, 12)]
    [InlineData(0.999, 19)]
    [InlineData(1.0, 19)]
    [InlineData(-0.1, 0)]
    public void Confidences_fall_in_bins_of_width_one_twentieth(double confidence, int bin) =>
        Assert.Equal(bin, ModelQualityReport.Bin(confidence));

    [Fact]
    public void A_consistent_report_reads_back_from_its_wire_form()
    {
        var report = new ModelQualityReport("sensor-anomaly", "2", 5, 1, 4, 3, FiveInTopBin);
        var wire = JsonSerializer.SerializeToUtf8Bytes(report, ProtocolJson.Wire.ModelQualityReport);
        var read = JsonSerializer.Deserialize(wire, ProtocolJson.Wire.ModelQualityReport)!;

        Assert.Null(read.Validate());
        Assert.Equal(report.Confidence, read.Confidence);
        Assert.Equal((5L, 1L, 4L, 3L), (read.Samples, read.Hard, read.Labeled, read.Correct));
    }

    public static TheoryData<ModelQualityReport, string> Inconsistent() => new()
    {
        { new("", "2", 5, 0, 0, 0, FiveInTopBin), "name" },
        { new("m", "2", 5, 6, 0, 0, FiveInTopBin), "hard and labeled at most samples" },
        { new("m", "2", 5, 0, 4, 5, FiveInTopBin), "correct at most labeled" },
        { new("m", "2", 6, 0, 0, 0, FiveInTopBin), "add up to samples" },
        { new("m", "2", 5, 0, 0, 0, [5]), "20 non-negative counts" },
        { new("m", "2", 5, 0, 0, 0, [.. FiveInTopBin.Select(static c => c == 0 ? 0 : -c)]), "20 non-negative counts" },
    };

    [Theory]
    [MemberData(nameof(Inconsistent))]
    public void An_inconsistent_report_is_refused_with_the_reason(ModelQualityReport report, string reason) =>
        Assert.Contains(reason, report.Validate(), StringComparison.Ordinal);
}
