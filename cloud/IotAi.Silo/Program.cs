using IotAi.Gateway.Http;
using IotAi.Silo;
using Microsoft.AspNetCore.Builder;

var builder = SiloHostingExtensions.CreateBuilder(args);
builder.AddIotAiSilo();
var app = builder.Build();
app.UseGatewayHttp();
app.MapIotAiEndpoints();
await app.RunAsync();
