package dev.keyward.bench;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;

/**
 * HTTP/1.1 keep-alive load on one port from {@code connections} threads, each with one connection
 * and one request in flight, keys taken in turn. Counts answers by status and records every
 * latency. Runs in the benchmark's JVM, another process than the server it measures.
 */
final class LoadGenerator {

  /** Throughput and latency of one run. */
  record Result(long requests, double perSecond, double p50Ms, double p99Ms, long non200) {}

  private LoadGenerator() {}

  static Result run(int port, String target, String[] keys, int connections, double seconds)
      throws Exception {
    byte[][] requests = new byte[keys.length][];
    for (int i = 0; i < keys.length; i++) {
      requests[i] =
          ("GET "
                  + target
                  + " HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer "
                  + keys[i]
                  + "\r\n\r\n")
              .getBytes(StandardCharsets.US_ASCII);
    }
    long[][] latencies = new long[connections][];
    int[] counts = new int[connections];
    AtomicLong non200 = new AtomicLong();
    CountDownLatch done = new CountDownLatch(connections);
    long end = System.nanoTime() + (long) (seconds * 1e9);
    long start = System.nanoTime();
    for (int c = 0; c < connections; c++) {
      int id = c;
      Thread t =
          new Thread(
              () -> {
                long[] mine = new long[1 << 20];
                int n = 0;
                try (Socket socket = new Socket("localhost", port)) {
                  socket.setTcpNoDelay(true);
                  OutputStream out = socket.getOutputStream();
                  InputStream in = socket.getInputStream();
                  byte[] buffer = new byte[8192];
                  int next = id;
                  while (System.nanoTime() < end) {
                    long t0 = System.nanoTime();
                    out.write(requests[next % requests.length]);
                    next += connections;
                    if (readStatus(in, buffer) != 200) {
                      non200.incrementAndGet();
                    }
                    if (n == mine.length) {
                      mine = Arrays.copyOf(mine, n * 2);
                    }
                    mine[n++] = System.nanoTime() - t0;
                  }
                } catch (IOException e) {
                  non200.incrementAndGet();
                } finally {
                  latencies[id] = mine;
                  counts[id] = n;
                  done.countDown();
                }
              },
              "load-" + c);
      t.start();
    }
    done.await();
    double elapsed = (System.nanoTime() - start) / 1e9;
    long total = Arrays.stream(counts).asLongStream().sum();
    long[] all = new long[(int) total];
    int at = 0;
    for (int c = 0; c < connections; c++) {
      System.arraycopy(latencies[c], 0, all, at, counts[c]);
      at += counts[c];
    }
    Arrays.sort(all);
    return new Result(
        total,
        total / elapsed,
        all.length == 0 ? Double.NaN : all[all.length / 2] / 1e6,
        all.length == 0 ? Double.NaN : all[(int) (all.length * 0.99)] / 1e6,
        non200.get());
  }

  /** Reads one response (headers and a Content-Length body); returns its status. */
  private static int readStatus(InputStream in, byte[] buffer) throws IOException {
    int length = 0;
    int headerEnd = -1;
    while (headerEnd < 0) {
      int read = in.read(buffer, length, buffer.length - length);
      if (read < 0) {
        throw new IOException("connection closed");
      }
      length += read;
      for (int i = Math.max(0, length - read - 3); i + 3 < length; i++) {
        if (buffer[i] == '\r'
            && buffer[i + 1] == '\n'
            && buffer[i + 2] == '\r'
            && buffer[i + 3] == '\n') {
          headerEnd = i + 4;
          break;
        }
      }
    }
    String head = new String(buffer, 0, headerEnd, StandardCharsets.US_ASCII);
    int status = Integer.parseInt(head.substring(9, 12));
    int cl = head.toLowerCase().indexOf("content-length:");
    int bodyLength =
        cl < 0 ? 0 : Integer.parseInt(head.substring(cl + 15, head.indexOf('\r', cl)).trim());
    int have = length - headerEnd;
    while (have < bodyLength) {
      int read = in.read(buffer, 0, Math.min(buffer.length, bodyLength - have));
      if (read < 0) {
        throw new IOException("connection closed");
      }
      have += read;
    }
    return status;
  }
}
