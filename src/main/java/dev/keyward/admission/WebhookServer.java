package dev.keyward.admission;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves the mutating admission webhook ({@link CreatedBy}) on {@code POST /mutate} and, with scope
 * authorization on, the validating one ({@link ScopeGrants}) on {@code POST /validate-scopes}, over
 * TLS with the JDK's HttpsServer. The serving certificate comes from {@code tls.crt} and {@code
 * tls.key} in a directory and is re-read when those files change.
 */
public final class WebhookServer implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(WebhookServer.class);
  public static final String PATH = "/mutate";

  /** The validating webhook of {@link ScopeGrants}, served only with scope authorization on. */
  public static final String SCOPES_PATH = "/validate-scopes";

  /** One admission decision: an AdmissionReview in, an AdmissionReview out. */
  @FunctionalInterface
  interface Decision {
    String review(byte[] body) throws CreatedBy.MalformedReviewException;
  }

  /** Larger than any object the API server stores (1.5 MiB) twice over, old and new. */
  static final int MAX_BODY = 4 * 1024 * 1024;

  private final HttpsServer server;
  private final ExecutorService executor;
  private final ServingCertificate certificate;

  private WebhookServer(HttpsServer server, ExecutorService executor, ServingCertificate cert) {
    this.server = server;
    this.executor = executor;
    this.certificate = cert;
  }

  /**
   * Starts serving on {@code port} (0: any free port) with the certificate in {@code certDir}.
   *
   * @throws IOException when the port is taken or the certificate files cannot be read
   */
  public static WebhookServer start(int port, Path certDir) throws IOException {
    return start(port, certDir, null);
  }

  /**
   * Like {@link #start(int, Path)}, and with {@code scopes} (null: off) also the validating webhook
   * on {@link #SCOPES_PATH}.
   */
  public static WebhookServer start(int port, Path certDir, ScopeGrants scopes) throws IOException {
    return start(new InetSocketAddress(port), certDir, scopes);
  }

  /**
   * Like {@link #start(int, Path, ScopeGrants)} on one address only: {@code keyward dev} serves on
   * loopback, where its local API server calls it.
   */
  public static WebhookServer start(InetSocketAddress address, Path certDir, ScopeGrants scopes)
      throws IOException {
    ServingCertificate certificate;
    SSLContext tls;
    try {
      certificate = new ServingCertificate(certDir);
      tls = SSLContext.getInstance("TLS");
      tls.init(new KeyManager[] {certificate}, null, null);
    } catch (GeneralSecurityException | IOException e) {
      throw new IOException(
          "cannot serve the admission webhook: "
              + e.getMessage()
              + " (--webhook-cert-dir needs tls.crt and tls.key)",
          e);
    }
    HttpsServer server = HttpsServer.create(address, 0);
    server.setHttpsConfigurator(new HttpsConfigurator(tls));
    ExecutorService executor =
        Executors.newFixedThreadPool(
            4,
            r -> {
              Thread t = new Thread(r, "keyward-webhook");
              t.setDaemon(true);
              return t;
            });
    server.setExecutor(executor);
    server.createContext(PATH, exchange -> handle(exchange, CreatedBy::review));
    if (scopes != null) {
      server.createContext(SCOPES_PATH, exchange -> handle(exchange, scopes::review));
    }
    server.start();
    log.info(
        "Admission webhook serving https on port {}{} with certificate {}",
        server.getAddress().getPort(),
        scopes == null ? PATH : PATH + " and " + SCOPES_PATH,
        certificate.served().getSubjectX500Principal());
    return new WebhookServer(server, executor, certificate);
  }

  public int port() {
    return server.getAddress().getPort();
  }

  private static void handle(HttpExchange exchange, Decision decision) throws IOException {
    try (exchange) {
      if (!"POST".equals(exchange.getRequestMethod())) {
        exchange.getResponseHeaders().set("Allow", "POST");
        send(exchange, 405, "text/plain", "POST an AdmissionReview");
        return;
      }
      byte[] body;
      try (InputStream in = exchange.getRequestBody()) {
        body = in.readNBytes(MAX_BODY + 1);
      }
      if (body.length > MAX_BODY) {
        send(exchange, 413, "text/plain", "AdmissionReview too large");
        return;
      }
      try {
        send(exchange, 200, "application/json", decision.review(body));
      } catch (CreatedBy.MalformedReviewException e) {
        send(exchange, 400, "text/plain", e.getMessage());
      }
    } catch (RuntimeException e) {
      log.warn("Admission review failed: {}", e.getClass().getSimpleName());
    }
  }

  private static void send(HttpExchange exchange, int code, String type, String text)
      throws IOException {
    byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", type);
    exchange.sendResponseHeaders(code, bytes.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }
}
