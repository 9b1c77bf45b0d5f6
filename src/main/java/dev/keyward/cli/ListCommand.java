package dev.keyward.cli;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.keyward.apikey.ApiKey;
import dev.keyward.toolgrant.ToolGrant;
import dev.keyward.toolsecret.ToolSecret;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code keyward list}: the ApiKeys, ToolSecrets and ToolGrants of a namespace or of all,
 * optionally only those whose display name or name contains a text. For clusters without {@code
 * selectableFields} (before 1.31) and for the substring search a field selector cannot do. Shows
 * only what status shows: masked keys, never values.
 */
@Command(
    name = "list",
    mixinStandardHelpOptions = true,
    description =
        "List ApiKeys, ToolSecrets and ToolGrants, optionally only those whose display name or"
            + " name contains --name (case-insensitive).")
public class ListCommand implements Callable<Integer> {

  @Spec CommandSpec spec;

  @Option(
      names = {"-n", "--namespace"},
      description = "Namespace to list. Default: the kubeconfig's current namespace.")
  String namespace;

  @Option(
      names = {"-A", "--all-namespaces"},
      description = "List every namespace.")
  boolean allNamespaces;

  @Option(
      names = "--name",
      description = "Only objects whose display name or name contains this text.")
  String name;

  @Option(
      names = {"-o", "--output"},
      defaultValue = "table",
      description = "table or json. Default: ${DEFAULT-VALUE}.")
  String output;

  /** One listed object: what {@code kubectl get keyward} shows, in one shape for both kinds. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Row(
      String kind,
      String namespace,
      String name,
      String displayName,
      String phase,
      String type,
      String tool,
      String masked,
      String expiresAt,
      String lastUsedAt,
      String createdBy,
      String reason) {}

  @Override
  public Integer call() {
    if (!"table".equals(output) && !"json".equals(output)) {
      throw new IllegalArgumentException("-o must be table or json, not \"" + output + "\"");
    }
    if (allNamespaces && namespace != null) {
      throw new IllegalArgumentException("give either --namespace or --all-namespaces, not both");
    }
    List<Row> rows = new ArrayList<>();
    try (KubernetesClient client = ClusterAccess.client()) {
      String ns = namespace != null ? namespace : client.getNamespace();
      if (ns == null) {
        ns = "default";
      }
      List<ApiKey> keys =
          allNamespaces
              ? client.resources(ApiKey.class).inAnyNamespace().list().getItems()
              : client.resources(ApiKey.class).inNamespace(ns).list().getItems();
      List<ToolSecret> tools =
          allNamespaces
              ? client.resources(ToolSecret.class).inAnyNamespace().list().getItems()
              : client.resources(ToolSecret.class).inNamespace(ns).list().getItems();
      List<ToolGrant> grants =
          allNamespaces
              ? client.resources(ToolGrant.class).inAnyNamespace().list().getItems()
              : client.resources(ToolGrant.class).inNamespace(ns).list().getItems();
      keys.forEach(k -> rows.add(row(k)));
      tools.forEach(t -> rows.add(row(t)));
      grants.forEach(g -> rows.add(row(g)));
    }
    List<Row> shown =
        rows.stream()
            .filter(this::matches)
            .sorted(
                Comparator.comparing(Row::namespace)
                    .thenComparing(Row::kind)
                    .thenComparing(Row::name))
            .toList();
    PrintWriter out = spec.commandLine().getOut();
    if ("json".equals(output)) {
      out.println(Serialization.asJson(shown));
    } else if (shown.isEmpty()) {
      out.println(
          "No ApiKeys, ToolSecrets or ToolGrants"
              + (name == null ? "" : " match \"" + name + "\""));
    } else {
      out.print(table(shown, allNamespaces));
    }
    out.flush();
    return 0;
  }

  private boolean matches(Row row) {
    if (name == null || name.isEmpty()) {
      return true;
    }
    String wanted = name.toLowerCase(Locale.ROOT);
    return row.displayName().toLowerCase(Locale.ROOT).contains(wanted)
        || row.name().toLowerCase(Locale.ROOT).contains(wanted);
  }

  static Row row(ApiKey key) {
    var spec = key.getSpec();
    var status = key.getStatus();
    return new Row(
        "ApiKey",
        key.getMetadata().getNamespace(),
        key.getMetadata().getName(),
        displayName(key, spec == null ? null : spec.getDisplayName()),
        status == null ? null : status.getPhase(),
        spec == null || spec.getType() == null ? "Standard" : spec.getType(),
        null,
        status == null ? null : status.getMaskedKey(),
        status == null ? null : status.getExpiresAt(),
        status == null ? null : status.getLastUsedAt(),
        status == null ? null : status.getCreatedBy(),
        status == null ? null : reason(status.getConditions()));
  }

  static Row row(ToolSecret toolSecret) {
    var spec = toolSecret.getSpec();
    var status = toolSecret.getStatus();
    return new Row(
        "ToolSecret",
        toolSecret.getMetadata().getNamespace(),
        toolSecret.getMetadata().getName(),
        displayName(toolSecret, spec == null ? null : spec.getDisplayName()),
        status == null ? null : status.getPhase(),
        null,
        spec == null ? null : spec.getTool(),
        status == null ? null : status.getDisplay(),
        spec == null ? null : spec.getExpiresAt(),
        null,
        status == null ? null : status.getCreatedBy(),
        status == null ? null : reason(status.getConditions()));
  }

  /** A grant: its tools column says how many entries have a value ("2/3 tools"). */
  static Row row(ToolGrant grant) {
    var spec = grant.getSpec();
    var status = grant.getStatus();
    return new Row(
        "ToolGrant",
        grant.getMetadata().getNamespace(),
        grant.getMetadata().getName(),
        displayName(grant, spec == null ? null : spec.getDisplayName()),
        status == null ? null : status.getPhase(),
        null,
        status == null || status.getTools() == null ? null : status.getTools() + " tools",
        null,
        null,
        null,
        status == null ? null : status.getCreatedBy(),
        status == null ? null : reason(status.getConditions()));
  }

