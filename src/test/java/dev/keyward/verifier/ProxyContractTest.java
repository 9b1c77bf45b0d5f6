package dev.keyward.verifier;

import static dev.keyward.verifier.VerifierForwardAuthTest.assertRefused;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.keyward.apikey.ApiKeySpec;
import dev.keyward.apikey.RateLimit;
import dev.keyward.testing.RawHttp;
import dev.keyward.testing.VerifierHarness;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Each example in examples/protect-a-service, read from its file, with the verifier getting exactly
 * the request that proxy sends for a client's {@code POST /orders/42}: ingress-nginx's auth
 * subrequest (with the example's method), Envoy's ext_authz HTTP check and Traefik's ForwardAuth
 * request. Each proxy keeps its connections to the verifier, so every test sends its requests one
 * after another on one kept-alive connection, as the proxy's pool would.
 */
class ProxyContractTest {

  private static final Path EXAMPLES = Path.of("examples", "protect-a-service");
  private static final String SHOP = "shop";

  @RegisterExtension final VerifierHarness kv = new VerifierHarness().alsoWatching(SHOP);

  private RawHttp.Connection pool;
  private String reader;
  private String writerOnly;
  private String elsewhere;

  @BeforeEach
  void keys() throws Exception {
    kv.startSynced();
    String suffix = kv.namespace();
    reader = kv.issue(SHOP, "reader-" + suffix, s -> scopes(s, "orders:read"), s -> {});
    writerOnly = kv.issue(SHOP, "writer-" + suffix, s -> scopes(s, "orders:write"), s -> {});
    elsewhere = kv.issue(kv.namespace(), "reader", s -> scopes(s, "orders:read"), s -> {});
    kv.awaitCode(reader, "OK");
    kv.awaitCode(writerOnly, "OK");
    kv.awaitCode(elsewhere, "OK");
  }

  @AfterEach
  void closePool() throws Exception {
    if (pool != null) {
      pool.close();
    }
  }

  @Test
  void ingressNginxAuthUrl() throws Exception {
    JsonNode ingress = document("ingress-nginx.yaml", "Ingress");
    JsonNode annotations = ingress.at("/metadata/annotations");
    URI auth = URI.create(annotations.get("nginx.ingress.kubernetes.io/auth-url").asText());
    assertThat(auth.getRawQuery()).contains("denyAs=403");
    // Without both, nginx opens a connection to the verifier for every request it checks.
    assertThat(annotations.path("nginx.ingress.kubernetes.io/auth-method").asText())
        .isEqualTo("HEAD");
    assertThat(annotations.path("nginx.ingress.kubernetes.io/auth-keepalive").asInt()).isPositive();

    RawHttp.Response ok = nginx(auth, "Authorization: Bearer " + reader);
    assertThat(ok.status()).isEqualTo(200);
    assertThat(ok.header("X-Keyward-ApiKey")).isEqualTo(SHOP + "/reader-" + kv.namespace());
    assertThat(ok.body()).isEmpty();
    assertThat(
            ingress
                .at("/metadata/annotations")
                .get("nginx.ingress.kubernetes.io/auth-response-headers")
                .asText())
        .isEqualTo("X-Keyward-ApiKey,X-Keyward-Key-Version,X-Keyward-Scopes");
    assertRefusedToHead(nginx(auth), 401, "MISSING_KEY");
    assertRefusedToHead(
        nginx(auth, "Authorization: Bearer " + writerOnly), 403, "INSUFFICIENT_SCOPE");
    assertRefusedToHead(nginx(auth, "Authorization: Bearer " + elsewhere), 403, "WRONG_NAMESPACE");
    assertThat(pool.closedByServer()).isFalse();
  }

  @Test
  void ingressNginxSeesRateLimitAs403WithTheRealStatusInAHeader() throws Exception {
    URI auth =
        URI.create(
            document("ingress-nginx.yaml", "Ingress")
                .at("/metadata/annotations")
                .get("nginx.ingress.kubernetes.io/auth-url")
                .asText());
    String limited =
        kv.issue(
            SHOP,
            "limited-" + kv.namespace(),
            s -> {
              scopes(s, "orders:read");
              s.setRateLimit(new RateLimit(1, "1h"));
            },
            s -> {});
    kv.awaitCode(limited, "OK");

    RawHttp.Response limitedAnswer = nginx(auth, "Authorization: Bearer " + limited);
    assertThat(limitedAnswer.status()).isEqualTo(403);
    assertThat(limitedAnswer.header("X-Keyward-Status")).isEqualTo("429");
    assertThat(limitedAnswer.header("Retry-After")).isEqualTo("3600");
  }

  @Test
  void envoyGatewayExtAuth() throws Exception {
    JsonNode policy = document("envoy-gateway.yaml", "SecurityPolicy");
    String prefix = policy.at("/spec/extAuth/http/path").asText();

    RawHttp.Response ok = envoy(prefix, "authorization: Bearer " + reader);
    assertThat(ok.status()).isEqualTo(200);
    assertThat(ok.header("X-Keyward-Scopes")).isEqualTo("orders:read");
    assertThat(envoy(prefix, "x-api-key: " + reader).status()).isEqualTo(200);
    assertRefused(envoy(prefix), 401, "MISSING_KEY");
    assertRefused(envoy(prefix, "authorization: Bearer " + writerOnly), 403, "INSUFFICIENT_SCOPE");
    // The client's own query names another namespace: it does not widen what the policy demands.
    assertRefused(envoy(prefix, "authorization: Bearer " + elsewhere), 403, "WRONG_NAMESPACE");
    assertThat(pool.closedByServer()).isFalse();
  }

  @Test
  void traefikForwardAuth() throws Exception {
    URI address =
        URI.create(document("traefik.yaml", "Middleware").at("/spec/forwardAuth/address").asText());

    RawHttp.Response ok = traefik(address, "Authorization: Bearer " + reader);
    assertThat(ok.status()).isEqualTo(200);
    assertThat(ok.header("X-Keyward-Key-Version")).isEqualTo("1");
    assertRefused(traefik(address, "Authorization: Basic dXNlcjpwYXNz"), 401, "MALFORMED");
    assertRefused(
        traefik(address, "Authorization: Bearer " + writerOnly), 403, "INSUFFICIENT_SCOPE");
    assertRefused(traefik(address, "Authorization: Bearer " + elsewhere), 403, "WRONG_NAMESPACE");
    assertThat(pool.closedByServer()).isFalse();
  }

  /** A refusal to a HEAD request: status, code and WWW-Authenticate in the header, no body. */
  private static void assertRefusedToHead(RawHttp.Response response, int status, String code) {
    assertThat(response.status()).as(code).isEqualTo(status);
    assertThat(response.header("X-Keyward-Code")).isEqualTo(code);
    assertThat(response.header("WWW-Authenticate"))
        .isEqualTo(status == 401 ? "Bearer realm=\"keyward\"" : null);
    assertThat(response.header("X-Keyward-ApiKey")).isNull();
    assertThat(response.body()).isEmpty();
  }

  /**
   * ingress-nginx's auth location: the example's auth-method to auth-url with the client's headers
   * plus its own, on its kept-alive upstream (HTTP/1.1, no Connection header).
   */
  private RawHttp.Response nginx(URI auth, String... clientHeaders) throws Exception {
    String method =
        document("ingress-nginx.yaml", "Ingress")
            .at("/metadata/annotations")
            .path("nginx.ingress.kubernetes.io/auth-method")
            .asText("GET");
    List<String> head = new ArrayList<>();
    head.add(method + " " + auth.getRawPath() + "?" + auth.getRawQuery() + " HTTP/1.1");
    head.add("Host: " + auth.getHost());
    head.add("X-Request-ID: 5d3a9c1e0f7b4a2c8e6d1b3f5a7c9e0d");
    head.add("X-Original-URL: https://shop.example.com/orders/42?expand=items");
    head.add("X-Original-Method: POST");
    head.add("X-Sent-From: nginx-ingress-controller");
    head.add("X-Real-IP: 203.0.113.7");
    head.add("X-Forwarded-For: 203.0.113.7");
    head.add("X-Auth-Request-Redirect: /orders/42?expand=items");
    head.add("User-Agent: curl/8.5.0");
    head.add("Accept: */*");
    head.add("Content-Type: application/json");
    head.addAll(List.of(clientHeaders));
    return pooled(head);
  }

  /** Envoy's HTTP ext_authz check: the client's method, the prefix plus the client's path. */
  private RawHttp.Response envoy(String prefix, String... clientHeaders) throws Exception {
    List<String> head = new ArrayList<>();
    head.add("POST " + prefix + "/orders/42?namespace=" + kv.namespace() + " HTTP/1.1");
    head.add("host: shop.example.com");
    head.add("x-forwarded-for: 203.0.113.7");
    head.add("x-forwarded-proto: https");
    head.add("x-request-id: 8f2c6a1e-4b7d-4e0a-9c3f-2d5b7e9a1c4f");
    head.add("x-envoy-expected-rq-timeout-ms: 10000");
    head.add("content-length: 0");
    head.addAll(List.of(clientHeaders));
    return pooled(head);
  }

  /** Traefik's ForwardAuth: a GET to the address, the client's headers, X-Forwarded-*. */
  private RawHttp.Response traefik(URI address, String... clientHeaders) throws Exception {
    List<String> head = new ArrayList<>();
    head.add("GET " + address.getRawPath() + "?" + address.getRawQuery() + " HTTP/1.1");
    head.add("Host: " + address.getHost() + ":" + address.getPort());
    head.add("User-Agent: curl/8.5.0");
    head.add("Accept: */*");
    head.add("Content-Type: application/json");
    head.add("X-Forwarded-Method: POST");
    head.add("X-Forwarded-Proto: https");
    head.add("X-Forwarded-Host: shop.example.com");
    head.add("X-Forwarded-Uri: /orders/42?expand=items");
    head.add("X-Forwarded-For: 203.0.113.7");
    head.addAll(List.of(clientHeaders));
    return pooled(head);
  }

  /** Sends on this test's one connection, opened by its first request. */
  private RawHttp.Response pooled(List<String> head) throws Exception {
    if (pool == null) {
      pool = new RawHttp.Connection(kv.verifier().httpPort());
    }
    return pool.send(head);
  }

  private static JsonNode document(String file, String kind) throws Exception {
    ObjectMapper yaml = new ObjectMapper(new YAMLFactory());
    try (var docs =
        yaml.readerFor(JsonNode.class).readValues(Files.readString(EXAMPLES.resolve(file)))) {
      while (docs.hasNext()) {
        JsonNode doc = (JsonNode) docs.next();
        if (kind.equals(doc.path("kind").asText())) {
          assertThat(doc.at("/metadata/namespace").asText()).isEqualTo(SHOP);
          return doc;
        }
      }
    }
    throw new AssertionError(file + " has no " + kind);
  }

  private static void scopes(ApiKeySpec spec, String... scopes) {
    spec.setScopes(List.of(scopes));
  }
}
