package dev.keyward.testing;

import dev.keyward.Keyward;
import dev.keyward.cli.ClusterAccess;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.PrintWriter;
import java.io.StringWriter;
import picocli.CommandLine;

/** One run of the {@code keyward} command line: its exit code and what it printed. */
public record CliRun(int code, String out, String err) {

  /** Runs {@code keyward ARGS} in this JVM with output captured. */
  public static CliRun run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cli = Keyward.commandLine();
    cli.setOut(new PrintWriter(out));
    cli.setErr(new PrintWriter(err));
    int code = cli.execute(args);
    return new CliRun(code, out.toString(), err.toString());
  }

  /** Points every command that connects at the test API server instead of a kubeconfig. */
  public static void useTestCluster() {
    ClusterAccess.use(
        () -> new KubernetesClientBuilder().withConfig(TestApiServer.get().config()).build());
  }
}
