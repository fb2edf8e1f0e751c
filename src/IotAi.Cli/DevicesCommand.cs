using System.CommandLine;
using System.Text.Json;
using IotAi.Gateway.Mqtt.Identity;

namespace IotAi.Cli;

/// <summary><c>iotai devices</c>: a device's twin, its desired properties and model offers, through a silo's management API.</summary>
internal static class DevicesCommand
{
    public static Command Create()
    {
        var silo = new SiloConnection();
        var device = new Argument<string>("device") { Description = "The device id" };

        var show = new Command("show", "Show a device's twin") { device };
        show.SetAction(async (parse, ct) =>
        {
            using var api = silo.Client(parse);
            return Print(await api.GetDeviceAsync(parse.GetValue(device)!, ct));
        });

        var model = new Option<string>("--model") { Description = "The model's name", Required = true };
        var version = new Option<string>("--version") { Description = "The version to offer", Required = true };
        var offer = new Command("offer", "Offer a registered model version to a device over the air") { device, model, version };
        offer.SetAction(async (parse, ct) =>
        {
            using var api = silo.Client(parse);
            await api.OfferModelAsync(parse.GetValue(device)!, parse.GetValue(model)!, parse.GetValue(version)!, ct);
            return Done($"{parse.GetValue(model)} {parse.GetValue(version)} offered to {parse.GetValue(device)}");
        });

        var properties = new Argument<string[]>("properties") { Description = "name=value pairs", Arity = ArgumentArity.OneOrMore };
        var desire = new Command("desire", "Set desired properties on a device's twin; the device gets them at once or when it returns") { device, properties };
        desire.SetAction(async (parse, ct) =>
        {
            using var api = silo.Client(parse);
            await api.SetDesiredAsync(parse.GetValue(device)!, Pairs(parse.GetValue(properties)!), ct);
            return Done($"desired properties set on {parse.GetValue(device)}");
        });

        var tagPairs = new Argument<string[]>("tags") { Description = "name=value pairs; they replace the device's tags", Arity = ArgumentArity.ZeroOrMore };
        var tag = new Command("tag", "Set the tags rollouts target a device by") { device, tagPairs };
        tag.SetAction(async (parse, ct) =>
        {
            using var api = silo.Client(parse);
            await api.SetTagsAsync(parse.GetValue(device)!, Pairs(parse.GetValue(tagPairs) ?? []), ct);
            return Done($"tags set on {parse.GetValue(device)}");
        });

        var enrol = new Command("enrol", "Enrol a device: prints the secret it connects with (user name: its id), shown this once") { device };
        enrol.SetAction(async (parse, ct) =>
        {
            using var api = silo.Client(parse);
            return Print(await api.EnrolAsync(parse.GetValue(device)!, ct));
        });

        var grace = new Option<int>("--grace") { Description = "Seconds the old secret stays good, so the device can move over without a gap", DefaultValueFactory = _ => 0 };
        var rotate = new Command("rotate", "Give an enrolled device a new secret; prints it, shown this once") { device, grace };
        rotate.SetAction(async (parse, ct) =>
        {
            using var api = silo.Client(parse);
            return Print(await api.RotateCredentialAsync(parse.GetValue(device)!, parse.GetValue(grace), ct));
        });

        var revoke = new Command("revoke", "Revoke a device: it is disconnected and refused until enrolled again") { device };
        revoke.SetAction(async (parse, ct) =>
        {
            using var api = silo.Client(parse);
            return Print(await api.RevokeCredentialAsync(parse.GetValue(device)!, ct));
        });

        var credentials = new Command("credentials", "Show where a device's credential stands (never its secret)") { device };
        credentials.SetAction(async (parse, ct) =>
        {
            using var api = silo.Client(parse);
            return Print(await api.GetCredentialAsync(parse.GetValue(device)!, ct));
        });

        var hash = new Command("hash-secret", "Read a secret from standard input and print its hash for Mqtt:Authentication:Accounts:{name}:SecretHash");
        hash.SetAction(_ =>
        {
            var secret = Console.In.ReadLine()?.Trim();
            if (string.IsNullOrEmpty(secret))
            {
                throw new ArgumentException("Give the secret on standard input.");
            }

            Console.WriteLine(DeviceSecrets.Format(DeviceSecrets.Hash(secret, new DeviceAuthenticationOptions().Iterations)));
            return 0;
        });

        foreach (var command in new[] { show, offer, desire, tag, enrol, rotate, revoke, credentials })
        {
            silo.AddTo(command);
        }

        return new Command("devices", "Read and change device twins, and enrol, rotate and revoke devices, through a silo")
        {
            show, offer, desire, tag, enrol, rotate, revoke, credentials, hash,
        };
    }

    private static Dictionary<string, string> Pairs(string[] pairs)
    {
        var split = pairs.Select(p => p.Split('=', 2)).ToList();
        return split.Any(p => p.Length != 2 || p[0].Length == 0)
            ? throw new ArgumentException("Give each property as name=value.")
            : split.ToDictionary(p => p[0], p => p[1]);
    }

    private static int Done(string what)
    {
        Console.WriteLine(what);
        return 0;
    }

    private static int Print(JsonElement answer)
    {
        CliOutput.WriteJson(answer);
        return 0;
    }
}
