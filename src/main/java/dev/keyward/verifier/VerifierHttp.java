package dev.keyward.verifier;

import static java.nio.charset.StandardCharsets.UTF_8;

import io.vertx.core.AbstractVerticle;
import io.vertx.core.AsyncResult;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The verifier's one port on Vert.x: {@code /v1/verify} (and below), {@code POST /v1/keys/verify},
 * {@code /healthz}, {@code /readyz}, {@code /metrics}. One server per event loop, all on the same
 * port; every answer is computed on the event loop without blocking (a hash, a map lookup, a token
 * bucket). Headers above 8 KiB are refused by Vert.x itself (431), request lines above 8 KiB too
 * (414), JSON bodies above 16 KiB with 413.
 */
public final class VerifierHttp implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(VerifierHttp.class);

  static final String PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8";
  private static final int MAX_HEADERS = 8 * 1024;

  private final VerifyApi api;
  private final VerifierMetrics metrics;
  private final BooleanSupplier synced;
  private final Vertx vertx;
  private volatile int port;

  public VerifierHttp(
      VerifyApi api, VerifierMetrics metrics, BooleanSupplier synced, int eventLoops) {
    this.api = api;
    this.metrics = metrics;
    this.synced = synced;
    this.vertx = eventLoops(eventLoops);
  }

  /** Listens on {@code port} (0: any free port) with one server per event loop. */
  public void start(int port, int instances) throws Exception {
    // Vert.x shares one listening socket among servers asking for the same port; a negative port
    // is its way of sharing one random port.
    this.port = deploy(port == 0 ? -1 : port, instances);
  }

  private int deploy(int port, int instances) throws Exception {
    return serve(vertx, port, instances, this::handle);
  }

  /** The Vert.x instance the verifier runs on: {@code eventLoops} loops, no blocking pools. */
  public static Vertx eventLoops(int eventLoops) {
    return Vertx.vertx(
        new VertxOptions()
            .setEventLoopPoolSize(eventLoops)
            .setWorkerPoolSize(1)
            .setInternalBlockingPoolSize(1));
  }

  /**
   * Serves {@code handler} on {@code port} with one server per event loop and the verifier's server
   * options; returns the port bound. The benchmark's floor runs on the same stack.
   */
  public static int serve(Vertx vertx, int port, int instances, Handler<HttpServerRequest> handler)
      throws Exception {
    int[] bound = new int[1];
    vertx
        .deployVerticle(
            () ->
                new AbstractVerticle() {
                  @Override
                  public void start(Promise<Void> started) {
                    vertx
                        .createHttpServer(
                            new HttpServerOptions()
                                .setPort(port)
                                .setMaxHeaderSize(MAX_HEADERS)
                                .setMaxInitialLineLength(MAX_HEADERS)
                                .setIdleTimeout(120)
                                .setIdleTimeoutUnit(TimeUnit.SECONDS))
                        .requestHandler(handler)
                        .listen()
                        .onSuccess(
                            s -> {
                              bound[0] = s.actualPort();
                              started.complete();
                            })
                        .onFailure(started::fail);
                  }
                },
            new DeploymentOptions().setInstances(instances))
        .toCompletionStage()
        .toCompletableFuture()
        .get(30, TimeUnit.SECONDS);
    return bound[0];
  }

  public int port() {
    return port;
  }

  /** The event loops the verifier answers on (a shared rate-limit store's client runs on them). */
  public Vertx vertx() {
    return vertx;
  }

  private void handle(HttpServerRequest request) {
    long start = System.nanoTime();
    String path = request.path();
    try {
      if (path.equals(Requirements.VERIFY_PATH)
          || path.startsWith(Requirements.VERIFY_PATH + "/")) {
        api.forwardAuth(
                path,
                name -> request.params().getAll(name),
                request.headers().getAll("Authorization"),
                request.headers().getAll("X-API-Key"))
            .onComplete(answer -> answered(request, answer, start, path));
      } else if (path.equals("/v1/keys/verify")) {
        if (request.method() != HttpMethod.POST) {
          plain(request.response(), 405, "use POST\n");
          return;
        }
        readJson(request, start);
      } else if (path.equals("/healthz")) {
        plain(request.response(), 200, "ok\n");
      } else if (path.equals("/readyz")) {
        boolean ready = synced.getAsBoolean();
        plain(request.response(), ready ? 200 : 503, ready ? "ok\n" : "cache not synced\n");
      } else if (path.equals("/metrics")) {
        request
            .response()
            .putHeader("Content-Type", PROMETHEUS_TEXT)
            .end(metrics.registry().scrape());
      } else {
        plain(request.response(), 404, "not found\n");
      }
    } catch (RuntimeException e) {
      // The class only: a message could quote the request.
      log.warn("Request to {} failed: {}", safePath(path), e.getClass().getSimpleName());
      send(request, Answer.code(400, Code.BAD_REQUEST), start);
    }
  }

  private void readJson(HttpServerRequest request, long start) {
    Buffer body = Buffer.buffer();
    boolean[] done = new boolean[1];
    request.handler(
        chunk -> {
          if (done[0]) {
            return;
          }
          if (body.length() + chunk.length() > VerifyApi.MAX_JSON_BODY) {
            done[0] = true;
            request.response().putHeader("Connection", "close");
            send(request, Answer.code(413, Code.TOO_LARGE), start);
            return;
          }
          body.appendBuffer(chunk);
        });
    request.endHandler(
        v -> {
          if (!done[0]) {
            done[0] = true;
            api.json(body.getBytes())
                .onComplete(answer -> answered(request, answer, start, "/v1/keys/verify"));
          }
        });
  }

  private void answered(
      HttpServerRequest request, AsyncResult<Answer> answer, long start, String path) {
    if (answer.succeeded()) {
      send(request, answer.result(), start);
    } else {
      log.warn(
          "Request to {} failed: {}", safePath(path), answer.cause().getClass().getSimpleName());
      send(request, Answer.code(400, Code.BAD_REQUEST), start);
    }
  }

  private void send(HttpServerRequest request, Answer answer, long start) {
    HttpServerResponse response = request.response().setStatusCode(answer.status());
    answer.headers().forEach(response::putHeader);
    // Always a length (0 for a body-less answer): a proxy reading only the header knows the answer
    // is complete and can reuse the connection. HEAD gets the GET answer's header and no body.
    response.putHeader("Content-Length", Integer.toString(answer.body().getBytes(UTF_8).length));
    if (request.method() == HttpMethod.HEAD) {
      response.end();
    } else {
      response.end(answer.body());
    }
    metrics.answered(answer.code(), System.nanoTime() - start);
  }

  private static void plain(HttpServerResponse response, int status, String body) {
    response.setStatusCode(status).putHeader("Content-Type", "text/plain").end(body);
  }

  /** Only the fixed part of a path goes into a log line. */
  private static String safePath(String path) {
    for (String known : List.of(Requirements.VERIFY_PATH, "/v1/keys/verify")) {
      if (path.startsWith(known)) {
        return known;
      }
    }
    return "another path";
  }

  @Override
  public void close() {
    try {
      vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      log.debug("Vert.x did not close cleanly: {}", e.getClass().getSimpleName());
    }
  }
}
