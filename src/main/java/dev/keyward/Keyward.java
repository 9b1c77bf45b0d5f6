package dev.keyward;

import dev.keyward.cli.ClusterAccess;
import dev.keyward.cli.ListCommand;
import dev.keyward.cli.OperatorCommand;
import dev.keyward.cli.ResolveCommand;
import dev.keyward.cli.RevokeCommand;
import dev.keyward.cli.RotateCommand;
import dev.keyward.cli.SealCommand;
import dev.keyward.cli.StatusCommand;
import dev.keyward.console.ConsoleCommand;
import dev.keyward.dev.DevCommand;
import dev.keyward.verifier.VerifierCommand;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Keyward's single entry point: {@code operator} (the default) and the helper commands. */
@Command(
    name = "keyward",
    mixinStandardHelpOptions = true,
    versionProvider = Keyward.Version.class,
    description = {
      "Kubernetes operator that manages credentials as custom resources.",
      "Without a command it runs the operator (keyward operator)."
    },
    subcommands = {
      OperatorCommand.class,
      VerifierCommand.class,
      SealCommand.class,
      ResolveCommand.class,
      ListCommand.class,
      StatusCommand.class,
      RotateCommand.class,
      RevokeCommand.class,
      DevCommand.class,
      ConsoleCommand.class,
      CommandLine.HelpCommand.class
    })
public class Keyward implements Runnable {

  /** Exit code of a command that could not reach or use the cluster. */
  public static final int CLUSTER_UNAVAILABLE = 3;

  public static void main(String[] args) {
    System.exit(execute(commandLine(), args));
  }

  /**
   * Runs {@code args}; no arguments at all runs the operator, and says so on stderr, so a person
   * who typed {@code keyward} to see what it does is not left looking at operator logs.
   */
  public static int execute(CommandLine cli, String... args) {
    if (args.length == 0) {
      cli.getErr()
          .println(
              "keyward: no command given, running the operator (keyward operator). keyward --help"
                  + " lists the commands.");
      cli.getErr().flush();
      return cli.execute("operator");
    }
    return cli.execute(args);
  }

  /**
   * The command line with Keyward's error handling: a mistake a person can fix (bad input, a
   * missing object, no cluster) prints one line, not a stack trace.
   */
  public static CommandLine commandLine() {
    CommandLine cli = new CommandLine(new Keyward());
    cli.setExecutionExceptionHandler(
        (e, command, parsed) -> {
          int code;
          String message;
          if (e instanceof ClusterAccess.Unavailable || e instanceof KubernetesClientException) {
            code = CLUSTER_UNAVAILABLE;
            message = ClusterAccess.explain(e);
          } else if (e instanceof IllegalArgumentException || e instanceof IllegalStateException) {
            code = 2;
            message = e.getMessage();
          } else if (e instanceof UncheckedIOException io) {
            code = 2;
            message = io.getMessage() + " (" + io.getCause().getMessage() + ")";
          } else {
            throw e;
          }
          command.getErr().println("keyward " + command.getCommandName() + ": " + message);
          command.getErr().flush();
          return code;
        });
    return cli;
  }

  @Override
  public void run() {
    new CommandLine(this).usage(System.out);
  }

  /** The version the build wrote into the jar's manifest, or into version.properties. */
  public static String version() {
    String version = Keyward.class.getPackage().getImplementationVersion();
    if (version != null) {
      return version;
    }
    try (InputStream in = Keyward.class.getResourceAsStream("version.properties")) {
      Properties properties = new Properties();
      if (in != null) {
        properties.load(in);
      }
      String built = properties.getProperty("version");
      return built == null || built.startsWith("${") ? "unknown (not built by Maven)" : built;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      return new String[] {"keyward " + version()};
    }
  }
}
