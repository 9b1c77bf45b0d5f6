package dev.keyward.bench;

import io.vertx.core.AbstractVerticle;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.HttpServerOptions;

/**
 * P6's floor: the verifier's HTTP stack (Vert.x, one server per event loop, same options) answering
 * every request with a 200 of the same shape without verifying anything. Run as its own JVM; prints
 * its port, runs until stdin closes.
 */
public final class FloorServer {

  public static void main(String[] args) throws Exception {
    int loops = Runtime.getRuntime().availableProcessors();
    Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(loops));
    int[] port = new int[1];
    vertx
        .deployVerticle(
            () ->
                new AbstractVerticle() {
                  @Override
                  public void start(Promise<Void> started) {
                    vertx
                        .createHttpServer(
                            new HttpServerOptions()
                                .setPort(-1)
                                .setMaxHeaderSize(8192)
                                .setMaxInitialLineLength(8192))
                        .requestHandler(
                            r ->
                                r.response()
                                    .putHeader("Content-Type", "application/json")
                                    .putHeader("Cache-Control", "no-store")
                                    .putHeader("X-Keyward-ApiKey", "bench-verifier/bench-00000")
                                    .putHeader("X-Keyward-Key-Version", "1")
                                    .putHeader("X-Keyward-Scopes", "bench")
                                    .end("{\"code\":\"OK\"}"))
                        .listen()
                        .onSuccess(
                            s -> {
                              port[0] = s.actualPort();
                              started.complete();
                            })
                        .onFailure(started::fail);
                  }
                },
            new DeploymentOptions().setInstances(loops))
        .toCompletionStage()
        .toCompletableFuture()
        .get();
    System.out.println(port[0]);
    System.out.flush();
    while (System.in.read() != -1) {
      // runs for as long as the parent holds stdin open
    }
    System.exit(0);
  }
}