  private static String displayName(HasMetadata resource, String displayName) {
    return displayName == null ? resource.getMetadata().getName() : displayName;
  }

  private static String reason(List<io.fabric8.kubernetes.api.model.Condition> conditions) {
    return conditions == null || conditions.isEmpty() ? null : conditions.get(0).getReason();
  }

  static String table(List<Row> rows, boolean withNamespace) {
    List<String[]> lines = new ArrayList<>();
    lines.add(
        new String[] {
          "NAMESPACE",
          "KIND",
          "NAME",
          "DISPLAY NAME",
          "STATUS",
          "TYPE/TOOL",
          "KEY/VALUE",
          "EXPIRES",
          "CREATED BY"
        });
    for (Row r : rows) {
      lines.add(
          new String[] {
            r.namespace(),
            r.kind(),
            r.name(),
            r.displayName(),
            blank(r.phase()),
            blank(r.type() != null ? r.type() : r.tool()),
            blank(r.masked()),
            blank(r.expiresAt()),
            blank(r.createdBy())
          });
    }
    int from = withNamespace ? 0 : 1;
    int[] widths = new int[lines.get(0).length];
    for (String[] line : lines) {
      for (int i = from; i < line.length; i++) {
        widths[i] = Math.max(widths[i], line[i].length());
      }
    }
    StringBuilder out = new StringBuilder();
    for (String[] line : lines) {
      StringBuilder text = new StringBuilder();
      for (int i = from; i < line.length; i++) {
        text.append(
            i == line.length - 1 ? line[i] : String.format("%-" + widths[i] + "s   ", line[i]));
      }
      out.append(text.toString().stripTrailing()).append('\n');
    }
    return out.toString();
  }

  private static String blank(String value) {
    return value == null ? "" : value;
  }
}
