package dev.keyward.verifier;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * An HTTP answer, built without sockets so the contract is tested as a function. An empty body is
 * sent as {@code Content-Length: 0}.
 */
public record Answer(int status, Code code, Map<String, String> headers, String body) {

  /** The header carrying {@code code} on every answer built by {@link #code}. */
  public static final String CODE_HEADER = "X-Keyward-Code";

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

  /** {@code {"code": ...}}, the body of every refusal, with the code in a header too. */
  static Answer code(int status, Code code) {
    return json(status, code, "{\"code\":\"" + code.name() + "\"}").with(CODE_HEADER, code.name());
  }

  /**
   * A forward-auth answer whose header is all a proxy reads: no body, no Content-Type, so a proxy
   * that reads only the header (nginx's {@code auth_request}) can keep the connection.
   */
  static Answer headerOnly(int status, Code code) {
    Map<String, String> headers = new LinkedHashMap<>();
    headers.put("Cache-Control", "no-store");
    headers.put(CODE_HEADER, code.name());
    return new Answer(status, code, headers, "");
  }
}
