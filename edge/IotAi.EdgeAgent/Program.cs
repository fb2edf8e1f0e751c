using IotAi.Edge;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

// Settings come from appsettings.json, then environment variables (Edge__DeviceId=pump-7), then the command line (--Edge:DeviceId=pump-7).
var builder = Host.CreateApplicationBuilder(args);
builder.Services.AddSystemd();
// Results go to standard output as JSON lines; logs go to standard error (the journal, under systemd).
builder.Logging.AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
// Spans, metrics and logs go over OTLP when OTEL_EXPORTER_OTLP_ENDPOINT is set; otherwise nothing is registered.
builder.AddEdgeTelemetry();
builder.Services.AddEdgeAgent();
await builder.Build().RunAsync();
