package dev.keyward.testing;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real {@code redis-server} (Debian's package; {@code .ci/run} installs it) on a free loopback
 * port, without persistence, in its own temporary directory. {@link #stop()} kills it, {@link
 * #start()} brings it back on the same port (empty, as after a restart without persistence). No
 * mock of Redis and nothing downloaded: a machine without {@code redis-server} fails the test with
 * a message saying what to install.
 */
public final class RedisServer implements AutoCloseable {

  private final Path dir;
  private final String password;
  private int port;
  private Process process;

  private RedisServer(String password) throws IOException {
    this.dir = Files.createTempDirectory("keyward-redis");
    this.password = password;
  }

  /** Starts a server; with a password, clients must AUTH with it (null: none). */
  public static RedisServer launch(String password) throws IOException {
    RedisServer server = new RedisServer(password);
    server.port = freePort();
    server.start();
    return server;
  }

  public static RedisServer launch() throws IOException {
    return launch(null);
  }

  /** Starts (again) on this server's port and waits until it answers PING. */
  public synchronized void start() throws IOException {
    if (process != null) {
      return;
    }
    List<String> command = new ArrayList<>();
    command.addAll(
        List.of(
            executable(),
            "--port",
            Integer.toString(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            dir.toString(),
            "--daemonize",
            "no",
            "--loglevel",
            "warning"));
    if (password != null) {
      command.addAll(List.of("--requirepass", password));
    }
    process =
        new ProcessBuilder(command)
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("redis.log").toFile())
            .start();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (true) {
      try {
        if ("PONG".equals(command("PING"))) {
          return;
        }
      } catch (IOException e) {
        if (!process.isAlive() || System.nanoTime() > deadline) {
          String log = Files.readString(dir.resolve("redis.log"));
          stop();
          throw new IOException("redis-server did not start on port " + port + ": " + log, e);
        }
      }
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException(e);
      }
    }
  }

  /** Kills the server (as a crash would) and waits until it is gone. */
  public synchronized void stop() {
    if (process == null) {
      return;
    }
    process.destroyForcibly();
    try {
      process.waitFor(20, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    process = null;
  }

  public int port() {
    return port;
  }

  /** {@code redis://127.0.0.1:PORT}, what {@code --rate-limit-store} takes. */
  public String url() {
    return "redis://127.0.0.1:" + port;
  }

  /**
   * Sends one command (RESP, arguments as bulk strings) and returns the reply as text: a simple
   * string or bulk string as is, an integer as its digits, an error as {@code -ERR ...}.
   */
  public String command(String... args) throws IOException {
    try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), port)) {
      socket.setSoTimeout(10_000);
      OutputStream out = socket.getOutputStream();
      BufferedReader in =
          new BufferedReader(
              new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
      if (password != null) {
        out.write(resp("AUTH", password));
        in.readLine();
      }
      out.write(resp(args));
      out.flush();
      String line = in.readLine();
      if (line == null) {
        throw new IOException("redis-server closed the connection");
      }
      return switch (line.charAt(0)) {
        case '+', ':' -> line.substring(1);
        case '-' -> line;
        case '$' -> {
          int length = Integer.parseInt(line.substring(1));
          if (length < 0) {
            yield null;
          }
          char[] body = new char[length];
          int read = 0;
          while (read < length) {
            int n = in.read(body, read, length - read);
            if (n < 0) {
              throw new IOException("short bulk reply");
            }
            read += n;
          }
          yield new String(body);
        }
        default -> line;
      };
    }
  }

  /**
   * How many times the server ran a command (from {@code INFO commandstats}), e.g. {@code evalsha};
   * 0 when never.
   */
  public long calls(String command) throws IOException {
    String stats = command("INFO", "commandstats");
    String prefix = "cmdstat_" + command.toLowerCase() + ":calls=";
    for (String line : stats.split("\r?\n")) {
      if (line.startsWith(prefix)) {
        return Long.parseLong(line.substring(prefix.length(), line.indexOf(',')));
      }
    }
    return 0;
  }

  /** Rate-limit decisions sent to this server: script runs by hash or by body. */
  public long scriptRuns() throws IOException {
    return calls("evalsha") + calls("eval");
  }

  private static byte[] resp(String... args) {
    StringBuilder out = new StringBuilder("*").append(args.length).append("\r\n");
    for (String arg : args) {
      out.append('$')
          .append(arg.getBytes(StandardCharsets.UTF_8).length)
          .append("\r\n")
          .append(arg)
          .append("\r\n");
    }
    return out.toString().getBytes(StandardCharsets.UTF_8);
  }

  private static String executable() throws IOException {
    for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin").split(":")) {
      Path candidate = Path.of(dir, "redis-server");
      if (Files.isExecutable(candidate)) {
        return candidate.toString();
      }
    }
    for (String candidate : List.of("/usr/bin/redis-server", "/usr/sbin/redis-server")) {
      if (Files.isExecutable(Path.of(candidate))) {
        return candidate;
      }
    }
    throw new IOException(
        "redis-server is not installed: apt-get install -y redis-server (.ci/run does this)");
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }

  @Override
  public void close() throws IOException {
    stop();
    try (var files = Files.walk(dir)) {
      files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }
}
