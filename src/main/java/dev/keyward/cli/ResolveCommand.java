package dev.keyward.cli;

import dev.keyward.secrets.ManagedSecrets;
import dev.keyward.toolsecret.ToolBinding;
import dev.keyward.toolsecret.ToolIndex;
import dev.keyward.toolsecret.ToolIndexSecret;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code keyward resolve}: which ToolSecret a tool gets for an argument, answered from the
 * namespace's tool index with the same rules the operator uses. Prints the name; the value only
 * with {@code --reveal}.
 */
@Command(
    name = "resolve",
    mixinStandardHelpOptions = true,
    description =
        "Print the ToolSecret a tool gets for an argument in a namespace (the value only with"
            + " --reveal). Exit code 1 when none does.")
public class ResolveCommand implements Callable<Integer> {

  @Spec CommandSpec spec;

  @Option(
      names = {"-n", "--namespace"},
      required = true,
      description = "Namespace of the tool index.")
  String namespace;

  @Option(names = "--tool", required = true, description = "The tool's name.")
  String tool;

  @Option(names = "--arg", required = true, description = "The tool argument.")
  String arg;

  @Option(
      names = "--index-name",
      defaultValue = "${env:KEYWARD_TOOL_INDEX_NAME:-keyward-tools}",
      description = "Name of the tool index Secret. Default: ${DEFAULT-VALUE}.")
  String indexName;

  @Option(names = "--reveal", description = "Also print the value. It will be on your screen.")
  boolean reveal;

  @Override
  public Integer call() {
    Secret index;
    try (KubernetesClient client = ClusterAccess.client()) {
      index = client.secrets().inNamespace(namespace).withName(indexName).get();
    }
    var out = spec.commandLine().getOut();
    var err = spec.commandLine().getErr();
    if (index == null) {
      err.printf(
          "No tool index %s in namespace %s: no ToolSecret is active there%n",
          indexName, namespace);
      err.flush();
      return 1;
    }
    Map<String, String> data = ManagedSecrets.decodedData(index);
    Optional<ToolBinding> binding =
        ToolIndex.fromJson(data.getOrDefault(ToolIndexSecret.INDEX_KEY, "{}")).resolve(tool, arg);
    if (binding.isEmpty()) {
      err.printf("No ToolSecret in %s is bound to tool %s, argument %s%n", namespace, tool, arg);
      err.flush();
      return 1;
    }
    out.println(binding.get().name());
    if (reveal) {
      out.println(data.get(binding.get().name()));
    }
    out.flush();
    return 0;
  }
}
