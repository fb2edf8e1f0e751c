using IotAi.Trainer;

return await TrainerCommand.Create(Console.Out).Parse(args).InvokeAsync();
