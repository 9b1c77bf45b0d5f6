package dev.keyward.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * HTTP/1.1 over a plain socket, byte for byte as written: for sending exactly what a proxy sends,
 * repeated headers, non-ASCII bytes and oversized requests that ordinary clients refuse to build.
 */
public final class RawHttp {

  /** A parsed response. */
  public record Response(int status, List<String[]> headers, String body) {
    /** The first value of a header, or null. */
    public String header(String name) {
      return headers.stream()
          .filter(h -> h[0].equalsIgnoreCase(name))
          .map(h -> h[1])
          .findFirst()
          .orElse(null);
    }

    /** The {@code code} of a JSON body like {@code {"code":"UNKNOWN"}}. */
    public String code() {
      int at = body.indexOf("\"code\":\"");
      return at < 0 ? null : body.substring(at + 8, body.indexOf('"', at + 8));
    }
  }

  private RawHttp() {}

  /**
   * Sends one request and reads its answer.
   *
   * @param head request line and headers, each line without its CRLF; Host and Connection: close
   *     are added when absent
   */
  public static Response send(int port, List<String> head, byte[] body) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    boolean host = false;
    for (String line : head) {
      host |= line.toLowerCase(Locale.ROOT).startsWith("host:");
      out.writeBytes(line.getBytes(StandardCharsets.UTF_8));
      out.writeBytes(new byte[] {'\r', '\n'});
    }
    if (!host) {
      out.writeBytes("Host: localhost\r\n".getBytes(StandardCharsets.US_ASCII));
    }
    out.writeBytes("Connection: close\r\n".getBytes(StandardCharsets.US_ASCII));
    if (body != null) {
      out.writeBytes(
          ("Content-Length: " + body.length + "\r\n").getBytes(StandardCharsets.US_ASCII));
    }
    out.writeBytes(new byte[] {'\r', '\n'});
    if (body != null) {
      out.writeBytes(body);
    }
    try (Socket socket = new Socket("localhost", port)) {
      socket.setSoTimeout(10_000);
      OutputStream o = socket.getOutputStream();
      o.write(out.toByteArray());
      o.flush();
      return parse(socket.getInputStream());
    }
  }

  public static Response get(int port, String target, String... headers) throws IOException {
    List<String> head = new ArrayList<>();
    head.add("GET " + target + " HTTP/1.1");
    head.addAll(List.of(headers));
    return send(port, head, null);
  }

  private static Response parse(InputStream in) throws IOException {
    String all = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    int end = all.indexOf("\r\n\r\n");
    String[] lines = all.substring(0, end < 0 ? all.length() : end).split("\r\n");
    int status = Integer.parseInt(lines[0].split(" ")[1]);
    List<String[]> headers = new ArrayList<>();
    for (int i = 1; i < lines.length; i++) {
      int colon = lines[i].indexOf(':');
      headers.add(
          new String[] {lines[i].substring(0, colon).trim(), lines[i].substring(colon + 1).trim()});
    }
    String body = end < 0 ? "" : all.substring(end + 4);
    return new Response(status, headers, body);
  }
}
