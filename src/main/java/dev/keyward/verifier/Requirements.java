package dev.keyward.verifier;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * What a protected service demands of a key: every one of {@code scopes}, and an ApiKey in one of
 * {@code namespaces} (empty: any). Given by the proxy's configuration, in one of two forms:
 *
 * <ul>
 *   <li>query parameters, each repeatable: {@code /v1/verify?scope=orders:read&namespace=shop}
 *       (ingress-nginx {@code auth-url}, Traefik {@code ForwardAuth}: the URL is the operator's);
 *   <li>path segments ended by {@code _}: {@code /v1/verify/scope=orders:read/namespace=shop/_},
 *       for Envoy's {@code ext_authz}, which appends the client's own path and query to a fixed
 *       prefix. Then the query is the client's and is ignored, and segments after {@code _} too.
 * </ul>
 *
 * <p>{@code denyAs=403} (either form) answers 429 and 503 with 403 and the real status in {@code
 * X-Keyward-Status}, for ingress-nginx, which turns any other status of its auth service into 500.
 * Any other {@code denyAs} value is a configuration mistake: 400.
 */
public record Requirements(List<String> scopes, List<String> namespaces, boolean denyAs403) {

  public static final String VERIFY_PATH = "/v1/verify";
  public static final Requirements NONE = new Requirements(List.of(), List.of(), false);

  /**
   * @param path the request path, starting with {@link #VERIFY_PATH}
   * @param query the query parameters' values by name, decoded
   */
  public static Requirements of(String path, Function<String, List<String>> query) {
    Requirements fromPath = fromPath(path);
    if (fromPath != null) {
      return fromPath;
    }
    return new Requirements(
        clean(query.apply("scope")),
        clean(query.apply("namespace")),
        denyAs(query.apply("denyAs")));
  }

  private static boolean denyAs(List<String> values) {
    if (values == null || values.isEmpty()) {
      return false;
    }
    if (values.stream().allMatch("403"::equals)) {
      return true;
    }
    throw new IllegalArgumentException("denyAs takes only 403");
  }

  /** The path form, or null when the path does not carry one. */
  static Requirements fromPath(String path) {
    if (path.length() <= VERIFY_PATH.length() + 1) {
      return null;
    }
    String[] segments = path.substring(VERIFY_PATH.length() + 1).split("/", -1);
    List<String> scopes = new ArrayList<>();
    List<String> namespaces = new ArrayList<>();
    List<String> denyAs = new ArrayList<>();
    for (String segment : segments) {
      if (segment.equals("_")) {
        return scopes.isEmpty() && namespaces.isEmpty() && denyAs.isEmpty()
            ? null
            : new Requirements(List.copyOf(scopes), List.copyOf(namespaces), denyAs(denyAs));
      }
      if (segment.startsWith("scope=")) {
        scopes.add(decode(segment.substring(6)));
      } else if (segment.startsWith("namespace=")) {
        namespaces.add(decode(segment.substring(10)));
      } else if (segment.startsWith("denyAs=")) {
        denyAs.add(decode(segment.substring(7)));
      } else {
        return null;
      }
    }
    return null;
  }

  private static String decode(String text) {
    return URLDecoder.decode(text, StandardCharsets.UTF_8);
  }

  private static List<String> clean(List<String> values) {
    return values == null ? List.of() : values.stream().filter(v -> !v.isEmpty()).toList();
  }
}
