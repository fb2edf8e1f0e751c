using IotAi.Gateway.Hosting;
using Microsoft.AspNetCore.Builder;

var builder = WebApplication.CreateBuilder(args);
builder.AddIotAiSilo();
var app = builder.Build();
app.MapIotAiEndpoints();
await app.RunAsync();
