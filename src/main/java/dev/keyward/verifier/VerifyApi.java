package dev.keyward.verifier;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vertx.core.Future;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * The HTTP contract as functions of (request, registry, clock): forward-auth on {@code /v1/verify}
 * and the JSON form on {@code POST /v1/keys/verify}. No presented key ever goes into an answer.
 */
public final class VerifyApi {

  public static final String REALM = "Bearer realm=\"keyward\"";

  /** Largest JSON body accepted; a request holds one key and a few names. */
  public static final int MAX_JSON_BODY = 16 * 1024;

  private static final ObjectMapper JSON = new ObjectMapper();

  private final KeyVerifier verifier;

  public VerifyApi(KeyVerifier verifier) {
    this.verifier = verifier;
  }

  /**
   * Forward-auth: the verdict as a status and {@code X-Keyward-Code}; identity headers and no body
   * on 200, a JSON code otherwise.
   */
  public Future<Answer> forwardAuth(
      String path,
      Function<String, List<String>> query,
      List<String> authorization,
      List<String> apiKey) {
    Requirements requirements;
    try {
      requirements = Requirements.of(path, query);
    } catch (IllegalArgumentException e) {
      return Future.succeededFuture(Answer.code(400, Code.BAD_REQUEST));
    }
    return verifier
        .verify(Presented.extract(authorization, apiKey), requirements)
        .map(verdict -> forwardAuthAnswer(verdict, requirements.denyAs403()));
  }

  static Answer forwardAuthAnswer(Verdict verdict, boolean denyAs403) {
    Code code = verdict.code();
    if (code == Code.OK) {
      KeyRecord record = verdict.record();
      return Answer.headerOnly(200, code)
          .with("X-Keyward-ApiKey", record.owner().id())
          .with("X-Keyward-Key-Version", Integer.toString(record.keyVersion()))
          .with("X-Keyward-Scopes", String.join(",", record.owner().scopes()));
    }
    boolean masked = denyAs403 && (code == Code.RATE_LIMITED || code.status() == 503);
    Answer answer = Answer.code(masked ? 403 : code.status(), code);
    if (masked) {
      answer.with("X-Keyward-Status", Integer.toString(code.status()));
    }
    if (code.status() == 401) {
      answer.with("WWW-Authenticate", REALM);
    }
    if (verdict.retryAfterSeconds() > 0) {
      answer.with("Retry-After", Long.toString(verdict.retryAfterSeconds()));
    }
    return answer;
  }

  /**
   * {@code POST /v1/keys/verify} with {@code {"key", "scopes", "namespaces"}}: 200 with {@code
   * {"valid", "code", "apiKey", "keyVersion", "scopes", "expiresAt"}} for any key, 400 for a body
   * that is not that, 503 before the cache has synced.
   */
  public Future<Answer> json(byte[] body) {
    if (body.length > MAX_JSON_BODY) {
      return Future.succeededFuture(Answer.code(413, Code.TOO_LARGE));
    }
    JsonNode request;
    try {
      request = JSON.readTree(body);
    } catch (IOException e) {
      return Future.succeededFuture(Answer.code(400, Code.BAD_REQUEST));
    }
    if (request == null
        || !request.isObject()
        || (request.has("key") && !request.get("key").isTextual())) {
      return Future.succeededFuture(Answer.code(400, Code.BAD_REQUEST));
    }
    List<String> scopes = strings(request.get("scopes"));
    List<String> namespaces = strings(request.get("namespaces"));
    if (scopes == null || namespaces == null) {
      return Future.succeededFuture(Answer.code(400, Code.BAD_REQUEST));
    }
    Presented.Result presented =
        request.has("key")
            ? Presented.extract(List.of(), List.of(request.get("key").asText()))
            : Presented.extract(List.of(), List.of());
    return verifier
        .verify(presented, new Requirements(scopes, namespaces, false))
        .map(VerifyApi::jsonAnswer);
  }

  private static Answer jsonAnswer(Verdict verdict) {
    if (verdict.code() == Code.NOT_READY) {
      return forwardAuthAnswer(verdict, false);
    }
    ObjectNode out = JSON.createObjectNode();
    out.put("valid", verdict.code() == Code.OK);
    out.put("code", verdict.code().name());
    KeyRecord record = verdict.record();
    if (record != null) {
      out.putObject("apiKey")
          .put("namespace", record.owner().namespace())
          .put("name", record.owner().name());
      out.put("keyVersion", record.keyVersion());
      record.owner().scopes().forEach(out.putArray("scopes")::add);
      if (record.validUntilMillis() != Long.MAX_VALUE) {
        out.put("expiresAt", Instant.ofEpochMilli(record.validUntilMillis()).toString());
      }
    }
    if (verdict.retryAfterSeconds() > 0) {
      out.put("retryAfterSeconds", verdict.retryAfterSeconds());
    }
    Answer answer = Answer.json(200, verdict.code(), out.toString());
    return verdict.retryAfterSeconds() > 0
        ? answer.with("Retry-After", Long.toString(verdict.retryAfterSeconds()))
        : answer;
  }

  /** A JSON array of strings as a list; absent is empty; anything else null. */
  private static List<String> strings(JsonNode node) {
    if (node == null || node.isNull()) {
      return List.of();
    }
    if (!node.isArray()) {
      return null;
    }
    List<String> out = new ArrayList<>();
    for (JsonNode item : node) {
      if (!item.isTextual()) {
        return null;
      }
      out.add(item.asText());
    }
    return out;
  }
}
