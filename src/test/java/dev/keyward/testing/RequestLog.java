package dev.keyward.testing;

import io.fabric8.kubernetes.client.http.AsyncBody;
import io.fabric8.kubernetes.client.http.BasicBuilder;
import io.fabric8.kubernetes.client.http.HttpRequest;
import io.fabric8.kubernetes.client.http.HttpResponse;
import io.fabric8.kubernetes.client.http.Interceptor;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Predicate;

/**
 * Sits in the operator's HTTP client: records every request it sends, and can stop the operator
 * dead at a chosen request, the way a killed process would, so tests can check what survives.
 */
public final class RequestLog implements Interceptor {

  /** One request: its method and path (with query). */
  public record Request(String method, String path) {
    public boolean isWrite() {
      return !"GET".equals(method);
    }

    /**
     * A write of anything but an Event: the operator sends Events from a thread of their own, after
     * the writes they describe, so a test that kills it at its n-th write counts these.
     */
    public boolean isObjectWrite() {
      return isWrite() && !path.replaceAll("\\?.*", "").matches(".*/events(/[^/]*)?");
    }

    @Override
    public String toString() {
      return method + " " + path;
    }
  }

  private final List<Request> requests = Collections.synchronizedList(new ArrayList<>());
  private final Map<Integer, LongAdder> errors = new ConcurrentSkipListMap<>();
  private volatile Predicate<Request> trap;
  private final CountDownLatch trapped = new CountDownLatch(1);
  private final CountDownLatch released = new CountDownLatch(1);
  private volatile boolean dead;
  private volatile java.util.function.Consumer<Request> fault = r -> {};
  private volatile java.util.function.ToIntFunction<Request> errorAnswers = r -> 0;
  private volatile String errorMessage;
  private volatile Predicate<Request> refused = r -> false;
  private volatile java.net.URI refusal;

  /**
   * Runs {@code fault} before each request reaches the server: it may sleep (a slow server), throw
   * (a failed request) or change the object first (a conflict).
   */
  public void injectFaults(java.util.function.Consumer<Request> fault) {
    this.fault = fault;
  }

  /**
   * Sends each request for which {@code status} gives a non-zero HTTP status to {@link
   * ErrorServer}, which answers with that status: the client sees a real error response (and may
   * retry it, each retry asking again), and the API server never sees the request.
   */
  public void answerWithErrors(java.util.function.ToIntFunction<Request> status) {
    this.errorAnswers = status;
    this.errorMessage = null;
  }

  /**
   * Like {@link #answerWithErrors(java.util.function.ToIntFunction)}, with {@code message} as the
   * error {@code Status}'s message, the way an API server explains a refusal.
   */
  public void answerWithErrors(java.util.function.ToIntFunction<Request> status, String message) {
    this.errorMessage = message;
    this.errorAnswers = status;
  }

  /**
   * Sends each request matching {@code which} to {@code target} instead, a path on the API server
   * that answers with an error (see {@link TestApiServer#refusingPath}); watches included.
   */
  public void refuse(Predicate<Request> which, java.net.URI target) {
    this.refusal = target;
    this.refused = which;
  }

  @Override
  public void before(BasicBuilder builder, HttpRequest request, RequestTags tags) {
    if (dead) {
      throw new UncheckedIOException(new IOException("operator process is dead"));
    }
    String path = request.uri().getRawPath();
    if (request.uri().getRawQuery() != null) {
      path += "?" + request.uri().getRawQuery();
    }
    Request r = new Request(request.method(), path);
    Predicate<Request> t = trap;
    if (t != null && t.test(r)) {
      trap = null;
      trapped.countDown();
      try {
        released.await(30, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      throw new UncheckedIOException(new IOException("operator process was killed"));
    }
    requests.add(r);
    fault.accept(r);
    if (refused.test(r)) {
      // A watch's websocket upgrade keeps its ws scheme.
      builder.uri(
          request.uri().getScheme().startsWith("ws")
              ? io.fabric8.kubernetes.client.http.WebSocket.toWebSocketUri(refusal)
              : refusal);
      return;
    }
    int error = errorAnswers.applyAsInt(r);
    if (error != 0) {
      builder.uri(ErrorServer.get().uri(error, r.path(), errorMessage));
    }
  }

  @Override
  public void after(
      HttpRequest request,
      HttpResponse<?> response,
      AsyncBody.Consumer<List<ByteBuffer>> consumer) {
    if (response.code() >= 400) {
      errors.computeIfAbsent(response.code(), c -> new LongAdder()).increment();
    }
  }

  /** How many responses came back with each error status (400 and up) so far. */
  public Map<Integer, Long> errorResponses() {
    Map<Integer, Long> counts = new TreeMap<>();
    errors.forEach((code, n) -> counts.put(code, n.sum()));
    return counts;
  }

  /** The next request matching {@code when} never reaches the server; the caller is frozen. */
  public void killAt(Predicate<Request> when) {
    trap = when;
  }

  /** Waits until the armed request was caught, at most {@code wait}. */
  public boolean awaitKilled(java.time.Duration wait) throws InterruptedException {
    return trapped.await(wait.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** Waits until the armed request was caught. */
  public boolean awaitKilled(long seconds) throws InterruptedException {
    return trapped.await(seconds, TimeUnit.SECONDS);
  }

  /** Fails every further request and lets the frozen one fail too. */
  public void die() {
    dead = true;
    released.countDown();
  }

  public List<Request> requests() {
    synchronized (requests) {
      return List.copyOf(requests);
    }
  }

  public List<Request> writes() {
    return requests().stream().filter(Request::isWrite).toList();
  }

  public int size() {
    return requests.size();
  }

  public List<Request> since(int index) {
    synchronized (requests) {
      return List.copyOf(requests.subList(index, requests.size()));
    }
  }

  /** Forgets the requests seen so far (a benchmark measuring heap holds none of them). */
  public void clear() {
    synchronized (requests) {
      requests.clear();
    }
  }
}
