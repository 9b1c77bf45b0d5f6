package dev.keyward.verifier;

import java.util.LinkedHashMap;
import java.util.Map;

/** An HTTP answer, built without sockets so the contract is tested as a function. */
public record Answer(int status, Code code, Map<String, String> headers, String body) {

  static Answer json(int status, Code code, String body) {
    Map<String, String> headers = new LinkedHashMap<>();
    headers.put("Content-Type", "application/json");
    headers.put("Cache-Control", "no-store");
    return new Answer(status, code, headers, body);
  }

  Answer with(String header, String value) {
    headers.put(header, value);
    return this;
  }

  /** {@code {"code": ...}}, the body of every forward-auth answer. */
  static Answer code(int status, Code code) {
    return json(status, code, "{\"code\":\"" + code.name() + "\"}");
  }
}
