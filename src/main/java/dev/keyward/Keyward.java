package dev.keyward;

import dev.keyward.cli.OperatorCommand;
import dev.keyward.cli.ResolveCommand;
import dev.keyward.cli.SealCommand;
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
      SealCommand.class,
      ResolveCommand.class,
      CommandLine.HelpCommand.class
    })
public class Keyward implements Runnable {

  public static void main(String[] args) {
    String[] effective = args.length == 0 ? new String[] {"operator"} : args;
    System.exit(new CommandLine(new Keyward()).execute(effective));
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
