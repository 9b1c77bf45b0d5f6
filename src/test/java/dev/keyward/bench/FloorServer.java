package dev.keyward.bench;

import dev.keyward.verifier.VerifierHttp;

/**
 * P6's floor: the verifier's HTTP stack (`VerifierHttp.serve`: Vert.x, one server per event loop,
 * the same options) answering every request with a 200 of the same shape without verifying
 * anything. Run as its own JVM; prints its port, runs until stdin closes.
 */
public final class FloorServer {

  public static void main(String[] args) throws Exception {
    int loops = Runtime.getRuntime().availableProcessors();
    int[] port = {
      VerifierHttp.serve(
          VerifierHttp.eventLoops(loops),
          -1,
          loops,
          r ->
              r.response()
                  .putHeader("Cache-Control", "no-store")
                  .putHeader("X-Keyward-Code", "OK")
                  .putHeader("X-Keyward-ApiKey", "bench-verifier/bench-00000")
                  .putHeader("X-Keyward-Key-Version", "1")
                  .putHeader("X-Keyward-Scopes", "bench")
                  .putHeader("Content-Length", "0")
                  .end())
    };
    System.out.println(port[0]);
    System.out.flush();
    while (System.in.read() != -1) {
      // runs for as long as the parent holds stdin open
    }
    System.exit(0);
  }
}
