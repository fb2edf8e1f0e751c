using IotAi.Gateway.Hosting;
using Microsoft.Extensions.Hosting;

var builder = Host.CreateApplicationBuilder(args);
builder.AddIotAiSilo();
await builder.Build().RunAsync();
