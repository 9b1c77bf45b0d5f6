package dev.keyward.verifier;

import dev.keyward.admission.Creator;
import dev.keyward.admission.GrantReview;
import dev.keyward.apikey.ApiKey;
import io.fabric8.kubernetes.client.informers.cache.ItemStore;
import java.time.Clock;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code --owner-check}: a key acts within its creator's rights. Whether the creator may still
 * {@code grant} a scope is asked of the API server ({@link GrantReview}) once per (creator,
 * namespace, scope) and cached: asked when a key appears or changes, asked again in the background
 * once an answer is a TTL old, so the request path only reads the cache. A triple never asked yet
 * is asked on the request path, without blocking it ({@link #ask}). When the API server does not
 * answer, the last answer holds for 10 TTLs, then the check fails closed.
 */
public final class OwnerChecks {

  private static final Logger log = LoggerFactory.getLogger(OwnerChecks.class);

  /** How many TTLs an answer holds when it cannot be refreshed. */
  static final int HOLD_TTLS = 10;

  /** One question: may {@code creator} grant {@code scope} in {@code namespace}? */
  record Triple(Creator creator, String namespace, String scope) {}

  /** The API server's answer to one triple, and when it was given (the verifier's clock). */
  record Answer(boolean allowed, long atMillis) {}

  /** What the request path learns about the scopes a request demands. */
  public enum Outcome {
    /** The creator may grant every scope demanded. */
    ALLOWED,
    /** The creator may not grant {@link Result#scope}. */
    LACKS_PERMISSION,
    /** The key has no recorded creator: nobody vouches for its scopes. */
    NO_CREATOR,
    /** No answer about {@link Result#scope} yet, or the last one is older than 10 TTLs. */
    UNAVAILABLE
  }

  /** The outcome, the scope it is about (null for ALLOWED) and the key's creator (or null). */
  public record Result(Outcome outcome, String scope, String creator) {}

  private final GrantReview.Reviewer reviewer;
  private final Clock clock;
  private final long ttlMillis;
  private final Map<String, Creator> creators = new ConcurrentHashMap<>();
  private final Map<String, List<String>> scopes = new ConcurrentHashMap<>();
  private final Map<Triple, Answer> answers = new ConcurrentHashMap<>();
  private final Map<Triple, CompletableFuture<Answer>> asking = new ConcurrentHashMap<>();
  private final Map<Triple, Long> failedAt = new ConcurrentHashMap<>();
  private final java.util.concurrent.atomic.LongAdder reviewsSent =
      new java.util.concurrent.atomic.LongAdder();
  private volatile java.util.function.Consumer<String> listener = id -> {};
  private volatile java.util.function.Predicate<String> exists = id -> true;
  private final java.util.concurrent.atomic.AtomicBoolean failing =
      new java.util.concurrent.atomic.AtomicBoolean();
  private final ScheduledExecutorService background;
  private final java.util.concurrent.ExecutorService reviews;

  public OwnerChecks(GrantReview.Reviewer reviewer, Clock clock, Duration ttl) {
    if (ttl.compareTo(Duration.ofSeconds(1)) < 0) {
      throw new IllegalArgumentException(
          "--owner-check-ttl must be at least 1s, not " + ttl.toMillis() + "ms");
    }
    this.reviewer = reviewer;
    this.clock = clock;
    this.ttlMillis = ttl.toMillis();
    this.background =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "keyward-owner-check");
              t.setDaemon(true);
              return t;
            });
    this.reviews =
        Executors.newFixedThreadPool(
            2,
            r -> {
              Thread t = new Thread(r, "keyward-owner-review");
              t.setDaemon(true);
              return t;
            });
  }

  /** Starts the background refresh: every second, due answers are asked again. */
  public void start() {
    background.scheduleWithFixedDelay(this::refreshDue, 1, 1, TimeUnit.SECONDS);
  }

  public void close() {
    background.shutdownNow();
    reviews.shutdownNow();
  }

  /**
   * The request path: may the creator of {@code owner} grant each of {@code demanded}? Reads the
   * cache only.
   */
  public Result check(KeyOwner owner, List<String> demanded) {
    return check(owner.id(), owner.namespace(), demanded);
  }

  /** {@link #check(KeyOwner, List)} for the ApiKey {@code namespace/name} given as {@code id}. */
  public Result check(String id, String namespace, List<String> demanded) {
    Creator creator = creators.get(id);
    if (creator == null) {
      return new Result(demanded.isEmpty() ? Outcome.ALLOWED : Outcome.NO_CREATOR, null, null);
    }
    long now = clock.millis();
    for (String scope : demanded) {
      Answer answer = answers.get(new Triple(creator, namespace, scope));
      if (answer == null || now - answer.atMillis() >= HOLD_TTLS * ttlMillis) {
        return new Result(Outcome.UNAVAILABLE, scope, creator.user());
      }
      if (!answer.allowed()) {
        return new Result(Outcome.LACKS_PERMISSION, scope, creator.user());
      }
    }
    return new Result(Outcome.ALLOWED, null, creator.user());
  }

  /** The recorded creator's user name of the ApiKey {@code id}, or null. */
  public String creator(String id) {
    Creator creator = creators.get(id);
    return creator == null ? null : creator.user();
  }

  /** Whether some scope in {@code demanded} was never answered for {@code owner}'s creator. */
  boolean neverAsked(KeyOwner owner, List<String> demanded) {
    Creator creator = creators.get(owner.id());
    return creator != null
        && demanded.stream()
            .anyMatch(s -> !answers.containsKey(new Triple(creator, owner.namespace(), s)));
  }

  /**
   * Asks about every scope in {@code demanded} not answered yet; completes when all are answered,
   * failed, or {@code timeout} has passed. Never blocks the caller.
   */
  CompletableFuture<Void> ask(KeyOwner owner, List<String> demanded, Duration timeout) {
    Creator creator = creators.get(owner.id());
    if (creator == null) {
      return CompletableFuture.completedFuture(null);
    }
    CompletableFuture<?>[] pending =
        demanded.stream()
            .map(s -> new Triple(creator, owner.namespace(), s))
            .filter(t -> !answers.containsKey(t))
            .map(this::review)
            .toArray(CompletableFuture[]::new);
    return CompletableFuture.allOf(pending)
        .orTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS)
        .handle((ok, e) -> null);
  }

  /**
   * The informers' item store with this in front: a key's creator and scopes are known here before
   * the registry answers for it, and its triples are asked about at once.
   */
  ItemStore<ApiKey> watching(ItemStore<ApiKey> store) {
    return new ItemStore<>() {
      @Override
      public String getKey(ApiKey key) {
        return store.getKey(key);
      }

      @Override
      public ApiKey put(String id, ApiKey key) {
        seen(id, key);
        return store.put(id, key);
      }

      @Override
      public ApiKey remove(String id) {
        creators.remove(id);
        scopes.remove(id);
        return store.remove(id);
      }

      @Override
      public Stream<String> keySet() {
        return store.keySet();
      }

      @Override
      public Stream<ApiKey> values() {
        return store.values();
      }

      @Override
      public int size() {
        return store.size();
      }

      @Override
      public ApiKey get(String id) {
        return store.get(id);
      }
    };
  }

  /**
   * Calls {@code listener} with the id of every tracked ApiKey whose answers changed: a first
   * answer, or a right gained or lost. From the review threads; it must not block.
   */
  public void onChange(java.util.function.Consumer<String> listener) {
    this.listener = listener;
  }

  /**
   * Keeps only the ApiKeys {@code exists} still knows in the background refresh (for callers that
   * learn of keys through {@link #track} and never hear of deletions).
   */
  public void forgetUnless(java.util.function.Predicate<String> exists) {
    this.exists = exists;
  }

  /**
   * Tracks {@code key} (id {@code namespace/name}): its creator and scopes, asked about at once.
   */
  public void track(String id, ApiKey key) {
    seen(id, key);
  }

  private void seen(String id, ApiKey key) {
    Creator creator = Creator.of(key);
    List<String> keyScopes =
        key.getSpec() == null || key.getSpec().getScopes() == null
            ? List.of()
            : key.getSpec().getScopes().stream().filter(s -> s != null).distinct().toList();
    if (creator == null) {
      creators.remove(id);
      scopes.remove(id);
      return;
    }
    creators.put(id, creator);
    scopes.put(id, keyScopes);
    String namespace = key.getMetadata().getNamespace();
    for (String scope : keyScopes) {
      Triple triple = new Triple(creator, namespace, scope);
      if (!answers.containsKey(triple)) {
        review(triple);
      }
    }
  }

  /**
   * Asks the API server about {@code triple}, one question at a time per triple; the answer is in
   * the cache before the returned future completes.
   */
  private CompletableFuture<Answer> review(Triple t) {
    CompletableFuture<Answer> existing = asking.get(t);
    if (existing != null) {
      return existing;
    }
    CompletableFuture<Answer> mine = new CompletableFuture<>();
    existing = asking.putIfAbsent(t, mine);
    if (existing != null) {
      return existing;
    }
    try {
      reviews.execute(() -> answer(t, mine));
    } catch (java.util.concurrent.RejectedExecutionException e) {
      asking.remove(t, mine);
      mine.completeExceptionally(e);
    }
    return mine;
  }

  private void answer(Triple t, CompletableFuture<Answer> future) {
    Answer answer;
    reviewsSent.increment();
    try {
      answer =
          new Answer(
              reviewer.mayGrant(t.creator(), Map.of(), t.namespace(), t.scope()), clock.millis());
    } catch (RuntimeException e) {
      failedAt.put(t, clock.millis());
      if (failing.compareAndSet(false, true)) {
        log.warn(
            "Owner checks fail (scope {} in {}: {}); last answers hold for {} TTLs",
            t.scope(),
            t.namespace(),
            describe(e),
            HOLD_TTLS);
      }
      asking.remove(t, future);
      future.completeExceptionally(e);
      return;
    }
    Answer old = answers.put(t, answer);
    failedAt.remove(t);
    if (old == null || old.allowed() != answer.allowed()) {
      changed(t);
    }
    if (failing.compareAndSet(true, false)) {
      log.info("Owner checks are answered again");
    }
    if (old != null && old.allowed() && !answer.allowed()) {
      log.info(
          "{} may no longer grant scope {} in {}: keys they created lose it",
          t.creator().user(),
          t.scope(),
          t.namespace());
    }
    asking.remove(t, future);
    future.complete(answer);
  }

  /**
   * Asks again every triple a key needs whose answer is a TTL old (or missing), except those whose
   * last attempt failed less than a tenth of a TTL ago; forgets triples no key needs.
   */
  void refreshDue() {
    try {
      java.util.function.Predicate<String> known = exists;
      creators.keySet().removeIf(id -> !known.test(id));
      scopes.keySet().removeIf(id -> !creators.containsKey(id));
      Set<Triple> needed = new HashSet<>();
      creators.forEach(
          (id, creator) -> {
            String namespace = id.substring(0, id.indexOf('/'));
            for (String scope : scopes.getOrDefault(id, List.of())) {
              needed.add(new Triple(creator, namespace, scope));
            }
          });
      answers.keySet().retainAll(needed);
      failedAt.keySet().retainAll(needed);
      long now = clock.millis();
      long backoff = Math.max(1000, ttlMillis / 10);
      for (Triple triple : needed) {
        Answer answer = answers.get(triple);
        Long failed = failedAt.get(triple);
        boolean due = answer == null || now - answer.atMillis() >= ttlMillis;
        if (due && (failed == null || now - failed >= backoff)) {
          review(triple);
        }
      }
    } catch (RuntimeException e) {
      log.warn("Owner check refresh failed: {}", e.getClass().getSimpleName());
    }
  }

  /** Tells the listener about every tracked ApiKey that asks about {@code t}. */
  private void changed(Triple t) {
    creators.forEach(
        (id, creator) -> {
          if (creator.equals(t.creator())
              && id.startsWith(t.namespace() + "/")
              && scopes.getOrDefault(id, List.of()).contains(t.scope())) {
            try {
              listener.accept(id);
            } catch (RuntimeException e) {
              log.warn("Owner check listener failed: {}", e.getClass().getSimpleName());
            }
          }
        });
  }

  /** SubjectAccessReviews sent so far, answered or not. */
  public double reviewsSent() {
    return reviewsSent.sum();
  }

  /** Triples with an answer (for metrics and tests). */
  public int answers() {
    return answers.size();
  }

  private static String describe(Throwable e) {
    Throwable cause = e instanceof java.util.concurrent.CompletionException ? e.getCause() : e;
    if (cause instanceof io.fabric8.kubernetes.client.KubernetesClientException k
        && k.getCode() > 0) {
      return "the API server answered " + k.getCode();
    }
    return cause == null ? "unknown error" : cause.getClass().getSimpleName();
  }
}
