using IotAi.ServiceDefaults;
using IotAi.Trainer;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

// The run goes to a collector as one trace when OTEL_EXPORTER_OTLP_ENDPOINT is set; its lines go to standard output
// either way, where `kubectl logs` and the silo read them.
var builder = Host.CreateApplicationBuilder();
builder.Logging.ClearProviders();
builder.AddServiceDefaults(TrainerTelemetry.Service);
using var host = builder.Build();
await host.StartAsync();
var exit = await TrainerCommand.Create(Console.Out).Parse(args).InvokeAsync();
await host.StopAsync();
return exit;
