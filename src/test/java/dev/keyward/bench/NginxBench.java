package dev.keyward.bench;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * P12: the verifier through a real nginx (Debian's {@code nginx}, {@code auth_request}, the
 * mechanism ingress-nginx's {@code auth-url} uses) against the same nginx answering its own {@code
 * auth_request} with {@code return 204}. nginx runs on loopback with its own configuration, prefix
 * and temporary directories under the benchmark's output, and is stopped afterwards. Without an
 * nginx binary the figure is left out; the normal build never needs one.
 */
final class NginxBench {

  static final Path NGINX = Path.of(System.getProperty("keyward.bench.nginx", "/usr/sbin/nginx"));

  private NginxBench() {}

  static boolean available() {
    return Files.isExecutable(NGINX);
  }

  /**
   * Runs P12 against the verifier on {@code verifierPort}: the load generator's requests (a key as
   * a Bearer token) to nginx, which asks the verifier on kept-alive connections with the method the
   * ingress-nginx example sets (HEAD) and, for comparison, with GET.
   */
  static Map<String, Object> run(int verifierPort, String namespace, String[] keys, Path out)
      throws Exception {
    Map<String, Object> figures = new LinkedHashMap<>();
    int trivial = freePort();
    int upstreamAnswer = freePort();
    int trivialUpstream = freePort();
    int head = freePort();
    int get = freePort();
    Path prefix = out.resolve("nginx");
    Files.createDirectories(prefix.resolve("temp"));
    String auth = "/v1/verify?scope=bench&namespace=" + namespace;
    String conf =
        String.join(
            "\n",
            "daemon off;",
            "master_process on;",
            "worker_processes auto;",
            "pid " + prefix.resolve("nginx.pid") + ";",
            "error_log " + prefix.resolve("error.log") + " warn;",
            "events { worker_connections 1024; }",
            "http {",
            "  access_log off;",
            "  client_body_temp_path " + prefix.resolve("temp/body") + ";",
            "  proxy_temp_path " + prefix.resolve("temp/proxy") + ";",
            "  fastcgi_temp_path " + prefix.resolve("temp/fastcgi") + ";",
            "  uwsgi_temp_path " + prefix.resolve("temp/uwsgi") + ";",
            "  scgi_temp_path " + prefix.resolve("temp/scgi") + ";",
            "  keepalive_requests 1000000;",
            // As ingress-nginx renders auth-url with auth-keepalive: an upstream with idle
            // connections kept, HTTP/1.1 without a Connection header, no request body.
            "  upstream keyward { server 127.0.0.1:" + verifierPort + "; keepalive 32; }",
            // The same nginx asking an upstream that answers 204 at once, the same way it asks
            // the verifier: what any auth service costs nginx before it does any work.
            "  upstream trivial { server 127.0.0.1:" + upstreamAnswer + "; keepalive 32; }",
            "  server {",
            "    listen 127.0.0.1:" + upstreamAnswer + ";",
            "    location / { return 204; }",
            "  }",
            "  server {",
            "    listen 127.0.0.1:" + trivial + ";",
            "    location / { auth_request /_auth; empty_gif; }",
            "    location = /_auth { internal; return 204; }",
            "  }",
            server(trivialUpstream, "trivial", "HEAD", "/"),
            server(head, "keyward", "HEAD", auth),
            server(get, "keyward", "GET", auth),
            "}",
            "");
    Path confFile = prefix.resolve("nginx.conf");
    Files.writeString(confFile, conf);
    Process nginx =
        new ProcessBuilder(
                NGINX.toString(),
                "-p",
                prefix.toString(),
                "-c",
                confFile.toString(),
                "-e",
                prefix.resolve("error.log").toString())
            .redirectErrorStream(true)
            .redirectOutput(prefix.resolve("stdout.log").toFile())
            .start();
    try {
      for (int port : List.of(trivial, upstreamAnswer, trivialUpstream, head, get)) {
        awaitListening(nginx, port);
      }
      String target = "/orders";
      int connections = VerifierBench.CONNECTIONS;
      double seconds = VerifierBench.SECONDS;
      LoadGenerator.run(trivial, target, keys, connections, 5);
      LoadGenerator.run(trivialUpstream, target, keys, connections, 5);
      LoadGenerator.run(head, target, keys, connections, 5);
      LoadGenerator.run(get, target, keys, connections, 5);
      LoadGenerator.Result t = LoadGenerator.run(trivial, target, keys, connections, seconds);
      LoadGenerator.Result u =
          LoadGenerator.run(trivialUpstream, target, keys, connections, seconds);
      LoadGenerator.Result h = LoadGenerator.run(head, target, keys, connections, seconds);
      long afterHead = closedTowards(verifierPort);
      LoadGenerator.Result g = LoadGenerator.run(get, target, keys, connections, seconds);
      figures.put("p12_nginx_trivial_auth", t);
      figures.put("p12_nginx_trivial_upstream", u);
      figures.put("p12_nginx_verifier_head", h);
      figures.put("p12_nginx_verifier_get", g);
      // Connections nginx closed towards the verifier in the last minute (TIME-WAIT, from ss):
      // with every answer kept alive, none; one per check if nginx had to close them.
      figures.put("p12_closed_connections_after_head_run", afterHead);
      figures.put("p12_closed_connections_after_get_run", closedTowards(verifierPort));
      figures.put("p12_ratio_verifier_head_over_trivial", round(h.perSecond() / t.perSecond()));
      figures.put("p12_ratio_verifier_get_over_trivial", round(g.perSecond() / t.perSecond()));
      figures.put(
          "p12_ratio_verifier_head_over_trivial_upstream", round(h.perSecond() / u.perSecond()));
    } finally {
      nginx.destroy();
      if (!nginx.waitFor(10, TimeUnit.SECONDS)) {
        nginx.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    }
    return figures;
  }

  private static String server(int port, String upstream, String method, String auth) {
    return String.join(
        "\n",
        "  server {",
        "    listen 127.0.0.1:" + port + ";",
        "    location / { auth_request /_auth; empty_gif; }",
        "    location = /_auth {",
        "      internal;",
        "      proxy_pass http://" + upstream + auth + ";",
        "      proxy_method " + method + ";",
        "      proxy_http_version 1.1;",
        "      proxy_set_header Connection \"\";",
        "      proxy_pass_request_body off;",
        "      proxy_set_header Content-Length \"\";",
        "    }",
        "  }");
  }

  private static void awaitListening(Process nginx, int port) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (System.nanoTime() < deadline) {
      if (!nginx.isAlive()) {
        throw new IllegalStateException("nginx stopped; see target/bench/nginx/error.log");
      }
      try (var socket = new java.net.Socket("127.0.0.1", port)) {
        return;
      } catch (IOException e) {
        Thread.sleep(20);
      }
    }
    throw new IllegalStateException("nginx not listening on " + port + " after 30 s");
  }

  /** Sockets in TIME-WAIT towards {@code port}, from {@code ss}; -1 without it. */
  private static long closedTowards(int port) {
    try {
      Process ss =
          new ProcessBuilder("ss", "-Htan", "state", "time-wait", "dport", "=", ":" + port)
              .redirectErrorStream(true)
              .start();
      String listed = new String(ss.getInputStream().readAllBytes());
      ss.waitFor(10, TimeUnit.SECONDS);
      return listed.lines().filter(l -> !l.isBlank()).count();
    } catch (IOException | InterruptedException e) {
      return -1;
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  private static double round(double v) {
    return Math.round(v * 100) / 100.0;
  }
}
