using IotAi.Gateway.Http.Security;
using IotAi.Silo;
using Microsoft.AspNetCore.Builder;

var builder = WebApplication.CreateBuilder(args);
builder.AddIotAiSilo();
var app = builder.Build();
app.UseIotAiApiSecurity();
app.MapIotAiEndpoints();
await app.RunAsync();
