return await Gemba.Silo.Commands.GembaCommandLine.RunAsync(args);
