package dev.keyward;

import dev.keyward.cli.OperatorCommand;
import dev.keyward.cli.ResolveCommand;
import dev.keyward.cli.SealCommand;
import dev.keyward.dev.DevCommand;
import dev.keyward.verifier.VerifierCommand;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Keyward's single entry point: {@code operator} (the default) and the helper commands. */
@Command(
    name = "keyward",
    mixinStandardHelpOptions = true,
    versionProvider = Keyward.Version.class,
    description = "Kubernetes operator that manages credentials as custom resources.",
    subcommands = {
      OperatorCommand.class,
      VerifierCommand.class,
      SealCommand.class,
      ResolveCommand.class,
      DevCommand.class,
      CommandLine.HelpCommand.class
    })
public class Keyward implements Runnable {

  public static void main(String[] args) {
    String[] effective = args.length == 0 ? new String[] {"operator"} : args;
    System.exit(commandLine().execute(effective));
  }

  /**
   * The command line with Keyward's error handling: a mistake a person can fix (bad input, a
   * missing object) prints one line, not a stack trace.
   */
  public static CommandLine commandLine() {
    CommandLine cli = new CommandLine(new Keyward());
    cli.setExecutionExceptionHandler(
        (e, command, parsed) -> {
          if (e instanceof IllegalArgumentException || e instanceof IllegalStateException) {
            command.getErr().println("keyward " + command.getCommandName() + ": " + e.getMessage());
            command.getErr().flush();
            return 2;
          }
          throw e;
        });
    return cli;
  }

  @Override
  public void run() {
    new CommandLine(this).usage(System.out);
  }

  static class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      String version = Keyward.class.getPackage().getImplementationVersion();
      return new String[] {"keyward " + (version == null ? "dev" : version)};
    }
  }
}
