package dev.keyward.console;

import com.sun.net.httpserver.HttpExchange;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Server-sent events from the console's informers: one handler per informer (the console's one
 * watch per kind), fanned out to every open page's {@code /events} stream. A stream says only which
 * kinds changed ({@code event: change}, {@code data: ApiKey}); the page's script then fetches its
 * own URL once and swaps its live region. Changes within {@link #COALESCE_MILLIS} are sent as one
 * message per kind, so a burst of 10,000 updates costs a page a few fetches, not 10,000.
 */
final class Live {

  static final long COALESCE_MILLIS = 150;
  static final long KEEPALIVE_SECONDS = 5;
  static final int MAX_STREAMS = 32;

  private final Set<LinkedBlockingQueue<String>> streams = ConcurrentHashMap.newKeySet();
  private final AtomicLong sent = new AtomicLong();
  private volatile boolean closed;

  /** Follows {@code informer}: every add, update and delete is announced as {@code kind}. */
  <T extends HasMetadata> void follow(String kind, SharedIndexInformer<T> informer) {
    informer.addEventHandler(
        new ResourceEventHandler<T>() {
          @Override
          public void onAdd(T obj) {
            announce(kind);
          }

          @Override
          public void onUpdate(T oldObj, T newObj) {
            announce(kind);
          }

          @Override
          public void onDelete(T obj, boolean deletedFinalStateUnknown) {
            announce(kind);
          }
        });
  }

  void announce(String kind) {
    for (LinkedBlockingQueue<String> q : streams) {
      // A page that is slow to read gets at most a bounded backlog: kinds repeat, so dropping
      // extras loses nothing the next message will not say.
      if (q.size() < 1024) {
        q.offer(kind);
      }
    }
  }

  /** Open streams now. */
  int streams() {
    return streams.size();
  }

  /** Messages written to streams so far. */
  long sent() {
    return sent.get();
  }

  void close() {
    closed = true;
    streams.forEach(q -> q.offer(""));
  }

  /**
   * Serves one {@code text/event-stream} until the browser goes away or the console closes. Holds
   * the calling thread; the console's executor has room for {@link #MAX_STREAMS}.
   */
  void stream(HttpExchange exchange, Runnable headers) throws IOException {
    if (streams.size() >= MAX_STREAMS) {
      byte[] body = "Too many open console pages.".getBytes(StandardCharsets.UTF_8);
      headers.run();
      exchange.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
      exchange.sendResponseHeaders(503, body.length);
      exchange.getResponseBody().write(body);
      return;
    }
    LinkedBlockingQueue<String> queue = new LinkedBlockingQueue<>();
    streams.add(queue);
    try {
      headers.run();
      exchange.getResponseHeaders().set("Content-Type", "text/event-stream; charset=utf-8");
      exchange.getResponseHeaders().set("X-Accel-Buffering", "no");
      exchange.sendResponseHeaders(200, 0);
      OutputStream out = exchange.getResponseBody();
      write(out, "retry: 2000\n: connected\n\n");
      while (!closed) {
        String first = queue.poll(KEEPALIVE_SECONDS, TimeUnit.SECONDS);
        if (closed) {
          break;
        }
        if (first == null) {
          write(out, ": keepalive\n\n");
          continue;
        }
        Thread.sleep(COALESCE_MILLIS);
        Set<String> kinds = new TreeSet<>();
        kinds.add(first);
        queue.drainTo(kinds);
        kinds.remove("");
        StringBuilder b = new StringBuilder();
        for (String kind : kinds) {
          b.append("event: change\ndata: ").append(kind).append("\n\n");
        }
        write(out, b.toString());
        sent.addAndGet(kinds.size());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (IOException e) {
      // the page was closed or navigated away: its stream ends here
    } finally {
      streams.remove(queue);
    }
  }

  private static void write(OutputStream out, String text) throws IOException {
    out.write(text.getBytes(StandardCharsets.UTF_8));
    out.flush();
  }
}
