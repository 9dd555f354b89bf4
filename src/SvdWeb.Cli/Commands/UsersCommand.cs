using System.CommandLine;
using SvdWeb.Cli.Accounts;

namespace SvdWeb.Cli.Commands;

/// <summary>
/// <c>svdweb users add NAME [--admin] [--data-folder DIR]</c>: creates an account in the app's database. The password
/// is read from standard input (one line), never from the command line, where other users could see it.
/// </summary>
internal static class UsersCommand
{
    public static Command Create()
    {
        var name = new Argument<string>("NAME") { Description = "The user name to sign in with, e.g. alice." };
        var admin = new Option<bool>("--admin") { Description = "Give the account the admin role (manage accounts, act on anyone's items); default: user." };
        var passwordStdin = new Option<bool>("--password-stdin") { Description = "Read the password from standard input without a prompt (the default when input is redirected)." };
        var dataFolder = new Option<string?>("--data-folder")
        {
            HelpName = "DIR",
            Description = $"The app's data folder, holding svdweb.db (default: ${BackupCommand.DataFolderVariable}, else 'data').",
        };
        var add = new Command("add", "Add an account; the password is read from standard input.") { name, admin, passwordStdin, dataFolder };
        add.SetAction((parse, ct) => CliErrors.RunAsync(() => Task.FromResult(Add(
            parse.GetRequiredValue(name), parse.GetValue(admin), parse.GetValue(passwordStdin), parse.GetValue(dataFolder)))));
        return new Command("users", "Manage the web app's accounts.") { add };
    }

    private static int Add(string name, bool admin, bool passwordStdin, string? dataFolderOption)
    {
        var dataFolder = Path.GetFullPath(BackupCommand.ChooseDataFolder(dataFolderOption));
        if (!passwordStdin && !Console.IsInputRedirected) Console.Error.Write($"Password for {name} (at least {AccountStore.MinPasswordLength} characters): ");
        var password = Console.In.ReadLine()
            ?? throw new AccountStoreException("No password was given on standard input. Pipe it in, e.g. printf '%s\\n' \"$PASSWORD\" | svdweb users add NAME --password-stdin.");
        AccountStore.Add(dataFolder, name, password.TrimEnd('\r', '\n'), admin);
        Console.WriteLine($"added {(admin ? "admin" : "user")} {name.Trim()} to {Path.Combine(dataFolder, AccountStore.DatabaseFile)}");
        return 0;
    }
}
