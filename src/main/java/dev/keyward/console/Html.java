package dev.keyward.console;

import io.fabric8.kubernetes.api.model.Condition;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.List;

/** Escaping for server-rendered HTML: every text and attribute value goes through {@link #e}. */
final class Html {

  private Html() {}

  /** {@code text} escaped for an HTML text node or a quoted attribute; "" for null. */
  static String e(String text) {
    if (text == null) {
      return "";
    }
    StringBuilder out = new StringBuilder(text.length() + 16);
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      switch (c) {
        case '&' -> out.append("&amp;");
        case '<' -> out.append("&lt;");
        case '>' -> out.append("&gt;");
        case '"' -> out.append("&quot;");
        case '\'' -> out.append("&#39;");
        default -> out.append(c);
      }
    }
    return out.toString();
  }

  /** {@code text} for a URL path segment or query value. */
  static String u(String text) {
    return URLEncoder.encode(text == null ? "" : text, StandardCharsets.UTF_8).replace("+", "%20");
  }

  /** A whole page: header with navigation, then {@code body}. */
  static String page(String title, String body) {
    return "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        + "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
        + "<title>"
        + e(title)
        + " · Keyward console</title>"
        + "<link rel=\"stylesheet\" href=\"/static/console.css\">"
        + "<script type=\"module\" src=\"/static/console.js\"></script></head><body>"
        + "<header><nav aria-label=\"Main\"><strong>Keyward</strong>"
        + " <a href=\"/keys\">API keys</a> <a href=\"/keys/new\">Create key</a>"
        + " <a href=\"/tools\">Tool secrets</a> <a href=\"/grants\">Tool grants</a></nav>"
        + "</header><main>"
        + "<h1>"
        + e(title)
        + "</h1>"
        + body
        + "</main></body></html>\n";
  }

  /** A status badge: the phase as text, coloured by a class per phase. */
  static String badge(String phase) {
    String p = phase == null ? "Pending" : phase;
    return "<span class=\"badge badge-"
        + e(p.toLowerCase(java.util.Locale.ROOT))
        + "\">"
        + e(p)
        + "</span>";
  }

  /** A hidden CSRF field for a POST form. */
  static String csrf(String token) {
    return "<input type=\"hidden\" name=\"csrf\" value=\"" + e(token) + "\">";
  }

  /** The "Conditions" heading and table of a resource's status conditions. */
  static String conditions(List<Condition> conditions) {
    StringBuilder b =
        new StringBuilder(
            "<h2>Conditions</h2><table><thead><tr><th scope=\"col\">Type</th>"
                + "<th scope=\"col\">Status</th><th scope=\"col\">Reason</th>"
                + "<th scope=\"col\">Message</th><th scope=\"col\">Since</th></tr></thead>"
                + "<tbody>");
    for (Condition c : conditions == null ? List.<Condition>of() : conditions) {
      b.append("<tr><td>")
          .append(e(c.getType()))
          .append("</td><td>")
          .append(e(c.getStatus()))
          .append("</td><td>")
          .append(e(c.getReason()))
          .append("</td><td>")
          .append(e(c.getMessage()))
          .append("</td><td>")
          .append(e(c.getLastTransitionTime()))
          .append("</td></tr>");
    }
    return b.append("</tbody></table>").toString();
  }

  /** A labelled text input, its value escaped. */
  static String field(String name, String label, String value, boolean required) {
    return "<label>"
        + e(label)
        + " <input type=\"text\" name=\""
        + e(name)
        + "\" value=\""
        + e(value)
        + "\""
        + (required ? " required" : "")
        + "></label>";
  }
}
