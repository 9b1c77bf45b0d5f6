package dev.keyward.console;

import static dev.keyward.console.Html.badge;
import static dev.keyward.console.Html.e;
import static dev.keyward.console.Html.u;

import dev.keyward.toolgrant.ToolGrant;
import dev.keyward.toolgrant.ToolGrantSpec;
import dev.keyward.toolgrant.ToolGrantStatus;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The tool grants pages: the list, and one grant with its resolved entries (which ToolSecret, how
 * it matched) and its missing entries with the command that fixes each, all as the operator wrote
 * them in status. Rendered from the console's ToolGrant cache; never a value.
 */
final class GrantPages {

  private GrantPages() {}

  static String list(List<ToolGrant> grants, String problem) {
    StringBuilder b = new StringBuilder("<div id=\"live-grants\" data-live=\"ToolGrant\">");
    if (problem != null) {
      b.append("<p class=\"error\" role=\"alert\">").append(e(problem)).append("</p>");
    }
    List<ToolGrant> all = new ArrayList<>(grants);
    all.sort(
        Comparator.comparing((ToolGrant g) -> g.getMetadata().getNamespace())
            .thenComparing(g -> g.getMetadata().getName()));
    b.append("<p role=\"status\">")
        .append(all.size())
        .append(all.size() == 1 ? " grant" : " grants")
        .append("</p>")
        .append(
            "<table><thead><tr><th scope=\"col\">Display name</th><th scope=\"col\">Name</th>"
                + "<th scope=\"col\">Namespace</th><th scope=\"col\">Status</th>"
                + "<th scope=\"col\">Tools with a value</th><th scope=\"col\">Missing</th>"
                + "<th scope=\"col\">Secret</th><th scope=\"col\">Created by</th></tr></thead>"
                + "<tbody>");
    for (ToolGrant g : all) {
      ToolGrantStatus s = g.getStatus() == null ? new ToolGrantStatus() : g.getStatus();
      String ns = g.getMetadata().getNamespace();
      String name = g.getMetadata().getName();
      b.append("<tr><td><a href=\"/grants/")
          .append(e(u(ns)))
          .append('/')
          .append(e(u(name)))
          .append("\">")
          .append(e(displayName(g)))
          .append("</a></td><td>")
          .append(e(name))
          .append("</td><td>")
          .append(e(ns))
          .append("</td><td>")
          .append(badge(s.getPhase()))
          .append("</td><td>")
          .append(e(dash(s.getTools())))
          .append("</td><td>")
          .append(e(dash(s.getMissingEnv())))
          .append("</td><td>")
          .append(e(dash(s.getSecretName())))
          .append("</td><td>")
          .append(e(dash(s.getCreatedBy())))
          .append("</td></tr>");
    }
    b.append("</tbody></table></div>");
    return Html.page("Tool grants", b.toString());
  }

  static String grant(ToolGrant g) {
    ToolGrantStatus s = g.getStatus() == null ? new ToolGrantStatus() : g.getStatus();
    ToolGrantSpec spec = g.getSpec() == null ? new ToolGrantSpec() : g.getSpec();
    String ns = g.getMetadata().getNamespace();
    String name = g.getMetadata().getName();
    StringBuilder b = new StringBuilder("<div id=\"live-grant\" data-live=\"ToolGrant\">");
    b.append("<p>")
        .append(badge(s.getPhase()))
        .append(" ToolGrant <code>")
        .append(e(ns + "/" + name))
        .append("</code></p><dl>");
    Map<String, String> fields = new LinkedHashMap<>();
    fields.put("Tools with a value", s.getTools());
    fields.put("Secret", s.getSecretName());
    fields.put("Entries", spec.getTools() == null ? "0" : Integer.toString(spec.getTools().size()));
    fields.put("Created by", s.getCreatedBy());
    fields.forEach(
        (label, value) ->
            b.append("<dt>")
                .append(e(label))
                .append("</dt><dd>")
                .append(e(dash(value)))
                .append("</dd>"));
    b.append("</dl>");

    List<ToolGrantStatus.Missing> missing = s.getMissing() == null ? List.of() : s.getMissing();
    b.append("<h2>Missing</h2>");
    if (missing.isEmpty()) {
      b.append("<p>None: every entry has a value.</p>");
    } else {
      b.append(
          "<table class=\"missing\"><thead><tr><th scope=\"col\">Tool</th>"
              + "<th scope=\"col\">Argument</th><th scope=\"col\">Env</th>"
              + "<th scope=\"col\">ToolSecret</th><th scope=\"col\">How to fix it</th>"
              + "<th scope=\"col\"><span class=\"visually-hidden\">Add</span></th></tr>"
              + "</thead><tbody>");
      for (ToolGrantStatus.Missing m : missing) {
        b.append("<tr><td>")
            .append(e(m.getTool()))
            .append("</td><td>")
            .append(e(m.getArg()))
            .append("</td><td><code>")
            .append(e(m.getEnv()))
            .append("</code></td><td>")
            .append(e(dash(m.getToolSecret())))
            .append("</td><td><code class=\"fix\">")
            .append(e(dash(m.getFix())))
            .append("</code></td><td><a href=\"/tools/new?namespace=")
            .append(e(u(ns)))
            .append("&amp;tool=")
            .append(e(u(m.getTool())))
            .append("&amp;toolArg=")
            .append(e(u(m.getArg())))
            .append(m.getToolSecret() == null ? "" : "&amp;name=" + e(u(m.getToolSecret())))
            .append("\">Add secret</a></td></tr>");
      }
      b.append("</tbody></table>");
    }

    List<ToolGrantStatus.Resolved> resolved = s.getResolved() == null ? List.of() : s.getResolved();
    b.append("<h2>Resolved</h2>");
    if (resolved.isEmpty()) {
      b.append("<p>No entry has a value yet.</p>");
    } else {
      b.append(
          "<table class=\"resolved\"><thead><tr><th scope=\"col\">Tool</th>"
              + "<th scope=\"col\">Argument</th><th scope=\"col\">Env</th>"
              + "<th scope=\"col\">ToolSecret</th><th scope=\"col\">Matched</th>"
              + "<th scope=\"col\">Fingerprint</th></tr></thead><tbody>");
      for (ToolGrantStatus.Resolved r : resolved) {
        b.append("<tr><td>")
            .append(e(r.getTool()))
            .append("</td><td>")
            .append(e(r.getArg()))
            .append("</td><td><code>")
            .append(e(r.getEnv()))
            .append("</code></td><td>")
            .append(e(dash(r.getToolSecret())))
            .append("</td><td>")
            .append(e(dash(r.getMatch())))
            .append("</td><td><code>")
            .append(e(dash(r.getFingerprint())))
            .append("</code></td></tr>");
      }
      b.append("</tbody></table>");
    }

    b.append(Html.conditions(s.getConditions())).append("</div>");
    return Html.page(displayName(g), b.toString());
  }

  static String displayName(ToolGrant g) {
    return g.getSpec() != null && g.getSpec().getDisplayName() != null
        ? g.getSpec().getDisplayName()
        : g.getMetadata().getName();
  }

  private static String dash(String value) {
    return value == null || value.isEmpty() ? "—" : value;
  }
}
