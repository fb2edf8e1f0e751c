using System.Globalization;
using System.Text;

namespace IotAi.Bench;

/// <summary>The fuzzing and overload sections of <c>docs/benchmarks-extras.md</c>: what hostile or excessive traffic costs a silo.</summary>
internal static class FaultsReport
{
    public static void Append(StringBuilder text, FuzzFigures? fuzz, (OverloadPlan Plan, OverloadMeasurement Measurement)? overload)
    {
        var c = CultureInfo.InvariantCulture;
        if (fuzz is { } f)
        {
            text.AppendLine();
            text.AppendLine("## Fuzzing the ingress");
            text.AppendLine();
            text.AppendLine("The ingress tests' fuzzer, longer: 32 workers on raw sockets, as 128 enrolled devices (a twentieth of the");
            text.AppendLine("CONNECTs with a wrong secret, a tenth damaged), ten packets a connection, mostly well-formed with the last");
            text.AppendLine("damaged: bits flipped, bytes inserted, cut short, lengths forged, garbage. The silo runs in its own process");
            text.AppendLine("with authentication on; packets are counted as the silo read them (`iotai.mqtt.packets.in`), and a");
            text.AppendLine("connection neither answered to the end nor closed ten seconds after the fuzzer stopped sending has hung.");
            text.AppendLine();
            text.AppendLine("| packets read | connections | closed before all was sent | hung | time | packets/s | silo CPU µs/packet | RSS before | RSS peak | RSS after |");
            text.AppendLine("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
            text.AppendLine(c, $"| {f.Read.Items:N0} | {f.Tally.Connections:N0} | {f.Tally.RefusedAtOnce:N0} | {f.Tally.Hung} | {f.Read.Elapsed.TotalSeconds:F0} s | {f.Read.PerSecond:N0} | {f.Read.CpuMicrosPerItem:F0} | {Mib(f.ResidentBefore)} | {Mib(f.ResidentPeak)} | {Mib(f.ResidentAfter)} |");
        }

        if (overload is var (plan, m))
        {
            var offered = plan.Devices / OverloadBenchmark.FlatOut.TotalSeconds;
            text.AppendLine();
            text.AppendLine("## Overload");
            text.AppendLine();
            text.AppendLine(c, $"{plan.Devices:N0} devices against a silo kept to one core (the devices have the other). The fleet first runs flat out to");
            text.AppendLine(c, $"find the silo's rate, then sends at a third of it for {plan.Normal.TotalSeconds} s, then goes flat out for {plan.Surge.TotalSeconds} s: each");
            text.AppendLine(c, $"device ticks every {OverloadBenchmark.FlatOut.TotalMilliseconds} ms and may hold {plan.Window:N0} uplinks unanswered, so only the silo's");
            text.AppendLine("PUBACKs hold it back (a tick that finds the window full is *held back*). Then the devices stay connected and");
            text.AppendLine("quiet while the silo's resident memory is watched, and the normal load runs again.");
            text.AppendLine();
            text.AppendLine("| phase | offered/s | sent/s | answered/s | held back | refused | errors | timeouts | p99 |");
            text.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|");
            Row("before (a third of the rate)", m.Rate / 3, m.Before);
            Row("surge (flat out)", offered, m.Surge);
            Row("after", m.Rate / 3, m.After);
            text.AppendLine();
            text.AppendLine(c, $"The silo's rate flat out: {m.Rate:N0} answers/s; the surge offered **{offered / m.Surge.ResultsPerSecond:F1}×** what it answered meanwhile.");
            text.AppendLine(c, $"Resident memory: {Mib(m.ResidentIdle)} before any load (the devices connected), {Mib(m.ResidentBefore)} before the surge, {Mib(m.ResidentPeak)} at its height,");
            text.AppendLine(c, $"**{Mib(m.ResidentSettled)}** {m.Settling.TotalSeconds:F0} s after it (the plan waits up to {plan.SettlePatience.TotalSeconds} s for it to come within {plan.SettleMargin >> 20} MiB of its level before any load).");

            void Row(string name, double meant, Simulator.FleetSnapshot s) =>
                text.AppendLine(c, $"| {name} | {meant:N0} | {s.Sent / s.ElapsedSeconds:N0} | {s.ResultsPerSecond:N0} | {s.Throttled:N0} | {s.Refused} | {s.Errors} | {s.Timeouts} | {s.Latency.P99Ms:F1} ms |");
        }
    }

    private static string Mib(long bytes) => string.Create(CultureInfo.InvariantCulture, $"{bytes >> 20} MiB");
}
