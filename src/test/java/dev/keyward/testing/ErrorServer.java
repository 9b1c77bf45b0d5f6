package dev.keyward.testing;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;

/**
 * A server that answers every request with one HTTP status and a Kubernetes {@code Status} body,
 * the way an API server does when etcd is unavailable (500) or when priority and fairness turns a
 * request away (429, reason {@code TooManyRequests}, {@code Retry-After: 1}). {@link RequestLog}
 * sends chosen requests here instead, so the operator's client gets a real error response from
 * either test backend, and the write never happens.
 */
final class ErrorServer {

  private static ErrorServer instance;

  private final HttpServer server;

  private ErrorServer() throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext(
        "/",
        exchange -> {
          try (InputStream in = exchange.getRequestBody()) {
            in.readAllBytes();
          }
          int code = Integer.parseInt(exchange.getRequestURI().getPath().split("/")[1]);
          String query = exchange.getRequestURI().getRawQuery();
          String message =
              query != null && query.startsWith("message=")
                  ? URLDecoder.decode(query.substring("message=".length()), StandardCharsets.UTF_8)
                  : "injected server error";
          byte[] body =
              ("{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"status\":\"Failure\","
                      + "\"message\":\""
                      + message.replace("\\", "\\\\").replace("\"", "\\\"")
                      + "\",\"reason\":\""
                      + (code == 429 ? "TooManyRequests" : "InternalError")
                      + "\","
                      + "\"code\":"
                      + code
                      + "}")
                  .getBytes(StandardCharsets.UTF_8);
          exchange.getResponseHeaders().set("Content-Type", "application/json");
          if (code == 429) {
            // API priority and fairness asks the client to come back after a second.
            exchange.getResponseHeaders().set("Retry-After", "1");
          }
          exchange.sendResponseHeaders(code, body.length);
          try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
          }
        });
    server.setExecutor(null);
    server.start();
  }

  static synchronized ErrorServer get() {
    if (instance == null) {
      try {
        instance = new ErrorServer();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return instance;
  }

  /** Where a request goes to be answered with {@code code}. */
  URI uri(int code, String path) {
    return uri(code, path, null);
  }

  /** Where a request goes to be answered with {@code code} and {@code message} in the Status. */
  URI uri(int code, String path, String message) {
    return URI.create(
        "http://127.0.0.1:"
            + server.getAddress().getPort()
            + "/"
            + code
            + path.replaceAll("\\?.*", "")
            + (message == null
                ? ""
                : "?message=" + URLEncoder.encode(message, StandardCharsets.UTF_8)));
  }
}
