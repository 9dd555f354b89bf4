using System.CommandLine;
using SvdWeb.Cli.Commands;

var root = new RootCommand("SvdWeb: Stable Video Diffusion image-to-video on ONNX Runtime, frame-exact with diffusers.")
{
    GenerateCommand.Create(),
    SweepCommand.Create(),
    ModelsCommand.Create(),
    BackupCommand.Create(),
    BenchCommand.Create(),
    UsersCommand.Create(),
    CopyToPostgresCommand.Create(),
};
return await root.Parse(args).InvokeAsync(new InvocationConfiguration()).ConfigureAwait(false);
