return await Gemba.Silo.Cli.GembaCommandLine.RunAsync(args);
