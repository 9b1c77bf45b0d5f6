package dev.keyward.console;

import static dev.keyward.console.Html.csrf;
import static dev.keyward.console.Html.e;

import dev.keyward.common.SpecProblem;
import dev.keyward.sealing.PublicKeys;
import dev.keyward.sealing.SealingKeyStore;
import dev.keyward.toolsecret.ToolPattern;
import dev.keyward.toolsecret.ToolSecret;
import dev.keyward.toolsecret.ToolSecretPolicy;
import dev.keyward.toolsecret.ToolSecretSpec;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * "Add secret" on the tool secrets page: the value typed into the form is sealed in this process
 * with the cluster's public sealing keys (the same {@link PublicKeys#seal} as {@code keyward seal})
 * and either applied as a ToolSecret, as the user, or handed back as the sealed YAML for a GitOps
 * repository. The plaintext is a local variable of {@link #submit}: it is not kept, logged, put in
 * an exception message, or written into any answer (a refused form comes back without it).
 */
final class AddSecret {

  private static final Pattern DNS_LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?");
  private static final Pattern DNS_SUBDOMAIN =
      Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");

  /** What a submit answers: a form again (with the reason), an applied object, or sealed YAML. */
  interface Outcome {}

  record Refused(int status, String reason) implements Outcome {}

  record Applied(String namespace, String name) implements Outcome {}

  record Sealed(String namespace, String name, String yaml) implements Outcome {}

  private final KubernetesClient client;
  private final String operatorNamespace;
  private final String csrfToken;

  AddSecret(KubernetesClient client, String operatorNamespace, String csrfToken) {
    this.client = client;
    this.operatorNamespace = operatorNamespace;
    this.csrfToken = csrfToken;
  }

  /** The form; {@code form} refills every field except the value, which is never sent back. */
  String page(Map<String, String> form, String defaultNamespace, String error) {
    StringBuilder b = new StringBuilder();
    if (error != null) {
      b.append("<p class=\"error\" role=\"alert\">").append(e(error)).append("</p>");
    }
    b.append(
            "<p>The value is sealed inside this console with the cluster's public sealing keys"
                + " (as <code>keyward seal</code> does) before anything leaves it; it is never"
                + " shown again, logged, or sent anywhere in the clear.</p>")
        .append("<form method=\"post\" action=\"/tools\" class=\"create\" autocomplete=\"off\">")
        .append(csrf(csrfToken))
        .append(Html.field("name", "Name (metadata.name)", form.get("name"), true))
        .append(
            Html.field(
                "namespace",
                "Namespace",
                form.getOrDefault("namespace", defaultNamespace == null ? "" : defaultNamespace),
                true))
        .append(Html.field("displayName", "Display name", form.get("displayName"), false))
        .append(
            Html.field(
                "tool", "Tool (a name, or a prefix ending in a single *)", form.get("tool"), false))
        .append(Html.field("toolArg", "Argument", form.get("toolArg"), false))
        .append("<label><input type=\"checkbox\" name=\"defaultForTool\" value=\"1\"")
        .append("1".equals(form.get("defaultForTool")) ? " checked" : "")
        .append("> Default for this tool</label>")
        .append(
            "<label>Value (not shown; 4 to 1024 characters) <input type=\"password\""
                + " name=\"value\" required autocomplete=\"new-password\"></label>")
        .append(
            "<button type=\"submit\" name=\"mode\" value=\"apply\">Seal and apply</button> "
                + "<button type=\"submit\" name=\"mode\" value=\"yaml\">Seal and show YAML"
                + "</button> "
                + "<button type=\"submit\" name=\"mode\" value=\"download\">Seal and download"
                + " YAML</button></form>");
    return Html.page("Add a tool secret", b.toString());
  }

  /** Checks, seals and applies (or returns the YAML). */
  Outcome submit(Map<String, String> form) {
    String name = form.getOrDefault("name", "").trim();
    String ns = form.getOrDefault("namespace", "").trim();
    String displayName = form.getOrDefault("displayName", "").trim();
    String tool = form.getOrDefault("tool", "").trim();
    String toolArg = form.getOrDefault("toolArg", "").trim();
    boolean defaultForTool = "1".equals(form.get("defaultForTool"));
    String mode = form.getOrDefault("mode", "apply");
    if (!ns.matches(DNS_LABEL.pattern()) || ns.length() > 63) {
      return new Refused(
          400, "The namespace must be a DNS label: lower case letters, digits and '-'.");
    }
    if (!name.matches(DNS_SUBDOMAIN.pattern()) || name.length() > 253) {
      return new Refused(
          400, "The name must be lower case letters, digits, '-' and '.', at most 253.");
    }
    String t = tool.isEmpty() ? null : tool;
    if (t == null && (!toolArg.isEmpty() || defaultForTool)) {
      return new Refused(400, "An argument or \"default for this tool\" needs a tool.");
    }
    Optional<SpecProblem> toolProblem = ToolPattern.check(t);
    if (toolProblem.isPresent()) {
      return new Refused(400, toolProblem.get().message());
    }
    if (toolArg.length() > 1024 || displayName.length() > 1024) {
      return new Refused(400, "The argument and display name have at most 1024 characters.");
    }
    String value = form.getOrDefault("value", "");
    Optional<SpecProblem> valueProblem = ToolSecretPolicy.checkValue(value);
    if (valueProblem.isPresent()) {
      // The message counts characters; it never contains the value.
      return new Refused(400, valueProblem.get().message() + ". Type the value again.");
    }
    PublicKeys keys;
    try {
      keys = publicKeys();
    } catch (KubernetesClientException e) {
      return new Refused(e.getCode() == 403 ? 403 : 502, Console.sentence(e));
    } catch (IllegalStateException | IllegalArgumentException e) {
      return new Refused(502, e.getMessage());
    }
    ToolSecret secret = new ToolSecret();
    secret.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(ns).build());
    ToolSecretSpec spec = new ToolSecretSpec();
    spec.setDisplayName(displayName.isEmpty() ? null : displayName);
    spec.setEncryptedValue(keys.seal(value, ns, name));
    spec.setTool(t);
    spec.setToolArg(toolArg.isEmpty() ? null : toolArg);
    spec.setDefaultForTool(defaultForTool ? Boolean.TRUE : null);
    secret.setSpec(spec);
    if ("yaml".equals(mode) || "download".equals(mode)) {
      String yaml =
          "# Sealed by the Keyward console for "
              + ns
              + "/"
              + name
              + " with sealing key "
              + keys.primaryKeyId()
              + ". Safe to commit: it opens only in this cluster, for this ToolSecret.\n"
              + Serialization.asYaml(secret).replaceFirst("^---\n", "");
      return new Sealed(ns, name, yaml);
    }
    try {
      client.resources(ToolSecret.class).inNamespace(ns).resource(secret).create();
    } catch (KubernetesClientException e) {
      if (e.getCode() == 409) {
        return new Refused(409, "A ToolSecret named " + name + " already exists in " + ns + ".");
      }
      return new Refused(e.getCode() == 403 ? 403 : 400, Console.sentence(e));
    }
    return new Applied(ns, name);
  }

  /** The sealed YAML on a page, with a copy button; the YAML holds no plaintext. */
  static String yamlPage(Sealed sealed) {
    return Html.page(
        "Sealed tool secret",
        "<p role=\"status\">Sealed for <code>"
            + e(sealed.namespace() + "/" + sealed.name())
            + "</code>. Commit this YAML to your GitOps repository, or apply it with"
            + " <code>kubectl apply -f</code>: it opens only in this cluster, for this"
            + " ToolSecret. Nothing was applied.</p>"
            + "<label for=\"sealed-yaml\">ToolSecret YAML</label>"
            + "<textarea id=\"sealed-yaml\" readonly rows=\"16\" cols=\"100\">"
            + e(sealed.yaml())
            + "</textarea><p><button type=\"button\" data-copy=\"sealed-yaml\" hidden>Copy"
            + "</button> <span id=\"sealed-yaml-status\" role=\"status\"></span></p>"
            + "<p><a href=\"/tools\">Back to tool secrets</a></p>");
  }

  private PublicKeys publicKeys() {
    String keyset = SealingKeyStore.publishedKeyset(client, operatorNamespace);
    if (keyset == null) {
      throw new IllegalStateException(
          "ConfigMap "
              + SealingKeyStore.publishedAt(operatorNamespace)
              + " (the cluster's public sealing keys) was not found: is Keyward running in "
              + operatorNamespace
              + "? Start the console with --operator-namespace.");
    }
    return PublicKeys.fromJson(keyset);
  }
}
