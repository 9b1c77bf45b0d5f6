package dev.keyward.cli;

import dev.keyward.common.SpecProblem;
import dev.keyward.sealing.PublicKeys;
import dev.keyward.sealing.SealingKeyStore;
import dev.keyward.toolsecret.ToolPattern;
import dev.keyward.toolsecret.ToolSecret;
import dev.keyward.toolsecret.ToolSecretPolicy;
import dev.keyward.toolsecret.ToolSecretSpec;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.ByteArrayOutputStream;
import java.io.Console;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code keyward seal}: encrypts a value read from standard input for one ToolSecret and prints the
 * ToolSecret as YAML, safe to commit. The value is never taken from an argument, which would land
 * in shell history.
 */
@Command(
    name = "seal",
    mixinStandardHelpOptions = true,
    description = {
      "Seal a value from standard input for one ToolSecret and print the ToolSecret YAML.",
      "Example: printf %%s \"$LINEAR_TOKEN\" | keyward seal --namespace agents --name"
          + " linear-token --public-keys keys.json > linear-token.yaml",
      "Save the public keys for offline sealing: keyward seal --fetch-public-keys > keys.json"
    })
public class SealCommand implements Callable<Integer> {

  static InputStream stdin = System.in;

  @Spec CommandSpec spec;

  @Option(
      names = {"-n", "--namespace"},
      description = "Namespace of the ToolSecret.")
  String namespace;

  @Option(names = "--name", description = "Name of the ToolSecret.")
  String name;

  @Option(
      names = "--public-keys",
      description =
          "Public keyset file (from --fetch-public-keys or GET /v1/sealing-public-keys). Default:"
              + " read ConfigMap keyward-sealing-public-keys from the current cluster.")
  Path publicKeys;

  @Option(
      names = "--operator-namespace",
      defaultValue = "${env:KEYWARD_NAMESPACE:-keyward-system}",
      description =
          "Namespace Keyward runs in, for reading its public keys. Default: ${DEFAULT-VALUE}.")
  String operatorNamespace;

  @Option(names = "--tool", description = "Tool name, or a prefix ending in a single *.")
  String tool;

  @Option(names = "--tool-arg", description = "The tool argument the value is for.")
  String toolArg;

  @Option(names = "--default-for-tool", description = "Use the value as the tool's default.")
  boolean defaultForTool;

  @Option(names = "--display-name", description = "The label people see.")
  String displayName;

  @Option(
      names = "--fetch-public-keys",
      description = "Print the cluster's public sealing keys (JSON) instead of sealing.")
  boolean fetchPublicKeys;

  @Override
  public Integer call() throws IOException {
    var out = spec.commandLine().getOut();
    if (fetchPublicKeys) {
      out.println(clusterPublicKeys());
      out.flush();
      return 0;
    }
    if (namespace == null || name == null) {
      return usage(
          "--namespace and --name are required: a sealed value opens only for that one"
              + " ToolSecret");
    }
    Optional<String> nameProblem =
        Names.checkNamespace("--namespace", namespace).or(() -> Names.checkName("--name", name));
    if (nameProblem.isPresent()) {
      return usage(nameProblem.get());
    }
    if (tool == null && (toolArg != null || defaultForTool)) {
      return usage(
          (toolArg != null ? "--tool-arg" : "--default-for-tool")
              + " needs --tool: it says which tool the value is for");
    }
    Optional<SpecProblem> toolProblem = ToolPattern.check(tool);
    if (toolProblem.isPresent()) {
      return usage(toolProblem.get().message());
    }
    if (toolArg != null && (toolArg.isEmpty() || toolArg.length() > 1024)) {
      return usage("--tool-arg must be 1 to 1024 characters");
    }
    if (displayName != null && (displayName.isEmpty() || displayName.length() > 1024)) {
      return usage("--display-name must be 1 to 1024 characters");
    }
    PublicKeys keys = PublicKeys.fromJson(publicKeys == null ? clusterPublicKeys() : keyFile());
    String value = readValue();
    Optional<SpecProblem> valueProblem = ToolSecretPolicy.checkValue(value);
    if (valueProblem.isPresent()) {
      return usage(valueProblem.get().message());
    }

    ToolSecret toolSecret = new ToolSecret();
    toolSecret.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(namespace).build());
    ToolSecretSpec s = new ToolSecretSpec();
    s.setDisplayName(displayName);
    s.setEncryptedValue(keys.seal(value, namespace, name));
    s.setTool(tool);
    s.setToolArg(toolArg);
    s.setDefaultForTool(defaultForTool ? Boolean.TRUE : null);
    toolSecret.setSpec(s);
    out.println(
        "# Sealed by `keyward seal` for "
            + namespace
            + "/"
            + name
            + " with sealing key "
            + keys.primaryKeyId()
            + ". Safe to commit: it opens only in this cluster, for this ToolSecret.");
    out.print(Serialization.asYaml(toolSecret).replaceFirst("^---\n", ""));
    out.flush();
    return 0;
  }

  /** The --public-keys file, or one line on what is wrong with it and how to get a good one. */
  private String keyFile() {
    String fix =
        ": save the keys with `keyward seal --fetch-public-keys > "
            + publicKeys
            + "` where the cluster is reachable, or ask its operator for them";
    if (!Files.exists(publicKeys)) {
      throw new IllegalArgumentException("--public-keys " + publicKeys + " does not exist" + fix);
    }
    if (Files.isDirectory(publicKeys)) {
      throw new IllegalArgumentException("--public-keys " + publicKeys + " is a folder" + fix);
    }
    try {
      return Files.readString(publicKeys);
    } catch (IOException | RuntimeException e) {
      throw new IllegalArgumentException(
          "--public-keys "
              + publicKeys
              + " cannot be read ("
              + e.getClass().getSimpleName()
              + ")"
              + fix);
    }
  }

  private String clusterPublicKeys() {
    try (KubernetesClient client = ClusterAccess.client()) {
      String keyset = SealingKeyStore.publishedKeyset(client, operatorNamespace);
      if (keyset == null) {
        throw new IllegalStateException(
            "ConfigMap "
                + SealingKeyStore.publishedAt(operatorNamespace)
                + " was not found: is Keyward running there? Use --operator-namespace, or"
                + " --public-keys with a saved keyset");
      }
      return keyset;
    }
  }

  /** The value from the terminal (not echoed) or from piped input, without a final newline. */
  private String readValue() throws IOException {
    Console console = System.console();
    if (stdin == System.in && console != null) {
      char[] typed = console.readPassword("Value to seal (not shown): ");
      return typed == null ? "" : new String(typed);
    }
    ByteArrayOutputStream buffer = new ByteArrayOutputStream();
    stdin.transferTo(buffer);
    String value = buffer.toString(StandardCharsets.UTF_8);
    if (value.endsWith("\r\n")) {
      return value.substring(0, value.length() - 2);
    }
    return value.endsWith("\n") ? value.substring(0, value.length() - 1) : value;
  }

  private int usage(String message) {
    spec.commandLine().getErr().println("keyward seal: " + message);
    spec.commandLine().getErr().flush();
    return 2;
  }
}
