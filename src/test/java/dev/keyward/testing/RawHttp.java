package dev.keyward.testing;

import java.io.ByteArrayInputStream;
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

    /**
     * The {@code code} of a verifier answer: its {@code X-Keyward-Code} header, else that of a JSON
     * body like {@code {"code":"UNKNOWN"}}.
     */
    public String code() {
      String header = header("X-Keyward-Code");
      if (header != null) {
        return header;
      }
      return bodyCode();
    }

    /** The {@code code} of a JSON body like {@code {"code":"UNKNOWN"}}, or null. */
    public String bodyCode() {
      int at = body.indexOf("\"code\":\"");
      return at < 0 ? null : body.substring(at + 8, body.indexOf('"', at + 8));
    }
  }

  private RawHttp() {}

  /**
   * One kept-alive connection, requests sent one after another as a proxy's connection pool does:
   * no {@code Connection: close}, each answer read by its {@code Content-Length} (none after HEAD).
   */
  public static final class Connection implements AutoCloseable {
    private final Socket socket;
    private final InputStream in;

    public Connection(int port) throws IOException {
      socket = new Socket("localhost", port);
      socket.setSoTimeout(10_000);
      in = socket.getInputStream();
    }

    /**
     * Sends {@code head} (request line and headers, Host added when absent) and reads one answer.
     */
    public Response send(List<String> head) throws IOException {
      StringBuilder out = new StringBuilder();
      boolean host = false;
      for (String line : head) {
        host |= line.toLowerCase(Locale.ROOT).startsWith("host:");
        out.append(line).append("\r\n");
      }
      if (!host) {
        out.append("Host: localhost\r\n");
      }
      out.append("\r\n");
      socket.getOutputStream().write(out.toString().getBytes(StandardCharsets.UTF_8));
      socket.getOutputStream().flush();
      return read(head.get(0).startsWith("HEAD "));
    }

    /** True when the server has closed its side: a read returns end of stream at once. */
    public boolean closedByServer() throws IOException {
      socket.setSoTimeout(300);
      try {
        return in.read() == -1;
      } catch (java.net.SocketTimeoutException e) {
        return false;
      } finally {
        socket.setSoTimeout(10_000);
      }
    }

    private Response read(boolean head) throws IOException {
      ByteArrayOutputStream header = new ByteArrayOutputStream();
      int matched = 0;
      while (matched < 4) {
        int b = in.read();
        if (b == -1) {
          throw new IOException("connection closed after " + header.size() + " bytes of a header");
        }
        header.write(b);
        matched = (b == (matched % 2 == 0 ? '\r' : '\n')) ? matched + 1 : (b == '\r' ? 1 : 0);
      }
      Response response = parse(new ByteArrayInputStream(header.toByteArray()));
      String length = response.header("Content-Length");
      int bodyLength = head || length == null ? 0 : Integer.parseInt(length);
      byte[] body = in.readNBytes(bodyLength);
      return new Response(
          response.status(), response.headers(), new String(body, StandardCharsets.UTF_8));
    }

    @Override
    public void close() throws IOException {
      socket.close();
    }
  }

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
