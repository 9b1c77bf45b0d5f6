package dev.keyward.runtime;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * Keyward's one HTTP port: {@code /healthz} (the process is alive), {@code /readyz} (controllers
 * started and their informers healthy), {@code /metrics} (Prometheus text) and {@code
 * /v1/sealing-public-keys} (the public keyset JSON that {@code keyward seal --public-keys} takes).
 */
public final class HttpEndpoints implements AutoCloseable {

  static final String PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8";

  private final HttpServer server;
  private final ExecutorService executor =
      Executors.newFixedThreadPool(2, DaemonThreads.named("keyward-http"));

  /**
   * @param port 0 for any free port
   * @param beforeScrape run before each {@code /metrics} answer, e.g. to refresh gauges
   */
  public HttpEndpoints(
      int port,
      PrometheusMeterRegistry registry,
      Runnable beforeScrape,
      BooleanSupplier ready,
      Supplier<String> publicKeys)
      throws IOException {
    server = HttpServer.create(new InetSocketAddress(port), 0);
    server.setExecutor(executor);
    server.createContext(
        "/",
        exchange -> {
          try (exchange) {
            if (!"GET".equals(exchange.getRequestMethod())) {
              send(exchange, 405, "text/plain", "method not allowed\n");
              return;
            }
            switch (exchange.getRequestURI().getPath()) {
              case "/healthz" -> send(exchange, 200, "text/plain", "ok\n");
              case "/readyz" ->
                  send(
                      exchange,
                      ready.getAsBoolean() ? 200 : 503,
                      "text/plain",
                      ready.getAsBoolean() ? "ok\n" : "controllers not ready\n");
              case "/metrics" -> {
                beforeScrape.run();
                send(exchange, 200, PROMETHEUS_TEXT, registry.scrape());
              }
              case "/v1/sealing-public-keys" -> {
                String json;
                try {
                  json = publicKeys.get();
                } catch (RuntimeException e) {
                  send(exchange, 503, "text/plain", "sealing keys not available yet\n");
                  return;
                }
                send(exchange, 200, "application/json", json);
              }
              default -> send(exchange, 404, "text/plain", "not found\n");
            }
          }
        });
  }

  private static void send(HttpExchange exchange, int status, String type, String body)
      throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", type);
    exchange.sendResponseHeaders(status, bytes.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }

  public void start() {
    server.start();
  }

  public int port() {
    return server.getAddress().getPort();
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }
}
