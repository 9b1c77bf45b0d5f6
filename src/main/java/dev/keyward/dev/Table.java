package dev.keyward.dev;

import dev.keyward.apikey.ApiKey;
import dev.keyward.toolgrant.ToolGrant;
import dev.keyward.toolsecret.ToolSecret;
import java.util.List;

/** The table {@code keyward dev} prints: what {@code kubectl get keyward} would show. */
final class Table {

  private Table() {}

  static String render(List<ApiKey> apiKeys, List<ToolSecret> toolSecrets) {
    return render(apiKeys, toolSecrets, List.of());
  }

  /** With a TOOLGRANTS part when there are grants. */
  static String render(
      List<ApiKey> apiKeys, List<ToolSecret> toolSecrets, List<ToolGrant> toolGrants) {
    StringBuilder out = new StringBuilder();
    out.append(
        String.format(
            "%nAPIKEYS%n%-16s %-24s %-8s %-4s %-14s %-22s %s%n",
            "NAMESPACE", "NAME", "STATUS", "VER", "KEY", "EXPIRES", "CREATED BY"));
    for (ApiKey k : apiKeys) {
      var s = k.getStatus();
      out.append(
          String.format(
              "%-16s %-24s %-8s %-4s %-14s %-22s %s%n",
              k.getMetadata().getNamespace(),
              k.getMetadata().getName(),
              s == null ? "" : s.getPhase(),
              s == null || s.getKeyVersion() == null ? "" : s.getKeyVersion(),
              s == null || s.getMaskedKey() == null ? "" : s.getMaskedKey(),
              s == null || s.getExpiresAt() == null ? "" : s.getExpiresAt(),
              s == null || s.getCreatedBy() == null ? "" : s.getCreatedBy()));
    }
    out.append(
        String.format(
            "TOOLSECRETS%n%-16s %-24s %-8s %-24s %-10s %s%n",
            "NAMESPACE", "NAME", "STATUS", "TOOL", "VALUE", "REASON"));
    for (ToolSecret t : toolSecrets) {
      var s = t.getStatus();
      String reason =
          s == null || s.getConditions() == null || s.getConditions().isEmpty()
              ? ""
              : s.getConditions().get(0).getReason();
      out.append(
          String.format(
              "%-16s %-24s %-8s %-24s %-10s %s%n",
              t.getMetadata().getNamespace(),
              t.getMetadata().getName(),
              s == null ? "" : s.getPhase(),
              t.getSpec().getTool() == null ? "" : t.getSpec().getTool(),
              s == null || s.getDisplay() == null ? "" : s.getDisplay(),
              reason));
    }
    if (!toolGrants.isEmpty()) {
      out.append(
          String.format(
              "TOOLGRANTS%n%-16s %-24s %-10s %-6s %s%n",
              "NAMESPACE", "NAME", "STATUS", "TOOLS", "MISSING"));
      for (ToolGrant g : toolGrants) {
        var s = g.getStatus();
        out.append(
            String.format(
                "%-16s %-24s %-10s %-6s %s%n",
                g.getMetadata().getNamespace(),
                g.getMetadata().getName(),
                s == null || s.getPhase() == null ? "" : s.getPhase(),
                s == null || s.getTools() == null ? "" : s.getTools(),
                s == null || s.getMissingEnv() == null ? "" : s.getMissingEnv()));
      }
    }
    return out.toString();
  }
}
